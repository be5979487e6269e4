// The `warmup` family: a linear warmup in front of any schedule, as a wrapper.

/// A linear warmup followed by any schedule: PyTorch's
/// `SequentialLR([LinearLR(start_factor, 1, warmup_steps), base], milestones=[warmup_steps])`.
///
/// ```
/// peak  = base.lr(0)
/// lr(k) = peak · (start_factor + (1 − start_factor)·k/W)    for k < W
///       = base.lr(k − W)                                  for k ≥ W
/// ```
/// The base schedule counts its own steps from the end of the warmup. W = 0 is the base alone.
///
/// - Parameters:
///   - base: the schedule after the warmup.
///   - steps: W, ≥ 0.
///   - startFactor: in (0, 1]; HF-style warmups that start at 0 use a small factor instead.
public struct Warmup: LRSchedule {
    public let base: any LRSchedule
    public let steps: Int
    public let startFactor: Double
    private let peak: Double

    /// - Precondition: the ranges above (checked by ``ScheduleSpec/make()``).
    public init(base: any LRSchedule, steps: Int, startFactor: Double = 1.0 / 3) {
        precondition(steps >= 0 && startFactor > 0 && startFactor <= 1, "invalid Warmup")
        self.base = base
        self.steps = steps
        self.startFactor = startFactor
        peak = base.learningRate(at: 0)
    }

    init(validating spec: ScheduleSpec, steps: Int, startFactor: Double) throws(ScheduleError) {
        let check = ParameterCheck(family: .warmup)
        try check.nonNegative("warmup_steps", steps)
        try check.within("start_factor", startFactor, 0, 1)
        let base: any LRSchedule
        do {
            base = try spec.makeSchedule()
        } catch {
            throw ScheduleError(error.family, "schedule.\(error.parameter)", error.value, error.rule)
        }
        self.init(base: base, steps: steps, startFactor: startFactor)
    }

    public func learningRate(at step: Int) -> Double {
        if step < steps {
            return peak * (startFactor + (1 - startFactor) * Double(step) / Double(steps))
        }
        return base.learningRate(at: step - steps)
    }

    /// During the warmup, LinearLR's recursion (`× 1 + (1 − s)/(W·s + (k−1)(1 − s))`), so stepped values
    /// match PyTorch's SequentialLR bit for bit; from W on, the base schedule's own step.
    public func nextLearningRate(after previous: Double, at step: Int) -> Double {
        if step < steps {
            let delta = 1 - startFactor
            return previous * (1.0 + delta / (Double(steps) * startFactor + Double(step - 1) * delta))
        }
        return step == steps ? base.learningRate(at: 0) : base.nextLearningRate(after: previous, at: step - steps)
    }
}
