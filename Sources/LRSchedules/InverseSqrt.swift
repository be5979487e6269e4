// The `inverse_sqrt` family: Hugging Face's inverse square-root schedule with linear warmup.

import Foundation

/// Inverse square-root decay after a linear warmup (Hugging Face `get_inverse_sqrt_schedule`, a
/// `LambdaLR`, so the factor multiplies `lr`).
///
/// ```
/// lr(k) = lr · k / max(1, W)                       for k < W
///       = lr / sqrt((k + τ − W) / τ)               for k ≥ W
/// ```
/// The LR is `lr` at k = W and halves every time `k + τ − W` quadruples. τ (`timescale`) defaults to
/// W, or 10 000 when W = 0. Warmup starts at 0, as in Hugging Face.
///
/// - Parameters:
///   - lr: peak LR, > 0.
///   - warmupSteps: W, ≥ 0.
///   - timescale: τ, > 0.
public struct InverseSqrt: LRSchedule, Equatable {
    public let lr: Double
    public let warmupSteps: Int
    public let timescale: Int

    /// Hugging Face's default: W, or 10 000 when W = 0.
    public static func defaultTimescale(warmupSteps: Int) -> Int {
        warmupSteps > 0 ? warmupSteps : 10_000
    }

    /// - Precondition: the ranges above (checked by ``ScheduleSpec/make()``).
    public init(lr: Double, warmupSteps: Int, timescale: Int? = nil) {
        let tau = timescale ?? Self.defaultTimescale(warmupSteps: warmupSteps)
        precondition(lr > 0 && warmupSteps >= 0 && tau > 0, "invalid InverseSqrt")
        self.lr = lr
        self.warmupSteps = warmupSteps
        self.timescale = tau
    }

    init(validatingLR lr: Double, warmupSteps: Int, timescale: Int?) throws(ScheduleError) {
        let check = ParameterCheck(family: .inverseSqrt)
        try check.positive("lr", lr)
        try check.nonNegative("warmup_steps", warmupSteps)
        if let timescale { try check.positive("timescale", timescale) }
        self.init(lr: lr, warmupSteps: warmupSteps, timescale: timescale)
    }

    public func learningRate(at step: Int) -> Double {
        if step < warmupSteps {
            return lr * (Double(step) / Double(max(1, warmupSteps)))
        }
        let shift = timescale - warmupSteps
        return lr * (1.0 / sqrt(Double(step + shift) / Double(timescale)))
    }
}
