// The `exponential` family: PyTorch's ExponentialLR, the LR multiplied by gamma every step.

import Foundation

/// Exponential decay (PyTorch `ExponentialLR`).
///
/// ```
/// lr(k) = lr · gamma^k
/// ```
/// PyTorch's `step()` multiplies the current LR by gamma; ``nextLearningRate(after:at:)`` does the same
/// (the closed form differs from it by about k rounding errors).
///
/// - Parameters:
///   - lr: initial LR, > 0.
///   - gamma: > 0 (> 1 grows the LR).
public struct ExponentialDecay: LRSchedule, Equatable {
    public let lr: Double
    public let gamma: Double

    /// - Precondition: the ranges above (checked by ``ScheduleSpec/make()``).
    public init(lr: Double, gamma: Double) {
        precondition(lr > 0 && gamma > 0, "invalid ExponentialDecay")
        self.lr = lr
        self.gamma = gamma
    }

    init(validatingLR lr: Double, gamma: Double) throws(ScheduleError) {
        let check = ParameterCheck(family: .exponential)
        try check.positive("lr", lr)
        try check.positive("gamma", gamma)
        self.init(lr: lr, gamma: gamma)
    }

    public func learningRate(at step: Int) -> Double {
        lr * pow(gamma, Double(step))
    }

    public func nextLearningRate(after previous: Double, at step: Int) -> Double {
        previous * gamma
    }
}
