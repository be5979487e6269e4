// The `step` family given its end points: from lr to final_lr in a fixed number of equal decays.

import Foundation

/// Step decay that reaches `final_lr` after `updates` decays spread over `total_steps` steps.
///
/// The user gives the initial LR η0, the final LR ηm, the number of decays m and the total steps M:
/// ```
/// gamma     = (ηm / η0)^(1/m)
/// step_size = n = ⌊M / m⌋
/// lr(k)     = η0 · gamma^j   with j = ⌊k / n⌋, for j < m
///           = ηm             for j ≥ m   (held: the LR never goes below final_lr)
/// ```
/// Worked example: η0 = 0.1, ηm = 1e-4, m = 10⁴, M = 10⁶ gives gamma ≈ 0.999309463003, n = 100,
/// and lr(10⁶) = 1e-4. When M is not a multiple of m, n is rounded down: the m-th decay happens
/// at step m·n ≤ M and the last M − m·n steps run at ηm. After m decays the LR stays at exactly ηm
/// (not η0·gamma^m, which can differ from ηm in the last bits).
///
/// - Parameters:
///   - lr: η0, > 0.
///   - finalLR: ηm, in (0, lr].
///   - updates: m, > 0 and ≤ total_steps.
///   - totalSteps: M, > 0.
public struct BoundedStepDecay: LRSchedule, Equatable {
    public let lr: Double
    public let finalLR: Double
    public let updates: Int
    public let totalSteps: Int
    /// Derived: (ηm/η0)^(1/m).
    public let gamma: Double
    /// Derived: ⌊M/m⌋.
    public let stepSize: Int

    /// - Precondition: the ranges above (checked by ``ScheduleSpec/make()``).
    public init(lr: Double, finalLR: Double, updates: Int, totalSteps: Int) {
        precondition(lr > 0 && finalLR > 0 && finalLR <= lr && updates > 0 && updates <= totalSteps,
                     "invalid BoundedStepDecay")
        self.lr = lr
        self.finalLR = finalLR
        self.updates = updates
        self.totalSteps = totalSteps
        (gamma, stepSize) = Self.derive(lr: lr, finalLR: finalLR, updates: updates, totalSteps: totalSteps)
    }

    init(validatingLR lr: Double, finalLR: Double, updates: Int, totalSteps: Int) throws(ScheduleError) {
        let check = ParameterCheck(family: .step)
        try check.positive("lr", lr)
        try check.positive("final_lr", finalLR)
        guard finalLR <= lr else {
            throw check.fail("final_lr", formatNumber(finalLR), "<= lr (\(formatNumber(lr)))")
        }
        try check.positive("updates", updates)
        try check.positive("total_steps", totalSteps)
        guard updates <= totalSteps else {
            throw check.fail("updates", String(updates), "<= total_steps (\(totalSteps))")
        }
        self.init(lr: lr, finalLR: finalLR, updates: updates, totalSteps: totalSteps)
    }

    /// gamma = (finalLR/lr)^(1/updates) and step_size = ⌊totalSteps/updates⌋.
    public static func derive(lr: Double, finalLR: Double, updates: Int, totalSteps: Int)
        -> (gamma: Double, stepSize: Int)
    {
        (pow(finalLR / lr, 1 / Double(updates)), updates > 0 ? totalSteps / updates : 0)
    }

    public func learningRate(at step: Int) -> Double {
        let decays = step / stepSize
        return decays >= updates ? finalLR : lr * pow(gamma, Double(decays))
    }
}
