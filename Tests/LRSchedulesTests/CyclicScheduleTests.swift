// CyclicLR: THEORY.md C's triangle, triangular2's halving, exp_range per step, asymmetric sides, momentum.

import LRSchedules
import TestSupport
import Testing

@Suite struct CyclicScheduleTests {
    @Test func triangleFromTheory() throws {
        // THEORY.md C (CLR): base 0.001, max 0.006, stepsize 2000.
        let tri = CyclicSchedule(.init(baseLR: 0.001, maxLR: 0.006, stepSizeUp: 2000))
        for (it, lr) in [(0, 0.001), (1000, 0.0035), (2000, 0.006), (3000, 0.0035), (4000, 0.001)] {
            expectClose(tri.learningRate(at: it), lr, relative: 1e-12, "it \(it)")
        }
        let tri2 = CyclicSchedule(.init(baseLR: 0.001, maxLR: 0.006, stepSizeUp: 2000, mode: .triangular2))
        expectClose(tri2.learningRate(at: 5000), 0.00225, relative: 1e-12)  // derivation: cycle 2, half up, scale ½
        expectClose(tri2.learningRate(at: 6000), 0.0035, relative: 1e-12)   // derivation: cycle 2 peak, scale ½
    }

    @Test func asymmetricSidesPeakAtStepSizeUp() {
        // derivation: up 10, down 30: peak at 10, back to base at 40; at 20 a third of the way down.
        let s = CyclicSchedule(.init(baseLR: 0.001, maxLR: 0.01, stepSizeUp: 10, stepSizeDown: 30))
        expectClose(s.learningRate(at: 10), 0.01, relative: 1e-12)
        expectClose(s.learningRate(at: 20), 0.001 + 0.009 * 2 / 3, relative: 1e-12)
        expectClose(s.learningRate(at: 40), 0.001, relative: 1e-12)
    }

    @Test func expRangeScalesByGammaToTheGlobalStep() {
        // derivation: peak of cycle 2 at step 45: 0.01 + 0.09·0.99^45
        let s = CyclicSchedule(.init(baseLR: 0.01, maxLR: 0.1, stepSizeUp: 15, mode: .expRange, gamma: 0.99))
        expectClose(s.learningRate(at: 45), 0.01 + 0.09 * 0.6361854860638709, relative: 1e-12)
    }

    @Test func momentumCyclesInversely() {
        // torch 2.15 CyclicLR(0.001, 0.01, 10, 30, "triangular2"), base/max momentum 0.8/0.9
        let s = CyclicSchedule(.init(baseLR: 0.001, maxLR: 0.01, stepSizeUp: 10, stepSizeDown: 30, mode: .triangular2))
        #expect(s.momentum(at: 0) == 0.9)
        #expect(s.momentum(at: 5) == 0.8500000000000001)
        #expect(s.momentum(at: 10) == 0.8)
        #expect(s.momentum(at: 20) == 0.8333333333333334)
        let off = CyclicSchedule(.init(baseLR: 0.001, maxLR: 0.01, cycleMomentum: false))
        #expect(off.momentum(at: 5) == nil)
    }

    @Test func rangeErrors() {
        #expect(makeError(.cyclic(.init(baseLR: 0.01, maxLR: 0.001))) == "cyclic: max_lr must be >= base_lr (0.01), got 0.001")
        #expect(makeError(.cyclic(.init(baseLR: 0.001, maxLR: 0.01, stepSizeUp: 0)))
                == "cyclic: step_size_up must be a positive integer, got 0")
        #expect(makeError(.cyclic(.init(baseLR: 0.001, maxLR: 0.01, mode: .expRange, gamma: 0)))
                == "cyclic: gamma must be in (0, 1], got 0")
        #expect(makeError(.cyclic(.init(baseLR: 0.001, maxLR: 0.01, baseMomentum: 0.95, maxMomentum: 0.9)))
                == "cyclic: max_momentum must be in [0.95, 1], got 0.9")
    }
}
