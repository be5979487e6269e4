// The `sequence` family: PyTorch's SequentialLR, schedules run one after another at milestones.

/// Schedules joined at milestones (PyTorch `SequentialLR`).
///
/// ```
/// i     = number of milestones ≤ k
/// lr(k) = schedules[i].lr(k − milestones[i−1])      (milestones[−1] = 0)
/// ```
/// Each schedule counts its own steps from its milestone, as SequentialLR does (it steps the active
/// scheduler and restarts the next one at its step 0 when a milestone is reached).
///
/// - Parameters:
///   - schedules: one more schedule than milestones.
///   - milestones: strictly increasing, > 0.
public struct Joined: LRSchedule {
    public let schedules: [any LRSchedule]
    public let milestones: [Int]

    /// - Precondition: the ranges above (checked by ``ScheduleSpec/make()``).
    public init(_ schedules: [any LRSchedule], boundaries milestones: [Int]) {
        precondition(schedules.count == milestones.count + 1, "Joined needs one schedule more than milestones")
        self.schedules = schedules
        self.milestones = milestones
    }

    init(validating specs: [ScheduleSpec], milestones: [Int]) throws(ScheduleError) {
        let check = ParameterCheck(family: .sequence)
        guard !specs.isEmpty else { throw check.fail("schedules", "[]", "a non-empty list of schedules") }
        guard milestones.count == specs.count - 1 else {
            throw check.fail("milestones", "\(milestones.count) milestones",
                             "one fewer than schedules (\(specs.count - 1))")
        }
        for (i, m) in milestones.enumerated() {
            guard m > (i == 0 ? 0 : milestones[i - 1]) else {
                throw check.fail("milestones[\(i)]", String(m),
                                 i == 0 ? "a positive integer" : "> milestones[\(i - 1)] (\(milestones[i - 1]))")
            }
            try check.atMostMaxSteps("milestones[\(i)]", m)
        }
        var built: [any LRSchedule] = []
        for (i, spec) in specs.enumerated() {
            do {
                built.append(try spec.makeSchedule())
            } catch {
                throw ScheduleError(error.family, "schedules[\(i)].\(error.parameter)", error.value, error.rule)
            }
        }
        self.init(built, boundaries: milestones)
    }

    /// The active schedule's index and its own step count at `step`.
    private func locate(_ step: Int) -> (index: Int, local: Int) {
        var i = 0
        while i < milestones.count, milestones[i] <= step { i += 1 }
        return (i, i == 0 ? step : step - milestones[i - 1])
    }

    public func learningRate(at step: Int) -> Double {
        let (i, local) = locate(step)
        return schedules[i].learningRate(at: local)
    }

    public func nextLearningRate(after previous: Double, at step: Int) -> Double {
        let (i, local) = locate(step)
        if local == 0 { return schedules[i].learningRate(at: 0) }
        return schedules[i].nextLearningRate(after: previous, at: local)
    }
}
