// The shape of a pure learning-rate schedule (a function of the step); ReduceOnPlateau is the one fed a metric.

/// A learning-rate schedule that is a pure function of the scheduler step.
///
/// `learningRate(at: k)` is the LR in effect after `k` calls of PyTorch's `scheduler.step()`;
/// `learningRate(at: 0)` is the initial LR. Steps are counted in whatever unit the caller steps
/// the scheduler in (epochs or optimizer steps); the schedule does not know which.
public protocol LRSchedule: Sendable {
    func learningRate(at step: Int) -> Double

    /// The LR after `step` steps (`step >= 1`), given that the LR after `step - 1` steps was `previous`.
    ///
    /// PyTorch's `step()` computes several schedules recursively from the optimizer's current LR
    /// (CosineAnnealingLR, StepLR, LinearLR, …). Those schedules override this to evaluate the same
    /// recursion, in the same floating-point order, so a caller that steps forward one step at a time
    /// (``LRScheduler``) reproduces PyTorch's values bit for bit and in O(1) per step. The default
    /// ignores `previous` and returns `learningRate(at: step)`.
    func nextLearningRate(after previous: Double, at step: Int) -> Double
}

extension LRSchedule {
    public func nextLearningRate(after previous: Double, at step: Int) -> Double {
        learningRate(at: step)
    }
}

/// A schedule that also cycles the optimizer's momentum (CyclicLR, OneCycleLR with `cycle_momentum`).
public protocol MomentumCycling: LRSchedule {
    /// The momentum (or Adam's beta1) in effect after `step` scheduler steps, or nil when the
    /// schedule was configured not to cycle momentum.
    func momentum(at step: Int) -> Double?
}
