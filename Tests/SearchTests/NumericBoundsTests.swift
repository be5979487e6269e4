// Seeds kept exact, grid sizes and step products checked: extreme integers give errors that state the bound.

import Foundation
import JSON5
@testable import Search
import TestSupport
import Testing

@Suite struct NumericBoundsTests {
    static func spec(seed: String) -> String {
        "{ seed: \(seed), task: { dataset: \"iris\" }, lr: 0.1, schedules: [{ family: \"constant\" }] }"
    }

    @Test func seedsAbove2To53StayDistinct() throws {
        // 2^53 + 1 and 2^53 are one Double; as integer literals they are two seeds, and two searches.
        let a = try parseSpec(Self.spec(seed: "9007199254740993"))
        let b = try parseSpec(Self.spec(seed: "9007199254740992"))
        #expect(a.seed == 9_007_199_254_740_993)
        #expect(b.seed == 9_007_199_254_740_992)
        let (pa, pb) = (try StaticSampler(spec: a).point(0), try StaticSampler(spec: b).point(0))
        #expect(pa != pb || a.trialSeed(.init(index: 0, repeat: 0)) != b.trialSeed(.init(index: 0, repeat: 0)))
        #expect(try parseSpec(Self.spec(seed: "9223372036854775807")).seed == UInt64(Int.max))
        #expect(try parseSpec(Self.spec(seed: "1e17")).seed == 100_000_000_000_000_000)
    }

    @Test(arguments: [
        ("9223372036854775808", "s.json5:1:9: seed: must be an integer in [0, 2^63), got 9223372036854775808"),
        ("18446744073709551616", "s.json5:1:9: seed: must be an integer in [0, 2^63), got 18446744073709551616"),
        ("-1", "s.json5:1:9: seed: must be an integer in [0, 2^63), got -1"),
        ("1e30", "s.json5:1:9: seed: must be an integer in [0, 2^63), got 1e30"),
        ("0.5", "s.json5:1:9: seed: expected an integer, got 0.5"),
    ])
    func seedOutOfRangeIsARangeError(seed: String, message: String) {
        #expect(specErrors(Self.spec(seed: seed)) == [message])
    }

    @Test func configSeedsKeepTheir2To53Bound() throws {
        let node = try JSON5Parser.parse(#"{ seed: 9007199254740993, task: { dataset: "iris" }, schedule: { family: "constant", lr: 0.1 } }"#)
        #expect(throws: ConfigError(path: "seed", location: SourceLocation(line: 1, column: 9),
                                    message: "must be an integer in [0, 2^53), got 9007199254740993")) {
            try TrialConfig.parse(node)
        }
    }

    @Test func gridLargerThan2To53IsRefusedWithTheBound() throws {
        // 5 choice parameters of 2000 values: 2000^5 = 3.2e16 > 2^53 points (and 2000^6 would overflow Int).
        let values = "[" + (0..<2000).map(String.init).joined(separator: ",") + "]"
        let text = """
            { sampler: "grid", task: { dataset: "iris" }, lr: 0.1,
              schedules: [{ family: "step", step_size: { choice: \(values) }, gamma: 0.5 }],
              optimizer: { momentum: { choice: \(values) }, dampening: { choice: \(values) },
                           eps: { choice: \(values) }, betas: [{ choice: \(values) }, 0.9] } }
            """
        let spec = try parseSpec(text)
        #expect(throws: ConfigError(path: "schedules[0]", location: nil,
                                    message: "the grid has more than 2^53 (9007199254740992) points; lower grid_points or the number of choices, or use sampler \"random\"")) {
            try StaticSampler(spec: spec)
        }
    }

    @Test func hugeGridIsIndexedWithoutMaterialising() throws {
        // 4 ranges × 10000 grid points = 1e16 > 2^53: refused; 3 ranges = 1e12 points, indexed by mixed radix.
        let text = """
            { sampler: "grid", grid_points: 10000, task: { dataset: "iris" }, lr: { loguniform: [1e-3, 1] },
              optimizer: { momentum: { uniform: [0, 0.9] } },
              schedules: [{ family: "exponential", gamma: { uniform: [0.5, 0.99] } }] }
            """
        let sampler = try StaticSampler(spec: parseSpec(text))
        #expect(sampler.count == 1_000_000_000_000)
        let last = sampler.point(sampler.count - 1)  // derivation: every axis at its last value (the high ends)
        #expect(last.common == [.number(0.9), .number(1)] && last.family == [.number(0.99)])
        let first = sampler.point(0)
        #expect(first.common == [.number(0), .number(1e-3)] && first.family == [.number(0.5)])
    }

    @Test func gridPointsAreBounded() {
        #expect(specErrors(#"{ sampler: "grid", grid_points: 1e9, task: { dataset: "iris" }, lr: 0.1, schedules: [{ family: "constant" }] }"#)
                == ["s.json5:1:33: grid_points: must be at most 10000 (values per parameter), got 1000000000"])
    }

    @Test func stepScheduleLengthOverflowIsALocatedError() throws {
        // 1e6 epochs × 2^50 steps per epoch (train_rows 2^50, batch 1) overflows 2^53.
        let node = try JSON5Parser.parse("""
            { task: { dataset: "iris", epochs: 1000000, batch_size: 1, schedule_unit: "step" },
              schedule: { family: "cosine", lr: 0.1 } }
            """)
        #expect(throws: ConfigError(path: "task.epochs", location: SourceLocation(line: 1, column: 36),
                                    message: "epochs × steps per epoch (1000000 × 1125899906842624) must be at most 2^53 optimizer steps for a step-unit schedule")) {
            try TrialConfig.parse(node, trainRows: 1 << 50)
        }
    }
}
