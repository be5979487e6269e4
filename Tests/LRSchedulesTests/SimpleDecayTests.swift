// ConstantLR, ExponentialLR, PolynomialLR and LinearLR: hand-worked values at the boundaries and past the end.

import LRSchedules
import TestSupport
import Testing

@Suite struct SimpleDecayTests {
    @Test func constantScalesUntilTotalIters() throws {
        // derivation: 0.1·0.5 for k < 4, then 0.1.
        let lrs = try #require(stepped(.constant(lr: 0.1, factor: 0.5, totalIters: 4), 8))
        #expect(lrs == [0.05, 0.05, 0.05, 0.05, 0.1, 0.1, 0.1, 0.1])
    }

    @Test func exponentialMultipliesEveryStep() throws {
        // derivation: 0.1·0.5^k
        let lrs = try #require(stepped(.exponential(lr: 0.1, gamma: 0.5), 4))
        #expect(lrs == [0.1, 0.05, 0.025, 0.0125])
    }

    @Test func polynomialReachesZeroAtTotalItersAndStays() throws {
        // derivation: power 1, T = 4: 1·(1 − k/4) → 1, 0.75, 0.5, 0.25, 0, 0
        let lrs = try #require(stepped(.polynomial(lr: 1, totalIters: 4, power: 1), 6))
        for (k, e) in [1, 0.75, 0.5, 0.25, 0, 0].enumerated() { expectClose(lrs[k], e, absolute: 1e-15, "step \(k)") }
        // torch 2.15 PolynomialLR(total_iters=50, power=0.9), lr 0.05, after one step: 0.05·0.98^0.9
        let doc = try #require(stepped(.polynomial(lr: 0.05, totalIters: 50, power: 0.9), 2))
        #expect(doc[1] == 0.049099093329828765)
    }

    @Test func linearMovesFactorThenHolds() throws {
        // derivation: s = 0.5, e = 1, T = 4: 0.5 + 0.5·k/4 → 0.5, 0.625, 0.75, 0.875, 1, 1
        let lrs = try #require(stepped(.linear(lr: 1, startFactor: 0.5, endFactor: 1, totalIters: 4), 6))
        for (k, e) in [0.5, 0.625, 0.75, 0.875, 1, 1].enumerated() { expectClose(lrs[k], e, relative: 1e-15, "step \(k)") }
    }

    @Test func rangeErrorsNameParameterValueAndRule() {
        #expect(makeError(.constant(lr: 0.1, factor: 1.5, totalIters: 5)) == "constant: factor must be in (0, 1], got 1.5")
        #expect(makeError(.constant(lr: 0.1, factor: 0.5, totalIters: 0))
                == "constant: total_iters must be a positive integer, got 0")
        #expect(makeError(.exponential(lr: .nan, gamma: 0.9)) == "exponential: lr must be a finite number, got NaN")
        #expect(makeError(.exponential(lr: 0.1, gamma: 0)) == "exponential: gamma must be > 0, got 0")
        #expect(makeError(.polynomial(lr: 0.1, totalIters: 10, power: -1)) == "polynomial: power must be >= 0, got -1")
        #expect(makeError(.linear(lr: 0.1, startFactor: 0, endFactor: 1, totalIters: 5))
                == "linear: start_factor must be in (0, 1], got 0")
        #expect(makeError(.linear(lr: 0.1, startFactor: 0.5, endFactor: 1.2, totalIters: 5))
                == "linear: end_factor must be in [0, 1], got 1.2")
    }
}
