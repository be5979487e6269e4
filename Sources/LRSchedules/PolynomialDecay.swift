// The `polynomial` family: PyTorch's PolynomialLR, decay to zero as (1 − k/total_iters)^power.

import Foundation

/// Polynomial decay to zero (PyTorch `PolynomialLR`).
///
/// ```
/// lr(k) = lr · (1 − min(k, total_iters) / total_iters)^power
/// ```
/// The LR is 0 from `total_iters` on. PyTorch's `step()` multiplies the current LR by
/// `((1 − k/T) / (1 − (k−1)/T))^power` while `k ≤ T`; ``nextLearningRate(after:at:)`` does the same.
///
/// - Parameters:
///   - lr: initial LR, > 0.
///   - totalIters: T, > 0.
///   - power: ≥ 0 (1 is linear decay).
public struct PolynomialDecay: LRSchedule, Equatable {
    public let lr: Double
    public let totalIters: Int
    public let power: Double

    /// - Precondition: the ranges above (checked by ``ScheduleSpec/make()``).
    public init(lr: Double, totalIters: Int = 5, power: Double = 1) {
        precondition(lr > 0 && totalIters > 0 && power >= 0, "invalid PolynomialDecay")
        self.lr = lr
        self.totalIters = totalIters
        self.power = power
    }

    init(validatingLR lr: Double, totalIters: Int, power: Double) throws(ScheduleError) {
        let check = ParameterCheck(family: .polynomial)
        try check.positive("lr", lr)
        try check.positive("total_iters", totalIters)
        try check.nonNegative("power", power)
        self.init(lr: lr, totalIters: totalIters, power: power)
    }

    public func learningRate(at step: Int) -> Double {
        lr * pow(1.0 - Double(min(totalIters, step)) / Double(totalIters), power)
    }

    public func nextLearningRate(after previous: Double, at step: Int) -> Double {
        if step > totalIters { return previous }
        let t = Double(totalIters)
        return previous * pow((1.0 - Double(step) / t) / (1.0 - Double(step - 1) / t), power)
    }
}
