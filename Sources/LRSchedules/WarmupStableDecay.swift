// The `wsd` family: Hugging Face's warmup-stable-decay schedule with a choice of warmup and decay shapes.

import Foundation

/// Warmup, stable, decay (Hugging Face `get_wsd_schedule`, a `LambdaLR`; MiniCPM,
/// https://arxiv.org/abs/2404.06395). With m = `min_lr_ratio`, W, S, D the phase lengths:
/// ```
/// k < W:          p = k/max(1, W);        f = p | ½(1 − cos πp) | 1 − √(1 − p)     (warmup_type)
///                 λ = max(0, f·(1 − m) + m)
/// k < W + S:      λ = 1
/// k < W + S + D:  p = (k − W − S)/max(1, D);  f = 1 − p | ½(1 + cos(2π·num_cycles·p)) | 1 − √p   (decay_type)
///                 λ = max(0, f·(1 − m) + m)
/// after:          λ = m
/// lr(k) = lr · λ
/// ```
public struct WarmupStableDecay: LRSchedule, Equatable {
    public enum Shape: String, CaseIterable, Sendable {
        case linear, cosine
        case oneMinusSqrt = "1-sqrt"
    }

    /// get_wsd_schedule's arguments (Hugging Face defaults), plus the peak LR.
    public struct Parameters: Sendable, Equatable {
        /// Peak LR, > 0.
        public var lr: Double
        /// W, ≥ 0.
        public var warmupSteps: Int
        /// S, ≥ 0 (HF's `num_stable_steps`, or `num_training_steps − W − D`).
        public var stableSteps: Int
        /// D, ≥ 0.
        public var decaySteps: Int
        public var warmupType: Shape
        public var decayType: Shape
        /// m, in [0, 1].
        public var minLRRatio: Double
        /// Cosine waves in the decay (0.5 = half a cosine), > 0.
        public var numCycles: Double

        public init(lr: Double, warmupSteps: Int, stableSteps: Int, decaySteps: Int,
                    warmupType: Shape = .linear, decayType: Shape = .cosine, minLRRatio: Double = 0,
                    numCycles: Double = 0.5) {
            self.lr = lr
            self.warmupSteps = warmupSteps
            self.stableSteps = stableSteps
            self.decaySteps = decaySteps
            self.warmupType = warmupType
            self.decayType = decayType
            self.minLRRatio = minLRRatio
            self.numCycles = numCycles
        }
    }

    public let parameters: Parameters

    /// - Precondition: the ranges in ``Parameters`` (checked by ``ScheduleSpec/make()``).
    public init(_ p: Parameters) {
        precondition(p.lr > 0 && p.warmupSteps >= 0 && p.stableSteps >= 0 && p.decaySteps >= 0
                     && p.minLRRatio >= 0 && p.minLRRatio <= 1, "invalid WarmupStableDecay")
        parameters = p
    }

    init(validating p: Parameters) throws(ScheduleError) {
        let check = ParameterCheck(family: .wsd)
        try check.positive("lr", p.lr)
        try check.nonNegative("warmup_steps", p.warmupSteps)
        try check.nonNegative("stable_steps", p.stableSteps)
        try check.nonNegative("decay_steps", p.decaySteps)
        try check.within("min_lr_ratio", p.minLRRatio, 0, 1, closedLow: true)
        try check.positive("num_cycles", p.numCycles)
        self.init(p)
    }

    /// λ(k), the factor on `lr`.
    public func factor(at step: Int) -> Double {
        let p = parameters
        let m = p.minLRRatio
        if step < p.warmupSteps {
            let progress = Double(step) / Double(max(1, p.warmupSteps))
            let f: Double
            switch p.warmupType {
            case .linear: f = progress
            case .cosine: f = 0.5 * (1.0 - cos(Double.pi * progress))
            case .oneMinusSqrt: f = 1.0 - sqrt(1.0 - progress)
            }
            return max(0.0, f * (1.0 - m) + m)
        }
        if step < p.warmupSteps + p.stableSteps { return 1.0 }
        if step < p.warmupSteps + p.stableSteps + p.decaySteps {
            let progress = Double(step - p.warmupSteps - p.stableSteps) / Double(max(1, p.decaySteps))
            let f: Double
            switch p.decayType {
            case .linear: f = 1.0 - progress
            case .cosine: f = 0.5 * (1.0 + cos(Double.pi * p.numCycles * 2.0 * progress))
            case .oneMinusSqrt: f = 1.0 - sqrt(progress)
            }
            return max(0.0, f * (1.0 - m) + m)
        }
        return m
    }

    public func learningRate(at step: Int) -> Double {
        parameters.lr * factor(at: step)
    }
}
