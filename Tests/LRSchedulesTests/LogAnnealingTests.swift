// log_annealing: the normalized log(1/u) curve from lr to eta_min.

import Foundation
import LRSchedules
import TestSupport
import Testing

@Suite struct LogAnnealingTests {
    @Test func endpointsMidpointAndHold() {
        let s = LogAnnealing(lr: 1, tMax: 10)
        #expect(s.learningRate(at: 0) == 1)                                      // derivation: ln 1 = 0
        expectClose(s.learningRate(at: 1), 0.8414349212595709, relative: 1e-14)  // derivation: 1 − ln(1 + 0.1(e − 1))
        expectClose(s.learningRate(at: 5), 0.3798854930417225, relative: 1e-14)  // derivation: 1 − ln((e + 1)/2)
        #expect(s.learningRate(at: 10) == 0)                                     // derivation: 1 − ln e
        #expect(s.learningRate(at: 11) == 0)                                     // derivation: held past t_max
        let floor = LogAnnealing(lr: 1.1, tMax: 10, etaMin: 0.1)
        expectClose(floor.learningRate(at: 5), 0.47988549304172246, relative: 1e-14)  // derivation: 0.1 + 1·f(½)
    }

    @Test func decaysFasterThanCosineInTheFirstHalfAndIsConvex() {
        let log = LogAnnealing(lr: 1, tMax: 100)
        let cosine = CosineDecay(lr: 1, tMax: 100)
        for k in 1...50 { #expect(log.learningRate(at: k) < cosine.learningRate(at: k), "step \(k)") }
        for k in 1..<99 {
            let second = log.learningRate(at: k + 1) - 2 * log.learningRate(at: k) + log.learningRate(at: k - 1)
            #expect(second > 0, "convex at step \(k)")
        }
    }

    @Test func rangeErrors() {
        #expect(makeError(.logAnnealing(lr: 0.1, tMax: 0, etaMin: 0)) == "log_annealing: t_max must be a positive integer, got 0")
        #expect(makeError(.logAnnealing(lr: 0.1, tMax: 5, etaMin: 1)) == "log_annealing: eta_min must be <= lr (0.1), got 1")
    }
}
