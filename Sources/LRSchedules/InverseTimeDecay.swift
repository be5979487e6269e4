// The `inverse_time` family: time-based decay, TensorFlow's InverseTimeDecay and Keras' classic `decay`.

import Foundation

/// Inverse time decay (TensorFlow `tf.keras.optimizers.schedules.InverseTimeDecay`).
///
/// ```
/// lr(k) = lr / (1 + decay_rate · k / decay_steps)        staircase false
/// lr(k) = lr / (1 + decay_rate · ⌊k / decay_steps⌋)      staircase true
/// ```
/// Evaluated as TensorFlow does for a float64 initial LR: `p = k / decay_steps` (floored when
/// staircase), `lr / (1 + decay_rate · p)`. Keras' classic optimizer argument `decay`
/// (`lr0 / (1 + decay · t)`, t = optimizer iterations) is `decay_rate = decay`, `decay_steps = 1`,
/// stepped per optimizer step.
///
/// - Parameters:
///   - lr: initial LR, > 0.
///   - decayRate: ≥ 0 (0 keeps the LR constant).
///   - decaySteps: > 0.
///   - staircase: decay in whole multiples of `decay_steps` only.
public struct InverseTimeDecay: LRSchedule, Equatable {
    public let lr: Double
    public let decayRate: Double
    public let decaySteps: Int
    public let staircase: Bool

    /// - Precondition: the ranges above (checked by ``ScheduleSpec/make()``).
    public init(lr: Double, decayRate: Double, decaySteps: Int = 1, staircase: Bool = false) {
        precondition(lr > 0 && decayRate >= 0 && decaySteps > 0, "invalid InverseTimeDecay")
        self.lr = lr
        self.decayRate = decayRate
        self.decaySteps = decaySteps
        self.staircase = staircase
    }

    init(validatingLR lr: Double, decayRate: Double, decaySteps: Int, staircase: Bool) throws(ScheduleError) {
        let check = ParameterCheck(family: .inverseTime)
        try check.positive("lr", lr)
        try check.nonNegative("decay_rate", decayRate)
        try check.positive("decay_steps", decaySteps)
        self.init(lr: lr, decayRate: decayRate, decaySteps: decaySteps, staircase: staircase)
    }

    public func learningRate(at step: Int) -> Double {
        let p = staircase ? Double(step / decaySteps) : Double(step) / Double(decaySteps)
        return lr / (1 + decayRate * p)
    }
}
