// The `onecycle` family: PyTorch's OneCycleLR, two or three annealing phases and the momentum cycle.

import Foundation

/// The one-cycle policy (Smith & Topin, https://arxiv.org/abs/1708.07120; PyTorch `OneCycleLR`).
///
/// With `initial = max_lr/div_factor`, `min = initial/final_div_factor`, N = `total_steps`, p = `pct_start`,
/// the phases end at these (fractional) steps, as in PyTorch:
/// ```
/// two phases:   pN − 1 (initial → max_lr),  N − 1 (max_lr → min)
/// three_phase:  pN − 1 (initial → max_lr),  2pN − 2 (max_lr → initial),  N − 1 (initial → min)
/// in a phase from step a to b:  pct = (k − a)/(b − a)
///   cos:    lr = end + (start − end)/2 · (1 + cos(π·pct))
///   linear: lr = start + (end − start) · pct
/// ```
/// Momentum runs the other way (max_momentum → base_momentum → max_momentum).
///
/// Past the end: PyTorch raises after N + 1 steps and at step N extrapolates the last phase
/// (slightly above `min` for cos, below it — even negative — for linear). Here every step k ≥ N
/// holds `min` (and momentum holds its last value), so a run that steps once more than planned
/// keeps a sane LR. Steps 0…N−1, the ones an N-step run uses, match PyTorch exactly.
public struct OneCycle: MomentumCycling, Equatable {
    public enum Anneal: String, CaseIterable, Sendable { case cos, linear }

    /// OneCycleLR's constructor arguments (PyTorch defaults).
    public struct Parameters: Sendable, Equatable {
        /// Peak LR, > 0.
        public var maxLR: Double
        /// N, > 0.
        public var totalSteps: Int
        /// p, in (0, 1), with p·N > 1 (and 2pN − 2 < N − 1 for three phases).
        public var pctStart: Double
        public var annealStrategy: Anneal
        /// initial = max_lr/div_factor, > 0.
        public var divFactor: Double
        /// min = initial/final_div_factor, > 0.
        public var finalDivFactor: Double
        public var threePhase: Bool
        public var cycleMomentum: Bool
        /// Momentum at the LR peak, in [0, 1].
        public var baseMomentum: Double
        /// Momentum at the ends, in [base_momentum, 1].
        public var maxMomentum: Double

        public init(maxLR: Double, totalSteps: Int, pctStart: Double = 0.3, annealStrategy: Anneal = .cos,
                    divFactor: Double = 25, finalDivFactor: Double = 1e4, threePhase: Bool = false,
                    cycleMomentum: Bool = true, baseMomentum: Double = 0.85, maxMomentum: Double = 0.95) {
            self.maxLR = maxLR
            self.totalSteps = totalSteps
            self.pctStart = pctStart
            self.annealStrategy = annealStrategy
            self.divFactor = divFactor
            self.finalDivFactor = finalDivFactor
            self.threePhase = threePhase
            self.cycleMomentum = cycleMomentum
            self.baseMomentum = baseMomentum
            self.maxMomentum = maxMomentum
        }
    }

    struct Phase: Equatable {
        var end: Double
        var startLR, endLR, startMomentum, endMomentum: Double
    }

    public let parameters: Parameters
    let phases: [Phase]

    /// - Precondition: the ranges in ``Parameters`` (checked by ``ScheduleSpec/make()``).
    public init(_ p: Parameters) {
        let n = Double(p.totalSteps)
        precondition(p.maxLR > 0 && p.pctStart > 0 && p.pctStart < 1 && p.pctStart * n > 1
                     && p.divFactor > 0 && p.finalDivFactor > 0, "invalid OneCycle")
        parameters = p
        let initial = p.maxLR / p.divFactor
        let minLR = initial / p.finalDivFactor
        let (lo, hi) = (p.baseMomentum, p.maxMomentum)
        if p.threePhase {
            phases = [Phase(end: p.pctStart * n - 1, startLR: initial, endLR: p.maxLR, startMomentum: hi, endMomentum: lo),
                      Phase(end: 2 * p.pctStart * n - 2, startLR: p.maxLR, endLR: initial, startMomentum: lo, endMomentum: hi),
                      Phase(end: n - 1, startLR: initial, endLR: minLR, startMomentum: hi, endMomentum: hi)]
        } else {
            phases = [Phase(end: p.pctStart * n - 1, startLR: initial, endLR: p.maxLR, startMomentum: hi, endMomentum: lo),
                      Phase(end: n - 1, startLR: p.maxLR, endLR: minLR, startMomentum: lo, endMomentum: hi)]
        }
    }

    init(validating p: Parameters) throws(ScheduleError) {
        let check = ParameterCheck(family: .onecycle)
        try check.positive("max_lr", p.maxLR)
        try check.positive("total_steps", p.totalSteps)
        try check.within("pct_start", p.pctStart, 0, 1, closedHigh: false)
        let n = Double(p.totalSteps)
        guard p.pctStart * n > 1 else {
            throw check.fail("pct_start", formatNumber(p.pctStart),
                             "> 1/total_steps (\(formatNumber(1 / n))) so the first phase spans a step")
        }
        if p.threePhase, !(2 * p.pctStart * n - 2 < n - 1) {
            throw check.fail("pct_start", formatNumber(p.pctStart),
                             "< (total_steps + 1)/(2·total_steps) (\(formatNumber((n + 1) / (2 * n)))) with three_phase")
        }
        try check.positive("div_factor", p.divFactor)
        try check.positive("final_div_factor", p.finalDivFactor)
        try check.within("base_momentum", p.baseMomentum, 0, 1, closedLow: true)
        try check.within("max_momentum", p.maxMomentum, p.baseMomentum, 1, closedLow: true)
        self.init(p)
    }

    private func anneal(_ start: Double, _ end: Double, _ pct: Double) -> Double {
        switch parameters.annealStrategy {
        case .cos: return end + (start - end) / 2.0 * (cos(Double.pi * pct) + 1)
        case .linear: return (end - start) * pct + start
        }
    }

    /// The phase that holds `step` and the fraction of it done, as PyTorch's `get_lr` finds them.
    private func locate(_ step: Int) -> (phase: Phase, pct: Double) {
        var start = 0.0
        let k = Double(step)
        for (i, phase) in phases.enumerated() {
            if k <= phase.end || i == phases.count - 1 {
                return (phase, (k - start) / (phase.end - start))
            }
            start = phase.end
        }
        return (phases[phases.count - 1], 1)  // unreachable: the last phase always matches
    }

    public func learningRate(at step: Int) -> Double {
        guard step < parameters.totalSteps else { return phases[phases.count - 1].endLR }
        let (phase, pct) = locate(step)
        return anneal(phase.startLR, phase.endLR, pct)
    }

    public func momentum(at step: Int) -> Double? {
        guard parameters.cycleMomentum else { return nil }
        let (phase, pct) = locate(min(step, parameters.totalSteps - 1))
        return anneal(phase.startMomentum, phase.endMomentum, pct)
    }
}
