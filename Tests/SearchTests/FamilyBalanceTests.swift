// Family balance: random and Sobol searches give every schedule family its share, TPE's startup covers them all.

import Foundation
import JSON5
@testable import Search
import Testing

/// Seven families, as in the quickstart search.
func sevenFamilies(sampler: String, trials: Int, seed: Int = 1) -> String {
    """
    {
      seed: \(seed), trials: \(trials), sampler: "\(sampler)",
      task: { dataset: "digits", epochs: 5 },
      lr: { loguniform: [0.003, 0.5] },
      schedules: [
        { family: "constant" },
        { family: "step", step_size: { int: [3, 8] }, gamma: { uniform: [0.1, 0.7] } },
        { family: "exponential", gamma: { loguniform: [0.7, 0.98] } },
        { family: "cosine" },
        { family: "sgdr", t_0: { choice: [3, 5] } },
        { family: "onecycle", pct_start: { uniform: [0.2, 0.4] } },
        { family: "linear", end_factor: { loguniform: [0.01, 0.3] } },
      ],
    }
    """
}

@Suite struct FamilyBalanceTests {
    /// Before stratification every one of these random seeds left some family with fewer than 4 trials (an
    /// independent uniform draw per trial does so 99.7% of the time: 200 000 simulated searches).
    @Test(arguments: ["random", "sobol"], 0..<20)
    func thirtyTrialsOverSevenFamiliesGiveEachAtLeastFour(sampler: String, seed: Int) throws {
        let spec = try parseSpec(sevenFamilies(sampler: sampler, trials: 30, seed: seed))
        let s = try StaticSampler(spec: spec)
        var counts = [Int](repeating: 0, count: 7)
        for i in 0..<30 { counts[s.point(i).schedule] += 1 }
        // 30 = 4 full blocks of 7 + 2: every family 4 or 5 times.
        #expect(counts.min() ?? 0 >= 4, "\(sampler) seed \(seed): \(counts)")
        #expect(counts.allSatisfy { $0 == 4 || $0 == 5 }, "\(sampler) seed \(seed): \(counts)")
        #expect(counts.reduce(0, +) == 30)
    }

    @Test func eachBlockOfSevenIsAPermutation() throws {
        let spec = try parseSpec(sevenFamilies(sampler: "random", trials: 70))
        let s = try StaticSampler(spec: spec)
        for block in 0..<10 {
            let families = (0..<7).map { s.point(block * 7 + $0).schedule }
            #expect(Set(families).count == 7, "block \(block): \(families)")
        }
        // Seeded: the blocks are not all in the same order.
        let orders = Set((0..<10).map { b in (0..<7).map { s.point(b * 7 + $0).schedule } })
        #expect(orders.count > 1)
    }

    @Test func theFamilyIsAPureFunctionOfSpecSeedAndIndex() throws {
        let spec = try parseSpec(sevenFamilies(sampler: "random", trials: 30))
        let a = try StaticSampler(spec: spec)
        // Trial 23 alone, from a fresh sampler with another trial budget, is the same point.
        #expect(try StaticSampler(spec: spec, trials: 24).point(23) == a.point(23))
        #expect(spec.stratifiedFamily(23) == a.point(23).schedule)
        var other = spec
        other.seed = 2
        #expect((0..<30).contains { other.stratifiedFamily($0) != spec.stratifiedFamily($0) })
    }

    @Test(arguments: 0..<10)
    func tpeStartupCoversEveryFamily(seed: Int) throws {
        let spec = try parseSpec(sevenFamilies(sampler: "tpe", trials: 30, seed: seed))
        let tpe = TPESampler(spec: spec)
        var observations: [TPESampler.Observation] = []
        for i in 0..<7 {
            let u = tpe.suggest(index: i, observations: observations, running: [])
            observations.append((u, Double(i)))
        }
        #expect(Set(observations.map(\.point.schedule)).count == 7, "seed \(seed)")
    }

    @Test func tpeStartupLastsAtLeastOneTrialPerFamily() throws {
        let many = (0..<12).map { _ in "{ family: 'constant' }" }.joined(separator: ", ")
        let spec = try parseSpec("{ seed: 3, task: {}, sampler: 'tpe', schedules: [\(many)] }")
        let tpe = TPESampler(spec: spec)
        var observations: [TPESampler.Observation] = []
        for i in 0..<12 {
            let u = tpe.suggest(index: i, observations: observations, running: [])
            observations.append((u, 0))
        }
        #expect(Set(observations.map(\.point.schedule)) == Set(0..<12))
    }
}
