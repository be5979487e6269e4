// The `step` family in Keras' form: lr0 · drop^⌊(1 + epoch) / epochs_drop⌋, one epoch ahead of StepLR.

import Foundation

/// Keras-style step drop, the `step_decay` function handed to `keras.callbacks.LearningRateScheduler`
/// (J. Brownlee, "Using Learning Rate Schedules for Deep Learning Models in Python with Keras", 2016):
///
/// ```
/// lr(k) = lr · drop^⌊(1 + k) / epochs_drop⌋
/// ```
/// k is Keras' 0-based epoch index, i.e. the scheduler steps taken. The `1 +` makes each drop land
/// one step earlier than StepLR's `lr · gamma^⌊k / step_size⌋`: with epochs_drop 10 the LR first
/// drops at k = 9 (the 10th epoch), and with epochs_drop 1 already at k = 0.
///
/// - Parameters:
///   - lr: initial LR, > 0.
///   - drop: factor per drop, > 0 (usually < 1).
///   - epochsDrop: steps between drops, > 0.
public struct StepDrop: LRSchedule, Equatable {
    public let lr: Double
    public let drop: Double
    public let epochsDrop: Int

    /// - Precondition: the ranges above (checked by ``ScheduleSpec/make()``).
    public init(lr: Double, drop: Double, epochsDrop: Int) {
        precondition(lr > 0 && drop > 0 && epochsDrop > 0, "invalid StepDrop")
        self.lr = lr
        self.drop = drop
        self.epochsDrop = epochsDrop
    }

    init(validatingLR lr: Double, drop: Double, epochsDrop: Int) throws(ScheduleError) {
        let check = ParameterCheck(family: .step)
        try check.positive("lr", lr)
        try check.positive("drop", drop)
        try check.positive("epochs_drop", epochsDrop)
        self.init(lr: lr, drop: drop, epochsDrop: epochsDrop)
    }

    public func learningRate(at step: Int) -> Double {
        // ⌊(1 + k)/N⌋ = ⌊k/N⌋ + ⌊(k mod N + 1)/N⌋, without overflow at k = Int.max.
        let drops = step / epochsDrop + (step % epochsDrop + 1) / epochsDrop
        return lr * pow(drop, Double(drops))
    }
}
