// The `step` family: PyTorch's StepLR, the LR multiplied by gamma every step_size steps.

import Foundation

/// Step decay (PyTorch `StepLR`).
///
/// ```
/// lr(k) = lr · gamma^⌊k / step_size⌋
/// ```
/// PyTorch's `step()` multiplies the current LR by `gamma` whenever `k` is a positive multiple of
/// `step_size`; ``nextLearningRate(after:at:)`` does the same.
///
/// - Parameters:
///   - lr: initial LR, > 0.
///   - stepSize: steps between decays, > 0.
///   - gamma: multiplicative factor, > 0 (usually < 1).
public struct StepDecay: LRSchedule, Equatable {
    public let lr: Double
    public let stepSize: Int
    public let gamma: Double

    /// - Precondition: the ranges above (checked by ``ScheduleSpec/make()``).
    public init(lr: Double, stepSize: Int, gamma: Double = 0.1) {
        precondition(lr > 0 && stepSize > 0 && gamma > 0, "invalid StepDecay")
        self.lr = lr
        self.stepSize = stepSize
        self.gamma = gamma
    }

    init(validatingLR lr: Double, stepSize: Int, gamma: Double) throws(ScheduleError) {
        let check = ParameterCheck(family: .step)
        try check.positive("lr", lr)
        try check.positive("step_size", stepSize)
        try check.positive("gamma", gamma)
        self.init(lr: lr, stepSize: stepSize, gamma: gamma)
    }

    public func learningRate(at step: Int) -> Double {
        lr * pow(gamma, Double(step / stepSize))
    }

    public func nextLearningRate(after previous: Double, at step: Int) -> Double {
        step % stepSize == 0 ? previous * gamma : previous
    }
}
