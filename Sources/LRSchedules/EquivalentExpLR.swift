// The `equivalent_explr` family: any LR schedule with weight decay, converted exactly into one without.

/// A schedule evaluated by a recursion whose state is more than the previous LR; ``LRScheduler``
/// keeps the state and advances it in O(1) per step, while ``learningRate(at:)`` replays the recursion
/// from step 0 (O(step)).
public protocol RecurrentLRSchedule: LRSchedule {
    /// The LR at step 0 and the state after it.
    func start() -> (lr: Double, state: RecurrenceState)
    /// Advances `state` from `step − 1` to `step` (`step >= 1`) and returns the LR at `step`.
    func advance(_ state: inout RecurrenceState, to step: Int) -> Double
}

/// What a conversion carries from one step to the next: the base schedule's LR, the recursion's
/// α, and the accumulated scale (P for ``EquivalentExpLR``, the converted LR for ``TaperedExpLR``).
public struct RecurrenceState: Sendable, Equatable {
    public var baseLR: Double
    public var alpha: Double
    public var scale: Double
}

extension RecurrentLRSchedule {
    public func learningRate(at step: Int) -> Double {
        var (lr, state) = start()
        if step >= 1 {
            for k in 1...step { lr = advance(&state, to: k) }
        }
        return lr
    }
}

/// Any schedule η_t with weight decay λ, converted exactly into a schedule without weight decay
/// (THEORY.md A.2b; generalizes Li & Arora's recursion). Both runs start from zero momentum buffers.
///
/// ```
/// η_{−1} = η_0
/// α_0 = 1,  α_{t+1} = 1 − η_t·λ + γ·(η_t/η_{t−1})·(1 − 1/α_t)
/// P_0 = 1,  P_{t+1} = P_t / α_{t+1}
/// lr(t) = P_t · P_{t+1} · η_t                 ⇒   θ̃_t = P_t · θ_t for every t (exact)
/// ```
/// For a constant η, α_t tends to ``ExpLR``'s α. Reference: η = 0.1, λ = 5e-4, γ = 0.9 give
/// lr(0..2) = 0.100005000250, 0.100019502828, 0.100042562591. The LR is NaN from the step where α_t
/// would reach 0 (a run whose LR rises far past the (1 − √γ)²/λ bound), so such a trial diverges; an
/// LR that stays at 0 (a decay to zero) stays 0, and one that rises again after reaching 0 is NaN.
///
/// - Parameters:
///   - base: η_t, any pure schedule stepped once per optimizer step.
///   - weightDecay: λ, ≥ 0, with λ·η_0 ≤ (1 − √γ)².
///   - momentum: γ, in [0, 1).
public struct EquivalentExpLR: RecurrentLRSchedule {
    public let base: any LRSchedule
    public let weightDecay: Double
    public let momentum: Double

    /// - Precondition: the ranges above (checked by ``ScheduleSpec/make()``).
    public init(base: any LRSchedule, weightDecay: Double, momentum: Double) {
        precondition(weightDecay >= 0 && momentum >= 0 && momentum < 1, "invalid EquivalentExpLR")
        self.base = base
        self.weightDecay = weightDecay
        self.momentum = momentum
    }

    init(validating spec: ScheduleSpec, weightDecay: Double, momentum: Double) throws(ScheduleError) {
        self.init(base: try WeightDecayEquivalence.checkedBase(spec, .equivalentExplr, weightDecay, momentum),
                  weightDecay: weightDecay, momentum: momentum)
    }

    public func start() -> (lr: Double, state: RecurrenceState) {
        let eta = base.learningRate(at: 0)
        var state = RecurrenceState(baseLR: eta, alpha: 1, scale: 1)
        let lr = close(&state, eta: eta, previousEta: eta)
        return (lr, state)
    }

    public func advance(_ state: inout RecurrenceState, to step: Int) -> Double {
        let previous = state.baseLR
        let eta = base.nextLearningRate(after: previous, at: step)
        state.baseLR = eta
        return close(&state, eta: eta, previousEta: previous)
    }

