// CosineAnnealingWarmRestarts (SGDR): THEORY.md C's reference values and the restart positions.

import LRSchedules
import TestSupport
import Testing

@Suite struct WarmRestartsTests {
    @Test func theoryReferenceValues() throws {
        // THEORY.md C (SGDR): T_0 = 10, T_mult = 2, η_max = 0.1 at e = 0, 5, 10, 20, 30, 40, 70.
        let s = try #require(schedule(.sgdr(lr: 0.1, t0: 10, tMult: 2, etaMin: 0)))
        for (e, lr) in [(0, 0.1), (5, 0.05), (10, 0.1), (20, 0.05), (30, 0.1), (40, 0.085355), (70, 0.1)] {
            expectClose(s.learningRate(at: e), lr, relative: 1e-5, "epoch \(e)")
        }
    }

    @Test func periodsGrowByTMult() throws {
        let s = WarmRestarts(lr: 1, t0: 3, tMult: 3)
        // derivation: periods 3, 9, 27 → restarts at 3, 12, 39
        #expect(s.position(at: 2) == (2, 3))
        #expect(s.position(at: 3) == (0, 9))
        #expect(s.position(at: 12) == (0, 27))
        #expect(s.position(at: 38) == (26, 27))
        #expect(s.position(at: 39) == (0, 81))
        #expect(WarmRestarts(lr: 1, t0: 7).position(at: 15) == (1, 7))  // derivation: 15 mod 7
    }

    @Test func tMultBelowOneIsRejected() {
        #expect(makeError(.sgdr(lr: 0.1, t0: 10, tMult: 0, etaMin: 0)) == "sgdr: t_mult must be an integer >= 1, got 0")
        #expect(makeError(.sgdr(lr: 0.1, t0: 0, tMult: 1, etaMin: 0)) == "sgdr: t_0 must be a positive integer, got 0")
    }
}
