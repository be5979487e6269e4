// TPE's math: Parzen and categorical estimators against hand-derived values.

import Foundation
import JSON5
@testable import Search
import TestSupport
import Testing
import Trainer

@Suite struct ParzenEstimatorTests {
    @Test func bandwidthsAreNeighbourDistancesClipped() {
        // sorted 0.2, 0.3, 0.7: σ = max(left, right) → 0.2, 0.4, 0.4; floor 1/min(100, 4) = 0.25
        let p = ParzenEstimator(observations: [0.7, 0.2, 0.3])
        #expect(p.mus == [0.2, 0.3, 0.7])
        expectAllClose(p.sigmas, [0.25, 0.4, 0.4], relative: 1e-12)
    }

    @Test func densityIntegratesToOneOnTheUnitInterval() {
        let p = ParzenEstimator(observations: [0.1, 0.15, 0.9])
        let n = 20_000
        let integral = (0..<n).reduce(0.0) { $0 + exp(p.logDensity((Double($1) + 0.5) / Double(n))) } / Double(n)
        expectClose(integral, 1, relative: 1e-6)  // midpoint rule on a smooth density
    }

    @Test func emptyEstimatorIsTheUniformPrior() {
        #expect(ParzenEstimator(observations: []).logDensity(0.3) == 0)  // density 1 → log 0
        let c = CategoricalEstimator(categories: 4, observations: [])
        #expect(c.probabilities == [0.25, 0.25, 0.25, 0.25])
        // one observation of category 2 plus the prior (1/3 each): (1/3 + 1) / 2 = 2/3
        expectClose(CategoricalEstimator(categories: 3, observations: [2]).probabilities[2], 2.0 / 3, relative: 1e-12)
    }
}
