// The `constant` family: PyTorch's ConstantLR (a constant factor for the first steps, then the full LR).

/// A constant LR, optionally scaled by `factor` for the first `totalIters` steps (PyTorch `ConstantLR`).
///
/// ```
/// lr(k) = lr · factor   for k < total_iters
///       = lr            for k ≥ total_iters
/// ```
/// PyTorch's `step()` multiplies by `1/factor` at `k = total_iters`; ``nextLearningRate(after:at:)``
/// does the same, so stepped values match PyTorch bit for bit.
///
/// - Parameters:
///   - lr: initial LR, > 0.
///   - factor: in (0, 1]; `1` makes the schedule constant. (PyTorch accepts 0 but then divides by it.)
///   - totalIters: > 0. (PyTorch's `total_iters = 0` never restores the LR; it is rejected here.)
public struct ConstantSchedule: LRSchedule, Equatable {
    public let lr: Double
    public let factor: Double
    public let totalIters: Int

    /// - Precondition: the ranges above (checked by ``ScheduleSpec/make()``).
    public init(lr: Double, factor: Double = 1, totalIters: Int = 5) {
        precondition(lr > 0 && factor > 0 && factor <= 1 && totalIters > 0, "invalid ConstantSchedule")
        self.lr = lr
        self.factor = factor
        self.totalIters = totalIters
    }

    init(validatingLR lr: Double, factor: Double, totalIters: Int) throws(ScheduleError) {
        let check = ParameterCheck(family: .constant)
        try check.positive("lr", lr)
        try check.within("factor", factor, 0, 1)
        try check.positive("total_iters", totalIters)
        self.init(lr: lr, factor: factor, totalIters: totalIters)
    }

    public func learningRate(at step: Int) -> Double {
        step < totalIters ? lr * factor : lr
    }

    public func nextLearningRate(after previous: Double, at step: Int) -> Double {
        step == totalIters ? previous * (1.0 / factor) : previous
    }
}
