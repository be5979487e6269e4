// Shared helpers for the schedule tests: stepping a spec the way the trainer does.

import LRSchedules
import Testing

/// The LRs after 0…n−1 scheduler steps, as `LRScheduler` produces them (nil on a ScheduleError).
func stepped(_ spec: ScheduleSpec, _ n: Int, metrics: [Double] = []) -> [Double]? {
    guard var s = try? LRScheduler(spec) else { return nil }
    var out = [s.learningRate]
    for k in 1..<max(1, n) {
        s.step(metric: k - 1 < metrics.count ? metrics[k - 1] : nil)
        out.append(s.learningRate)
    }
    return out
}

/// The pure schedule `spec` makes (nil when it is invalid or a plateau).
func schedule(_ spec: ScheduleSpec) -> (any LRSchedule)? {
    guard case .schedule(let s)? = try? spec.make() else { return nil }
    return s
}

/// The error `spec.make()` throws, rendered, or nil when it is valid.
func makeError(_ spec: ScheduleSpec) -> String? {
    do {
        _ = try spec.make()
        return nil
    } catch {
        return error.description
    }
}
