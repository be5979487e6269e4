// The two shapes a learning-rate schedule takes: a pure function of the step, or a controller fed a metric.

/// A learning-rate schedule that is a pure function of the scheduler step.
///
/// `learningRate(at: k)` is the LR in effect after `k` calls of PyTorch's `scheduler.step()`;
/// `learningRate(at: 0)` is the initial LR. Steps are counted in whatever unit the caller steps
/// the scheduler in (epochs or optimizer steps); the schedule does not know which.
public protocol LRSchedule: Sendable {
    func learningRate(at step: Int) -> Double
}

/// A learning-rate schedule with state that changes with an observed metric (ReduceLROnPlateau).
public protocol LRController: Sendable {
    /// The LR in effect now.
    var learningRate: Double { get }
    /// Records `metric` as one scheduler step and returns the LR in effect after it.
    mutating func observe(_ metric: Double) -> Double
}
