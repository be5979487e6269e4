// The `linear` family: PyTorch's LinearLR, the factor moving linearly from start_factor to end_factor.

/// A linear change of the LR's factor (PyTorch `LinearLR`), often used as a warmup.
///
/// ```
/// lr(k) = lr · (start_factor + (end_factor − start_factor) · min(k, total_iters) / total_iters)
/// ```
/// PyTorch's `step()` multiplies the current LR by `1 + (e − s) / (T·s + (k−1)·(e − s))` while
/// `k ≤ T`; ``nextLearningRate(after:at:)`` does the same.
///
/// - Parameters:
///   - lr: initial LR, > 0.
///   - startFactor: s, in (0, 1].
///   - endFactor: e, in [0, 1].
///   - totalIters: T, > 0.
public struct LinearSchedule: LRSchedule, Equatable {
    public let lr: Double
    public let startFactor: Double
    public let endFactor: Double
    public let totalIters: Int

    /// - Precondition: the ranges above (checked by ``ScheduleSpec/make()``).
    public init(lr: Double, startFactor: Double = 1.0 / 3, endFactor: Double = 1, totalIters: Int = 5) {
        precondition(lr > 0 && startFactor > 0 && startFactor <= 1 && endFactor >= 0 && endFactor <= 1
                     && totalIters > 0, "invalid LinearSchedule")
        self.lr = lr
        self.startFactor = startFactor
        self.endFactor = endFactor
        self.totalIters = totalIters
    }

    init(validatingLR lr: Double, startFactor: Double, endFactor: Double, totalIters: Int) throws(ScheduleError) {
        let check = ParameterCheck(family: .linear)
        try check.positive("lr", lr)
        try check.within("start_factor", startFactor, 0, 1)
        try check.within("end_factor", endFactor, 0, 1, closedLow: true)
        try check.positive("total_iters", totalIters)
        self.init(lr: lr, startFactor: startFactor, endFactor: endFactor, totalIters: totalIters)
    }

    public func learningRate(at step: Int) -> Double {
        lr * (startFactor + (endFactor - startFactor) * Double(min(totalIters, step)) / Double(totalIters))
    }

    public func nextLearningRate(after previous: Double, at step: Int) -> Double {
        if step > totalIters { return previous }
        let delta = endFactor - startFactor
        return previous * (1.0 + delta / (Double(totalIters) * startFactor + Double(step - 1) * delta))
    }
}