    /// Given α_t and P_t in `state`, computes α_{t+1}, P_{t+1} and returns P_t·P_{t+1}·η_t.
    private func close(_ state: inout RecurrenceState, eta: Double, previousEta: Double) -> Double {
        let alphaT = state.alpha
        // η_t = 0 moves no weight whatever the buffer holds, so the momentum term is 0 (not 0/0 when the
        // LR stayed at 0, as at the end of a decay to zero). An LR that rises again from 0 has no exact
        // equivalent (the buffer is no longer recoverable from the weights): η_t/0 makes it NaN below.
        let ratio = eta == 0 ? 0 : eta / previousEta
        let next = 1 - eta * weightDecay + momentum * ratio * (1 - 1 / alphaT)
        guard next > 0, alphaT > 0 else {
            state.alpha = .nan
            state.scale = .nan
            return .nan
        }
        let p = state.scale
        state.alpha = next
        state.scale = p / next
        return p * state.scale * eta
    }
}

/// Li & Arora's TEXP ("tapered exponential", THEORY.md A.2c): a schedule that is piecewise constant
/// in phases, with weight decay, converted approximately; inside a phase of LR η_I the LR grows by
/// (α*_I)^(−2) per step, and at a drop it is scaled by (η_I/η_{I−1})/(α*_{I−1}·α*_I).
///
/// ```
/// lr(0) = η_0/α*_0    b₀ = −((1 − α*_0)/(α*_0·η_0)) · θ₀
/// lr(t) = lr(t−1)·(α*_I)^(−2)                         η_t = η_{t−1}
///       = lr(t−1)·(η_t/η_{t−1})/(α*(η_{t−1})·α*(η_t))   η_t ≠ η_{t−1}
/// ```
/// α*(η) is ``WeightDecayEquivalence/alpha(lr:weightDecay:momentum:)``. Exact for a constant LR (it
/// is then ``ExpLR``); after a drop the error is O((λη/(1−γ))²) per step (5e-7 relative over 300 steps
/// with two ×0.1 drops). Use ``EquivalentExpLR`` for exactness.
public struct TaperedExpLR: RecurrentLRSchedule, InitialMomentumBuffer {
    public let base: any LRSchedule
    public let weightDecay: Double
    public let momentum: Double

    /// - Precondition: weight decay ≥ 0, momentum in [0, 1), a real α at the base's initial LR.
    public init(base: any LRSchedule, weightDecay: Double, momentum: Double) {
        precondition(WeightDecayEquivalence.alpha(lr: base.learningRate(at: 0), weightDecay: weightDecay,
                                                  momentum: momentum) != nil, "invalid TaperedExpLR")
        self.base = base
        self.weightDecay = weightDecay
        self.momentum = momentum
    }

    init(validating spec: ScheduleSpec, weightDecay: Double, momentum: Double) throws(ScheduleError) {
        self.init(base: try WeightDecayEquivalence.checkedBase(spec, .texp, weightDecay, momentum),
                  weightDecay: weightDecay, momentum: momentum)
    }

    private func alphaStar(_ eta: Double) -> Double {
        WeightDecayEquivalence.alpha(lr: eta, weightDecay: weightDecay, momentum: momentum) ?? .nan
    }

    public var momentumBufferCoefficient: Double {
        let eta = base.learningRate(at: 0)
        let alpha = alphaStar(eta)
        return -(1 - alpha) / (alpha * eta)
    }

    public func start() -> (lr: Double, state: RecurrenceState) {
        let eta = base.learningRate(at: 0)
        let alpha = alphaStar(eta)
        return (eta / alpha, RecurrenceState(baseLR: eta, alpha: alpha, scale: eta / alpha))
    }

    public func advance(_ state: inout RecurrenceState, to step: Int) -> Double {
        let previous = state.baseLR
        let eta = base.nextLearningRate(after: previous, at: step)
        if eta == previous {
            state.scale /= state.alpha * state.alpha
        } else {
            let alpha = alphaStar(eta)
            state.scale *= (eta / previous) / (state.alpha * alpha)
            state.alpha = alpha
        }
        state.baseLR = eta
        return state.scale
    }
}
