// The `sgdr` family: PyTorch's CosineAnnealingWarmRestarts with integer steps as epochs.

import Foundation

/// Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter, https://arxiv.org/abs/1608.03983,
/// Eq. 5; PyTorch `CosineAnnealingWarmRestarts` stepped without an epoch argument).
///
/// ```
/// η(k) = η_min + (lr − η_min)·(1 + cos(π·T_cur/T_i))/2
/// ```
/// where the i-th period lasts `T_i = t_0·t_mult^i` steps and `T_cur` counts the steps since the last
/// restart: the LR jumps back to `lr` at steps t_0, t_0 + t_0·t_mult, …
///
/// - Parameters:
///   - lr: initial LR, > 0.
///   - t0: length of the first period, > 0.
///   - tMult: period growth factor, an integer ≥ 1.
///   - etaMin: floor, in [0, lr].
public struct WarmRestarts: LRSchedule, Equatable {
    public let lr: Double
    public let t0: Int
    public let tMult: Int
    public let etaMin: Double

    /// - Precondition: the ranges above (checked by ``ScheduleSpec/make()``).
    public init(lr: Double, t0: Int, tMult: Int = 1, etaMin: Double = 0) {
        precondition(lr > 0 && t0 > 0 && tMult >= 1 && etaMin >= 0 && etaMin <= lr, "invalid WarmRestarts")
        self.lr = lr
        self.t0 = t0
        self.tMult = tMult
        self.etaMin = etaMin
    }

    init(validatingLR lr: Double, t0: Int, tMult: Int, etaMin: Double) throws(ScheduleError) {
        let check = ParameterCheck(family: .sgdr)
        try check.positive("lr", lr)
        try check.positive("t_0", t0)
        guard tMult >= 1 else { throw check.fail("t_mult", String(tMult), "an integer >= 1") }
        try check.atMostMaxSteps("t_mult", tMult)
        try check.nonNegative("eta_min", etaMin)
        guard etaMin <= lr else { throw check.fail("eta_min", formatNumber(etaMin), "<= lr (\(formatNumber(lr)))") }
        self.init(lr: lr, t0: t0, tMult: tMult, etaMin: etaMin)
    }

    /// (T_cur, T_i) after `step` steps, as PyTorch's `step()` leaves them. O(log step) for t_mult > 1.
    public func position(at step: Int) -> (tCur: Int, tI: Int) {
        if tMult == 1 { return (step % t0, t0) }
        var tCur = step
        var tI = t0
        while tCur >= tI {
            tCur -= tI
            let (next, overflow) = tI.multipliedReportingOverflow(by: tMult)
            if overflow { break }  // the period outlasts any Int step
            tI = next
        }
        return (tCur, tI)
    }

    public func learningRate(at step: Int) -> Double {
        let (tCur, tI) = position(at: step)
        return etaMin + (lr - etaMin) * (1 + cos(Double.pi * Double(tCur) / Double(tI))) / 2
    }
}
