// The `explr` family: the exponential LR schedule that is equivalent to weight decay (Li & Arora, ICLR 2020).

import Foundation

/// The arithmetic shared by the schedules that replace weight decay by a growing LR (THEORY.md A.2).
///
/// Heavy-ball SGD with coupled weight decay λ (PyTorch `SGD(momentum: γ, weight_decay: λ)`) at a
/// constant LR η trains a scale-invariant network exactly as SGD without weight decay under
/// η̃_t = α^(−2t−1)·η, where α is the larger root of
///
/// ```
/// x² − (1 + γ − λη)·x + γ = 0        α = [(1+γ−λη) + √((1+γ−λη)² − 4γ)] / 2
/// ```
/// which is real iff λη ≤ (1 − √γ)². For γ = 0, α = 1 − λη.
public enum WeightDecayEquivalence {
    /// The largest λη with a real α: (1 − √γ)².
    public static func bound(momentum γ: Double) -> Double {
        let r = 1 - γ.squareRoot()
        return r * r
    }

    /// The larger root α, or nil when λη > (1 − √γ)² (no real root) or the inputs are out of range.
    public static func alpha(lr η: Double, weightDecay λ: Double, momentum γ: Double) -> Double? {
        guard η > 0, λ >= 0, γ >= 0, γ < 1, λ * η <= bound(momentum: γ) else { return nil }
        let b = 1 + γ - λ * η
        let discriminant = max(0, b * b - 4 * γ)
        return (b + discriminant.squareRoot()) / 2
    }

    /// The checks every conversion shares: weight_decay ≥ 0, momentum in [0, 1), and a real α at `lr`.
    static func check(_ family: ScheduleFamily, lr: Double, weightDecay: Double, momentum: Double,
                      lrName: String = "lr") throws(ScheduleError) -> Double {
        let check = ParameterCheck(family: family)
        try check.positive(lrName, lr)
        try check.nonNegative("weight_decay", weightDecay)
        try check.within("momentum", momentum, 0, 1, closedLow: true, closedHigh: false)
        guard let alpha = alpha(lr: lr, weightDecay: weightDecay, momentum: momentum) else {
            let bound = bound(momentum: momentum)
            throw check.fail("weight_decay", formatNumber(weightDecay),
                             "<= (1 − √momentum)²/\(lrName) = \(formatNumber(bound / lr)) so that "
                                + "x² − (1 + momentum − weight_decay·\(lrName))·x + momentum has a real root "
                                + "(weight_decay·\(lrName) is \(formatNumber(weightDecay * lr)), the bound "
                                + "(1 − √\(formatNumber(momentum)))² is \(formatNumber(bound)))")
        }
        return alpha
    }
}

extension WeightDecayEquivalence {
    /// The schedule a conversion converts (`of`), checked: its errors under `of.`, and a real α at its
    /// initial LR.
    static func checkedBase(_ spec: ScheduleSpec, _ family: ScheduleFamily, _ weightDecay: Double,
                            _ momentum: Double) throws(ScheduleError) -> any LRSchedule {
        let base = try ScheduleSpec.makeBase(spec)
        _ = try check(family, lr: base.learningRate(at: 0), weightDecay: weightDecay, momentum: momentum, lrName: "of.lr")
        return base
    }
}

/// A schedule that also fixes the SGD momentum buffer before the first step: b₀ = c·θ₀ for every
/// trainable tensor, with c = ``momentumBufferCoefficient``.
public protocol InitialMomentumBuffer: LRSchedule {
    var momentumBufferCoefficient: Double { get }
}

/// The exponential LR equivalent to constant-LR SGD with weight decay (Li & Arora 2020, Theorem 1).
///
/// ```
/// lr(t) = α^(−2t−1) · lr            b₀ = −((1 − α)/(α·lr)) · θ₀
/// ```
/// Run with SGD (momentum γ, no weight decay, no Nesterov, no dampening) and the initial buffer b₀,
/// a scale-invariant network's weights are θ̃_t = α^(−t)·θ_t, θ_t being the weights of the run with
/// weight decay λ at the constant LR: the same outputs and losses at every step. Without b₀ the two
/// runs differ (THEORY.md A.2, "Pitfall"). Reference: lr 0.1, λ 5e-4, γ 0.9 give
/// α = 0.9994977283678897 and b₀ = −0.0050252404·θ₀.
///
/// - Parameters:
///   - lr: η, the constant LR of the weight-decay run, > 0.
///   - weightDecay: λ, ≥ 0, with λη ≤ (1 − √γ)².
///   - momentum: γ, in [0, 1).
public struct ExpLR: InitialMomentumBuffer, Equatable {
    public let lr: Double
    public let weightDecay: Double
    public let momentum: Double
    /// The larger root α.
    public let alpha: Double

    /// - Precondition: the ranges above (checked by ``ScheduleSpec/make()``).
    public init(lr: Double, weightDecay: Double, momentum: Double) {
        guard let alpha = WeightDecayEquivalence.alpha(lr: lr, weightDecay: weightDecay, momentum: momentum) else {
            preconditionFailure("invalid ExpLR: lr \(lr), weight_decay \(weightDecay), momentum \(momentum)")
        }
        self.lr = lr
        self.weightDecay = weightDecay
        self.momentum = momentum
        self.alpha = alpha
    }

    init(validatingLR lr: Double, weightDecay: Double, momentum: Double) throws(ScheduleError) {
        _ = try WeightDecayEquivalence.check(.explr, lr: lr, weightDecay: weightDecay, momentum: momentum)
        self.init(lr: lr, weightDecay: weightDecay, momentum: momentum)
    }

    /// α^(−2): the factor the LR grows by per step.
    public var growthPerStep: Double { 1 / (alpha * alpha) }

    public var momentumBufferCoefficient: Double { -(1 - alpha) / (alpha * lr) }

    public func learningRate(at step: Int) -> Double {
        lr * pow(alpha, -Double(2 * step + 1))
    }
}
