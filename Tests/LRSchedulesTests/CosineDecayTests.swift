// CosineAnnealingLR: the closed form within t_max and PyTorch's recursion past it.

import Foundation
import LRSchedules
import TestSupport
import Testing

@Suite struct CosineDecayTests {
    @Test func quarterPointsOfAFourStepCosine() throws {
        let s = try #require(schedule(.cosine(lr: 1, tMax: 4, etaMin: 0)))
        expectClose(s.learningRate(at: 0), 1, relative: 1e-15)                    // derivation: cos 0 = 1
        expectClose(s.learningRate(at: 1), 0.8535533905932737, relative: 1e-14)   // derivation: (1 + cos π/4)/2
        expectClose(s.learningRate(at: 2), 0.5, relative: 1e-14)                  // derivation: midpoint
        #expect(s.learningRate(at: 4) == 0)                                       // derivation: 1 + cos π = 0 exactly
        expectClose(s.learningRate(at: 5), 0.1464466094067262, relative: 1e-13)   // derivation: past t_max, (1 − cos π/4)/2
        expectClose(s.learningRate(at: 8), 1, relative: 1e-13)                    // derivation: back to lr after 2T
    }

    @Test func etaMinIsTheFloorAtTMax() throws {
        let s = try #require(schedule(.cosine(lr: 0.1, tMax: 10, etaMin: 0.001)))
        #expect(s.learningRate(at: 10) == 0.001)
        expectClose(s.learningRate(at: 5), 0.0505, relative: 1e-13)  // derivation: 0.001 + 0.099/2
    }

    @Test(arguments: [1, 2, 3, 7, 10, 100])
    func randomAccessEqualsSteppingBitForBit(tMax: Int) throws {
        // learningRate(at:) restarts the recursion at the last trough; stepping runs it from 0.
        let spec = ScheduleSpec.cosine(lr: 0.1, tMax: tMax, etaMin: 0.0003)
        let s = try #require(schedule(spec))
        let lrs = try #require(stepped(spec, 7 * tMax + 3))
        for k in lrs.indices { #expect(s.learningRate(at: k) == lrs[k], "t_max \(tMax), step \(k)") }
    }

    @Test func recursionDiffersFromClosedFormPastTMax() throws {
        // torch 2.15 CosineAnnealingLR(T_max=7), lr 0.1, after 999 steps; the closed form gives 0.018825509907062738.
        let lrs = try #require(stepped(.cosine(lr: 0.1, tMax: 7, etaMin: 0), 1000))
        #expect(lrs[999] == 0.018825509907064678)
        let closed = 0.1 * (1 + cos(Double.pi * 999 / 7)) / 2
        #expect(lrs[999] != closed)
        expectClose(lrs[999], closed, relative: 1e-9)
    }

    @Test func rangeErrors() {
        #expect(makeError(.cosine(lr: 0.1, tMax: -3, etaMin: 0)) == "cosine: t_max must be a positive integer, got -3")
        #expect(makeError(.cosine(lr: 0.1, tMax: 10, etaMin: 0.2)) == "cosine: eta_min must be <= lr (0.1), got 0.2")
        #expect(makeError(.cosine(lr: 0.1, tMax: 10, etaMin: -1)) == "cosine: eta_min must be >= 0, got -1")
    }
}

@Suite struct CosineLongRunTests {
    /// Over t_max = 1e9 PyTorch's ratio (1 + cos πk/T)/(1 + cos π(k−1)/T) is 0/0 one step before the
    /// trough (both round to 0); the half-angle form stays finite and on the closed form.
    @Test func billionStepCosineStaysFiniteThroughTheTrough() {
        let t = 1_000_000_000
        let s = CosineDecay(lr: 0.1, tMax: t, etaMin: 0)
        // derivation: (1 + cos πk/T)/2 = sin²(π(T − k)/2T), with no cancellation near k = T (the
        // closed form's 1 + cos rounds to 0 there).
        func exact(_ k: Int) -> Double {
            let x = sin(Double.pi * Double(t - k) / Double(2 * t))
            return 0.1 * x * x
        }
        var eta = exact(t - 20)
        for k in (t - 19)...(t + 20) {
            eta = s.nextLearningRate(after: eta, at: k)
            #expect(eta.isFinite, "step \(k)")
            if k == t { #expect(eta == 0) } else { expectClose(eta, exact(k), relative: 1e-9) }
        }
    }

    @Test func stepCountsAbove2To53AreRefused() {
        #expect(makeError(.cosine(lr: 0.1, tMax: 1 << 60, etaMin: 0))
                == "cosine: t_max must be at most 2^53 (9007199254740992), got 1152921504606846976")
        #expect(makeError(.multistep(lr: 0.1, milestones: [1, 1 << 62], gamma: 0.5))
                == "multistep: milestones[1] must be at most 2^53 (9007199254740992), got 4611686018427387904")
    }
}
