// Sobol sampling: the sequence against scipy, and its scrambling.

import Foundation
import JSON5
@testable import Search
import TestSupport
import Testing

@Suite struct SobolSamplerTests {
    @Test func sobolMatchesScipysUnscrambledPoints() {
        // scipy.stats.qmc.Sobol(d=4, scramble=False).random(8)
        let s = SobolSequence(dimensions: 4)
        let expected: [[Double]] = [[0, 0, 0, 0], [0.5, 0.5, 0.5, 0.5], [0.75, 0.25, 0.25, 0.25], [0.25, 0.75, 0.75, 0.75],
                                    [0.375, 0.375, 0.625, 0.875], [0.875, 0.875, 0.125, 0.375],
                                    [0.625, 0.125, 0.875, 0.625], [0.125, 0.625, 0.375, 0.125]]
        #expect((0..<8).map(s.point) == expected)
        // scipy.stats.qmc.Sobol(d=6, scramble=False).random(16)[9]
        #expect(SobolSequence(dimensions: 6).point(9) == [0.6875, 0.8125, 0.4375, 0.9375, 0.0625, 0.8125])
    }

    @Test func scrambledSobolKeepsOnePointPerStratum() {
        let s = SobolSequence(dimensions: 3, seed: 42)
        for d in 0..<3 {
            // The first 16 points of a (t, m, s)-net put exactly one point in each interval [k/16, (k+1)/16).
            let cells = Set((0..<16).map { Int(s.point($0)[d] * 16) })
            #expect(cells.count == 16, "dimension \(d)")
        }
        #expect(s.point(0) != [0, 0, 0])
        #expect(SobolSequence(dimensions: 3, seed: 42).point(5) == s.point(5))
    }

    @Test func tooManyParametersIsASpecError() throws {
        let many = (0..<SobolSequence.maxDimensions).map { "p\($0): { uniform: [0, 1] }" }.joined(separator: ", ")
        let spec = try parseSpec(#"{ sampler: "sobol", task: {}, schedules: [ { family: "constant", "# + many + " } ] }")
        #expect(throws: ConfigError.self) { try SobolSampler(spec: spec) }
    }
}
