// The `cyclic` family: PyTorch's CyclicLR (triangular, triangular2, exp_range) with its momentum cycle.

import Foundation

/// Cyclical learning rates (Smith, https://arxiv.org/abs/1506.01186, §3.1; PyTorch `CyclicLR`).
///
/// With `total = up + down`, `ratio = up/total`:
/// ```
/// cycle = ⌊1 + k/total⌋,   x = 1 + k/total − cycle
/// s     = x/ratio                  if x ≤ ratio   (rising)
///       = (x − 1)/(ratio − 1)      otherwise      (falling)
/// lr(k) = base_lr + (max_lr − base_lr) · s · scale
/// scale = 1 (triangular) | 1/2^(cycle−1) (triangular2) | gamma^k (exp_range, k = global step)
/// ```
/// ``momentum(at:)`` cycles the other way: `max_momentum − (max_momentum − base_momentum)·s·scale`.
///
/// - Parameters: see ``Parameters``.
public struct CyclicSchedule: MomentumCycling, Equatable {
    public enum Mode: String, CaseIterable, Sendable {
        case triangular, triangular2
        case expRange = "exp_range"
    }

    /// CyclicLR's constructor arguments (PyTorch defaults).
    public struct Parameters: Sendable, Equatable {
        /// Lower LR bound and initial LR, ≥ 0.
        public var baseLR: Double
        /// Upper LR bound, ≥ base_lr.
        public var maxLR: Double
        /// Steps from base_lr to max_lr, > 0.
        public var stepSizeUp: Int
        /// Steps from max_lr back to base_lr, ≥ 0; nil means equal to `stepSizeUp`.
        public var stepSizeDown: Int?
        public var mode: Mode
        /// exp_range's per-step factor, in (0, 1].
        public var gamma: Double
        public var cycleMomentum: Bool
        /// Momentum at the LR peak, in [0, 1].
        public var baseMomentum: Double
        /// Momentum at the LR trough, in [base_momentum, 1].
        public var maxMomentum: Double

        public init(baseLR: Double, maxLR: Double, stepSizeUp: Int = 2000, stepSizeDown: Int? = nil,
                    mode: Mode = .triangular, gamma: Double = 1, cycleMomentum: Bool = true,
                    baseMomentum: Double = 0.8, maxMomentum: Double = 0.9) {
            self.baseLR = baseLR
            self.maxLR = maxLR
            self.stepSizeUp = stepSizeUp
            self.stepSizeDown = stepSizeDown
            self.mode = mode
            self.gamma = gamma
            self.cycleMomentum = cycleMomentum
            self.baseMomentum = baseMomentum
            self.maxMomentum = maxMomentum
        }
    }

    public let parameters: Parameters
    private let totalSize: Double
    private let stepRatio: Double

    /// - Precondition: the ranges in ``Parameters`` (checked by ``ScheduleSpec/make()``).
    public init(_ p: Parameters) {
        precondition(p.baseLR >= 0 && p.maxLR >= p.baseLR && p.stepSizeUp > 0 && (p.stepSizeDown ?? 0) >= 0
                     && p.gamma > 0, "invalid CyclicSchedule")
        parameters = p
        let up = Double(p.stepSizeUp)
        totalSize = up + Double(p.stepSizeDown ?? p.stepSizeUp)
        stepRatio = up / totalSize
    }

    init(validating p: Parameters) throws(ScheduleError) {
        let check = ParameterCheck(family: .cyclic)
        try check.nonNegative("base_lr", p.baseLR)
        try check.finite("max_lr", p.maxLR)
        guard p.maxLR >= p.baseLR else {
            throw check.fail("max_lr", formatNumber(p.maxLR), ">= base_lr (\(formatNumber(p.baseLR)))")
        }
        try check.positive("step_size_up", p.stepSizeUp)
        if let down = p.stepSizeDown { try check.nonNegative("step_size_down", down) }
        try check.within("gamma", p.gamma, 0, 1)
        try check.within("base_momentum", p.baseMomentum, 0, 1, closedLow: true)
        try check.within("max_momentum", p.maxMomentum, p.baseMomentum, 1, closedLow: true)
        self.init(p)
    }

    /// The triangle's height in [0, 1] and the mode's scale, at `step`.
    private func shape(at step: Int) -> (s: Double, scale: Double) {
        let k = Double(step)
        let cycle = (1 + k / totalSize).rounded(.down)
        let x = 1.0 + k / totalSize - cycle
        let s = x <= stepRatio ? x / stepRatio : (x - 1) / (stepRatio - 1)
        switch parameters.mode {
        case .triangular: return (s, 1.0)
        case .triangular2: return (s, 1 / pow(2.0, cycle - 1))
        case .expRange: return (s, pow(parameters.gamma, k))
        }
    }

    public func learningRate(at step: Int) -> Double {
        let (s, scale) = shape(at: step)
        return parameters.baseLR + (parameters.maxLR - parameters.baseLR) * s * scale
    }

    public func momentum(at step: Int) -> Double? {
        guard parameters.cycleMomentum else { return nil }
        let (s, scale) = shape(at: step)
        return parameters.maxMomentum - (parameters.maxMomentum - parameters.baseMomentum) * s * scale
    }
}
