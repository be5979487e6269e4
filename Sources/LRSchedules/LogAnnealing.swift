// The `log_annealing` family: a logarithmic decay from lr to eta_min, shaped like log(1/x).

import Foundation

/// Logarithmic annealing from `lr` to `eta_min` over `t_max` steps, then held at `eta_min`.
///
/// ```
/// x     = min(k, T)/T ∈ [0, 1]
/// f(x)  = 1 − ln(1 + (e − 1)·x)
/// lr(k) = η_min + (lr − η_min)·f(x)
/// ```
/// Derivation: take the curve log(1/u) on u ∈ [1/e, 1], where it falls from 1 to 0, and map u
/// linearly onto the run, u = (1 + (e − 1)x)/e. Then log(1/u) = 1 − ln(1 + (e − 1)x) = f(x): f(0) = 1,
/// f(1) = 0, f is convex and strictly decreasing, with slope −(e − 1) ≈ −1.718 at the start and
/// −(e − 1)/e ≈ −0.632 at the end. So the LR drops fast early and flattens towards the floor — the shape
/// of log(1/x) — and f(½) = 1 − ln((e + 1)/2) ≈ 0.3799 (cosine is 0.5 there, linear 0.5).
///
/// - Parameters:
///   - lr: initial LR, > 0.
///   - tMax: T, > 0.
///   - etaMin: floor, in [0, lr].
public struct LogAnnealing: LRSchedule, Equatable {
    public let lr: Double
    public let tMax: Int
    public let etaMin: Double

    /// - Precondition: the ranges above (checked by ``ScheduleSpec/make()``).
    public init(lr: Double, tMax: Int, etaMin: Double = 0) {
        precondition(lr > 0 && tMax > 0 && etaMin >= 0 && etaMin <= lr, "invalid LogAnnealing")
        self.lr = lr
        self.tMax = tMax
        self.etaMin = etaMin
    }

    init(validatingLR lr: Double, tMax: Int, etaMin: Double) throws(ScheduleError) {
        try ParameterCheck(family: .logAnnealing).annealing(lr: lr, tMax: tMax, etaMin: etaMin)
        self.init(lr: lr, tMax: tMax, etaMin: etaMin)
    }

    public func learningRate(at step: Int) -> Double {
        if step >= tMax { return etaMin }
        let x = Double(max(0, step)) / Double(tMax)
        return etaMin + (lr - etaMin) * (1 - log1p((M_E - 1) * x))
    }
}
