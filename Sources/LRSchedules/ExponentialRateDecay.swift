// The `exponential` family in TensorFlow's form: ExponentialDecay(lr, decay_steps, decay_rate, staircase).

import Foundation

/// Exponential decay by a rate per `decay_steps` steps (TensorFlow
/// `tf.keras.optimizers.schedules.ExponentialDecay`).
///
/// ```
/// lr(k) = lr · decay_rate^(k / decay_steps)          staircase false
/// lr(k) = lr · decay_rate^⌊k / decay_steps⌋          staircase true
/// ```
/// Evaluated as TensorFlow does for a float64 initial LR: `p = k / decay_steps` (floored when
/// staircase), then `lr · pow(decay_rate, p)`. Family `exponential` given `final_lr` is this schedule
/// with `decay_rate = final_lr / lr` and `decay_steps` = the run length, so that lr(T) = final_lr
/// (ExponentialLR with γ = (final_lr/lr)^(1/T)).
///
/// - Parameters:
///   - lr: initial LR, > 0.
///   - decayRate: the factor per `decay_steps` steps, > 0 (> 1 grows the LR).
///   - decaySteps: > 0.
///   - staircase: decay in whole multiples of `decay_steps` only.
public struct ExponentialRateDecay: LRSchedule, Equatable {
    public let lr: Double
    public let decayRate: Double
    public let decaySteps: Int
    public let staircase: Bool

    /// - Precondition: the ranges above (checked by ``ScheduleSpec/make()``).
    public init(lr: Double, decayRate: Double, decaySteps: Int, staircase: Bool = false) {
        precondition(lr > 0 && decayRate > 0 && decaySteps > 0, "invalid ExponentialRateDecay")
        self.lr = lr
        self.decayRate = decayRate
        self.decaySteps = decaySteps
        self.staircase = staircase
    }

    init(validatingLR lr: Double, decayRate: Double, decaySteps: Int, staircase: Bool) throws(ScheduleError) {
        let check = ParameterCheck(family: .exponential)
        try check.positive("lr", lr)
        try check.positive("decay_rate", decayRate)
        try check.positive("decay_steps", decaySteps)
        self.init(lr: lr, decayRate: decayRate, decaySteps: decaySteps, staircase: staircase)
    }

    /// `final_lr` reached after `totalSteps` steps: decay_rate = final_lr / lr, decay_steps = totalSteps.
    init(validatingLR lr: Double, finalLR: Double, totalSteps: Int) throws(ScheduleError) {
        let check = ParameterCheck(family: .exponential)
        try check.positive("lr", lr)
        try check.positive("final_lr", finalLR)
        try check.positive("total_steps", totalSteps)
        let rate = finalLR / lr
        guard rate > 0, rate.isFinite else {
            throw check.fail("final_lr", formatNumber(finalLR), "a ratio final_lr/lr that is a positive finite number")
        }
        self.init(lr: lr, decayRate: rate, decaySteps: totalSteps, staircase: false)
    }

    public func learningRate(at step: Int) -> Double {
        let p = staircase ? Double(step / decaySteps) : Double(step) / Double(decaySteps)
        return lr * pow(decayRate, p)
    }
}
