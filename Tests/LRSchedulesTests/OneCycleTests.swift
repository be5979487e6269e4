// OneCycleLR: THEORY.md C's values, phase boundaries, three_phase, linear anneal and the end of the run.

import LRSchedules
import TestSupport
import Testing

@Suite struct OneCycleTests {
    @Test func theoryReferenceValues() {
        // THEORY.md C (one-cycle): N = 100, max_lr = 1 at s = 0, 29, 64, 99.
        let s = OneCycle(.init(maxLR: 1, totalSteps: 100))
        expectClose(s.learningRate(at: 0), 0.04, relative: 1e-12)      // derivation: max/div_factor = 1/25
        expectClose(s.learningRate(at: 29), 1, relative: 1e-12)        // derivation: end of phase 1 at pN − 1
        expectClose(s.learningRate(at: 64), 0.500002, relative: 1e-12) // derivation: half way down to min = 4e-6
        expectClose(s.learningRate(at: 99), 4e-6, relative: 1e-9)      // derivation: 0.04/1e4
    }

    @Test func heldAtMinLRFromTotalSteps() {
        let s = OneCycle(.init(maxLR: 0.5, totalSteps: 40, annealStrategy: .linear))
        #expect(s.learningRate(at: 40) == 0.5 / 25 / 1e4)  // derivation: PyTorch would extrapolate; held at min
        #expect(s.learningRate(at: 1000) == 0.5 / 25 / 1e4)
    }

    @Test func threePhaseReturnsToInitialBeforeAnnihilation() {
        // derivation: N = 400, p = 0.25: phase ends 99, 198, 399; linear anneal.
        let s = OneCycle(.init(maxLR: 0.5, totalSteps: 400, pctStart: 0.25, annealStrategy: .linear, threePhase: true))
        expectClose(s.learningRate(at: 99), 0.5, relative: 1e-12)
        expectClose(s.learningRate(at: 198), 0.02, relative: 1e-12)
        // torch 2.15 OneCycleLR(max_lr=0.5, total_steps=400, pct_start=0.25, 'linear', three_phase=True)
        #expect(s.learningRate(at: 250) == 0.014826388059701493)
    }

    @Test func momentumMirrorsTheLR() {
        // torch 2.15 OneCycleLR(max_lr=1, total_steps=320): momentum 0.95 → 0.85 at the peak (step 95) → 0.95.
        let s = OneCycle(.init(maxLR: 1, totalSteps: 320))
        #expect(s.momentum(at: 0) == 0.95)
        #expect(s.momentum(at: 95) == 0.85)
        #expect(s.momentum(at: 200) == 0.8950991429835219)
        #expect(s.momentum(at: 319) == 0.95)
    }

    @Test func rangeErrors() {
        #expect(makeError(.onecycle(.init(maxLR: 1, totalSteps: 100, pctStart: 1.2)))
                == "onecycle: pct_start must be in (0, 1), got 1.2")
        #expect(makeError(.onecycle(.init(maxLR: 1, totalSteps: 100, pctStart: 0.01)))
                == "onecycle: pct_start must be > 1/total_steps (0.01) so the first phase spans a step, got 0.01")
        #expect(makeError(.onecycle(.init(maxLR: 1, totalSteps: 100, pctStart: 0.6, threePhase: true)))
                == "onecycle: pct_start must be < (total_steps + 1)/(2·total_steps) (0.505) with three_phase, got 0.6")
        #expect(makeError(.onecycle(.init(maxLR: 1, totalSteps: 0))) == "onecycle: total_steps must be a positive integer, got 0")
        #expect(makeError(.onecycle(.init(maxLR: -1, totalSteps: 10))) == "onecycle: max_lr must be > 0, got -1")
    }
}
