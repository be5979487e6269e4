// The `cosine` family: PyTorch's CosineAnnealingLR, including its recursive behaviour past t_max.

import Foundation

/// Cosine annealing from `lr` to `eta_min` over `t_max` steps (PyTorch `CosineAnnealingLR`,
/// Loshchilov & Hutter, SGDR, https://arxiv.org/abs/1608.03983, without restarts).
///
/// PyTorch's `step()` does not evaluate the closed form
/// `η(k) = η_min + (lr − η_min)·(1 + cos(πk/T))/2`; it updates the current LR recursively:
/// ```
/// η(0) = lr
/// η(k) = η(k−1) + (lr − η_min)·(1 − cos(π/T))/2                        if (k − 1 − T) mod 2T = 0
///      = (1 + cos(πk/T)) / (1 + cos(π(k−1)/T)) · (η(k−1) − η_min) + η_min  otherwise
/// ```
/// Past `t_max` the LR therefore rises again along the cosine (period 2T), and the values carry the
/// recursion's rounding (up to ~1e-12 relative from the closed form after thousands of steps), which
/// this type reproduces bit for bit. At every trough k = T·(2j+1) the factor `1 + cos(πk/T)` rounds
/// to exactly 0, so η(k) = η_min exactly and the recursion restarts there from a known value:
/// ``learningRate(at:)`` iterates from the last trough, O(min(k, 2T)); ``nextLearningRate(after:at:)``
/// is one recursion step, O(1). Within about 1e-6 of a trough (only for t_max > 2000) the ratio
/// is evaluated in a half-angle form instead, which stays finite and accurate for any t_max.
///
/// - Parameters:
///   - lr: initial LR, > 0.
///   - tMax: T, half period in steps, > 0.
///   - etaMin: floor, in [0, lr].
public struct CosineDecay: LRSchedule, Equatable {
    public let lr: Double
    public let tMax: Int
    public let etaMin: Double

    /// - Precondition: the ranges above (checked by ``ScheduleSpec/make()``).
    public init(lr: Double, tMax: Int, etaMin: Double = 0) {
        precondition(lr > 0 && tMax > 0 && etaMin >= 0 && etaMin <= lr, "invalid CosineDecay")
        self.lr = lr
        self.tMax = tMax
        self.etaMin = etaMin
    }

    init(validatingLR lr: Double, tMax: Int, etaMin: Double) throws(ScheduleError) {
        try ParameterCheck(family: .cosine).annealing(lr: lr, tMax: tMax, etaMin: etaMin)
        self.init(lr: lr, tMax: tMax, etaMin: etaMin)
    }

    public func learningRate(at step: Int) -> Double {
        if step <= tMax {
            return iterate(from: 0, value: lr, to: step)
        }
        // The last trough T·(2j+1) at or before `step`.
        let trough = tMax + (step - tMax) / (2 * tMax) * (2 * tMax)
        return iterate(from: trough, value: etaMin, to: step)
    }

    private func iterate(from start: Int, value: Double, to step: Int) -> Double {
        var eta = value
        var k = start
        while k < step {
            k += 1
            eta = nextLearningRate(after: eta, at: k)
        }
        return eta
    }

    public func nextLearningRate(after previous: Double, at step: Int) -> Double {
        let t = Double(tMax)
        if (step - 1 - tMax) % (2 * tMax) == 0 {
            let rise = (1 - cos(Double.pi / t)) / 2  // rounds to 0 once T is about 1e8: use sin²(π/2T)
            let half = sin(Double.pi / (2 * t))
            return previous + (lr - etaMin) * (rise >= Self.wellConditioned ? rise : half * half)
        }
        let denominator = 1 + cos(Double.pi * Double(step - 1) / t)
        if denominator >= Self.wellConditioned {
            return (1 + cos(Double.pi * Double(step) / t)) / denominator * (previous - etaMin) + etaMin
        }
        // Near a trough 1 + cos x cancels (it rounds to 0 one step before the trough once T is
        // about 1e8, giving 0/0): use 1 + cos x = 2 cos²(x/2) with cos(πk/2T) = sin(π(T − r)/2T),
        // r = k mod 2T, an exact integer reduction, so the argument of sin is small and exact.
        let ratio = halfAngleCos(step) / halfAngleCos(step - 1)
        return ratio * ratio * (previous - etaMin) + etaMin
    }

    /// PyTorch's ratio is used while its denominator is at least this (its rounding then stays
    /// below ~1e-10 relative per step): always for t_max ≤ 2000, and away from troughs beyond.
    static let wellConditioned = 1e-6

    /// cos(πk/2T), computed as sin(π(T − (k mod 2T))/2T) without cancellation.
    private func halfAngleCos(_ k: Int) -> Double {
        let period = 2 * tMax
        let r = ((k % period) + period) % period
        return sin(Double.pi * Double(tMax - r) / Double(period))
    }
}
