// ReduceLROnPlateau: patience, cooldown, thresholds rel/abs, mode max, min_lr, eps and missing metrics.

import LRSchedules
import TestSupport
import Testing

@Suite struct ReduceOnPlateauTests {
    /// The LR after each observation, starting from the initial LR.
    func run(_ p: ReduceOnPlateau.Parameters, _ metrics: [Double]) -> [Double] {
        var c = ReduceOnPlateau(p)
        return [c.learningRate] + metrics.map { c.observe($0) }
    }

    @Test func patienceCountsBadStepsBeyondIt() {
        // derivation: best 9 at step 2; bad steps 3, 4, 5 → 3 > patience 2 → halve at 5; 8 improves at 7;
        // 8.5 × 3 bad → halve at 10. torch 2.15 gives the same list.
        let lrs = run(.init(lr: 1, factor: 0.5, patience: 2), [10, 9, 9, 9, 9, 9, 8, 8.5, 8.5, 8.5])
        #expect(lrs == [1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25])
    }

    @Test func cooldownSuspendsCounting() {
        // derivation: patience 1: 9 is best at 2; bad 3, 4 → halve at 4; cooldown 2 zeroes 5, 6; bad 7, 8 → halve at 8.
        // torch 2.15 gives the same list.
        let lrs = run(.init(lr: 1, factor: 0.5, patience: 1, cooldown: 2), [10, 9, 9, 9, 9, 9, 9, 9, 9, 9])
        #expect(lrs == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25])
    }

    @Test func relativeThresholdNeedsTenPercent() {
        // derivation: threshold 0.1 rel: 9.5 is not < 10·0.9 → halve; 9.0 not < 9 → halve; 8.0 < 9 → best. (torch 2.15)
        let lrs = run(.init(lr: 1, factor: 0.5, patience: 0, threshold: 0.1), [10, 9.5, 9.0, 8.9, 8.0, 8.0])
        #expect(lrs == [1, 1, 0.5, 0.25, 0.25, 0.25, 0.125])
    }

    @Test func absoluteThresholdNeedsHalfAUnit() {
        // derivation: abs 0.5: 9.6 > 10 − 0.5 → bad; 9.4 < 9.5 → best; 9.3 bad; 8.8 < 8.9 → best. (torch 2.15)
        let lrs = run(.init(lr: 1, factor: 0.5, patience: 0, threshold: 0.5, thresholdMode: .abs), [10, 9.6, 9.4, 9.3, 8.8])
        #expect(lrs == [1, 1, 0.5, 0.5, 0.25, 0.25])
    }

    @Test func maxModeWantsIncreases() {
        // derivation: rel 0.1, max: 1.05 not > 1.1 → bad; 1.2 > 1.1 → best; 1.25 not > 1.32 → bad; 1.4 > 1.32. (torch 2.15)
        let lrs = run(.init(lr: 1, mode: .max, factor: 0.5, patience: 0, threshold: 0.1), [1, 1.05, 1.2, 1.25, 1.4])
        #expect(lrs == [1, 1, 0.5, 0.5, 0.25, 0.25])
    }

    @Test func minLRIsAFloor() {
        // torch 2.15: factor 0.1, min_lr 0.005: 1, 0.1, 0.01, then max(0.001, 0.005) = 0.005 for good.
        let lrs = run(.init(lr: 1, factor: 0.1, patience: 0, minLR: 0.005), Array(repeating: 5, count: 6))
        #expect(lrs == [1, 1, 0.1, 0.010000000000000002, 0.005, 0.005, 0.005])
    }

    @Test func reductionsSmallerThanEpsAreSkipped() {
        // derivation: 1 − 0.9999 = 1e-4 < eps 1e-3, so the LR never moves.
        let lrs = run(.init(lr: 1, factor: 0.9999, patience: 0, eps: 1e-3), [3, 3, 3, 3])
        #expect(lrs == [1, 1, 1, 1, 1])
    }

    @Test func nanAndMissingMetricsCountAsBadSteps() throws {
        // torch 2.15 with metrics [nan, 1, nan, nan], patience 1: [1, 1, 1, 1, 0.5]
        #expect(run(.init(lr: 1, factor: 0.5, patience: 1), [.nan, 1, .nan, .nan]) == [1, 1, 1, 1, 0.5])
        var s = try LRScheduler(.plateau(.init(lr: 1, factor: 0.5, patience: 1)))
        #expect(s.needsMetric)
        s.step(metric: 1)
        s.step()
        s.step()
        #expect(s.learningRate == 0.5)  // derivation: nil twice = two bad steps > patience 1
    }

    @Test func rangeErrors() {
        #expect(makeError(.plateau(.init(lr: 0.1, factor: 1))) == "plateau: factor must be in (0, 1), got 1")
        #expect(makeError(.plateau(.init(lr: 0.1, patience: -1))) == "plateau: patience must be an integer >= 0, got -1")
        #expect(makeError(.plateau(.init(lr: 0.1, minLR: -0.1))) == "plateau: min_lr must be >= 0, got -0.1")
    }
}
