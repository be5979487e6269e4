// The `multistep` family: PyTorch's MultiStepLR, the LR multiplied by gamma at each milestone.

import Foundation

/// Decay by `gamma` at each milestone (PyTorch `MultiStepLR`).
///
/// ```
/// lr(k) = lr · gamma^(number of milestones ≤ k)
/// ```
/// As in PyTorch, milestones may come in any order and may repeat: a milestone listed c times
/// multiplies the LR by gamma^c when it is reached (PyTorch keeps them in a `Counter`).
///
/// - Parameters:
///   - lr: initial LR, > 0.
///   - milestones: steps ≥ 0, any order, repeats allowed.
///   - gamma: > 0.
public struct MultiStepDecay: LRSchedule, Equatable {
    public let lr: Double
    public let gamma: Double
    /// Distinct milestones, ascending.
    let steps: [Int]
    /// `counts[i]`: how often `steps[i]` was listed. `cumulative[i]`: milestones listed ≤ `steps[i]`.
    let counts: [Int]
    let cumulative: [Int]

    /// - Precondition: the ranges above (checked by ``ScheduleSpec/make()``).
    public init(lr: Double, milestones: [Int], gamma: Double = 0.1) {
        precondition(lr > 0 && gamma > 0 && milestones.allSatisfy { $0 >= 0 }, "invalid MultiStepDecay")
        self.lr = lr
        self.gamma = gamma
        var steps: [Int] = []
        var counts: [Int] = []
        for m in milestones.sorted() {
            if steps.last == m { counts[counts.count - 1] += 1 } else { steps.append(m); counts.append(1) }
        }
        var total = 0
        cumulative = counts.map { total += $0; return total }
        self.steps = steps
        self.counts = counts
    }

    init(validatingLR lr: Double, milestones: [Int], gamma: Double) throws(ScheduleError) {
        let check = ParameterCheck(family: .multistep)
        try check.positive("lr", lr)
        for (i, m) in milestones.enumerated() { try check.nonNegative("milestones[\(i)]", m) }
        try check.positive("gamma", gamma)
        self.init(lr: lr, milestones: milestones, gamma: gamma)
    }

    /// Index of the first distinct milestone > `step` (bisect_right).
    private func upperBound(_ step: Int) -> Int {
        var lo = 0
        var hi = steps.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if steps[mid] <= step { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    public func learningRate(at step: Int) -> Double {
        let i = upperBound(step)
        return lr * pow(gamma, Double(i == 0 ? 0 : cumulative[i - 1]))
    }

    public func nextLearningRate(after previous: Double, at step: Int) -> Double {
        let i = upperBound(step)
        guard i > 0, steps[i - 1] == step else { return previous }
        return previous * pow(gamma, Double(counts[i - 1]))
    }
}
