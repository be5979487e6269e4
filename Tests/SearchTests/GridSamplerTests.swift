// Grid sampling: each family's cartesian product, last axis fastest.

import Foundation
import JSON5
@testable import Search
import TestSupport
import Testing

@Suite struct GridSamplerTests {
    @Test func gridEnumeratesEachFamilysProduct() throws {
        let spec = try parseSpec("""
            { sampler: "grid", grid_points: 2, task: {}, lr: { choice: [0.1, 0.01] },
              schedules: [ { family: "step", gamma: { uniform: [0.1, 0.5] }, step_size: { choice: [2, 3, 4] } },
                           { family: "cosine" } ] }
            """)
        let sampler = try StaticSampler(spec: spec)
        #expect(sampler.count == 2 * 2 * 3 + 2)  // step: lr × gamma × step_size; cosine: lr
        let points = (0..<sampler.count).map(sampler.point)
        #expect(points[0] == TrialPoint(index: 0, schedule: 0, common: [0.1], family: [0.1, 2]))
        #expect(points[1] == TrialPoint(index: 1, schedule: 0, common: [0.1], family: [0.1, 3]))  // last axis fastest
        #expect(points[12] == TrialPoint(index: 12, schedule: 1, common: [0.1], family: []))
        #expect(Set(points.map { "\($0.schedule) \($0.common) \($0.family)" }).count == 14)  // all distinct
        #expect(try StaticSampler(spec: spec, trials: 5).count == 5)
    }
}
