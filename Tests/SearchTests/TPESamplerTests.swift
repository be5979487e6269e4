// TPE's policy: concentrating on the optimum of toy objectives, determinism, the constant liar.

import Foundation
import JSON5
@testable import Search
import TestSupport
import Testing
import Trainer

@Suite struct TPESamplerTests {
    /// Runs `trials` sequential TPE suggestions against `f` and returns the points in order.
    func search(_ spec: SearchSpec, trials: Int, _ f: (TrialPoint) -> Double) -> [UnitPoint] {
        let tpe = TPESampler(spec: spec)
        var observations: [TPESampler.Observation] = []
        for i in 0..<trials {
            let u = tpe.suggest(index: i, observations: observations, running: [])
            observations.append((u, f(spec.trialPoint(u, index: i))))
        }
        return observations.map(\.point)
    }

    func number(_ v: JSONValue) -> Double {
        if case .number(let x) = v { return x }
        return .nan
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func concentratesNearTheOptimumOfALogScaleParameter(seed: Int) throws {
        let spec = try parseSpec("{ seed: \(seed), task: {}, lr: { loguniform: [0.001, 1] }, schedules: [{ family: 'constant' }] }")
        // Optimum at lr = 0.01, i.e. u = 1/3 in normalised log space.
        let points = search(spec, trials: 60) { p in pow(log10(number(p.common[0])) + 2, 2) }
        let near = points.suffix(20).filter { abs($0.common[0] - 1.0 / 3) < 0.05 }.count  // the best 10% of the range
        #expect(near >= 10, "seed \(seed): \(near) of the last 20 near the optimum")
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func learnsTheBetterFamilyAndItsParameter(seed: Int) throws {
        let spec = try parseSpec("""
            { seed: \(seed), task: {}, schedules: [ { family: 'step', gamma: { uniform: [0, 1] } },
                                                     { family: 'exponential', gamma: { uniform: [0, 1] } } ] }
            """)
        // step: (γ − 0.8)², best 0; exponential: 0.5 + (γ − 0.2)², never better than 0.5.
        let points = search(spec, trials: 60) { p in
            let g = number(p.family[0])
            return p.schedule == 0 ? (g - 0.8) * (g - 0.8) : 0.5 + (g - 0.2) * (g - 0.2)
        }
        let good = points.suffix(20).filter { $0.schedule == 0 && abs($0.family[0] - 0.8) < 0.05 }.count  // best 10% of γ
        #expect(good >= 10, "seed \(seed): \(good) of the last 20 in the best region")
    }

    @Test func isDeterministicGivenTheSameResults() throws {
        let spec = try parseSpec("{ seed: 4, task: {}, lr: { loguniform: [0.001, 1] }, schedules: [{ family: 'constant' }, { family: 'cosine' }] }")
        let f = { (p: TrialPoint) in Double(p.schedule) + self.number(p.common[0]) }
        #expect(search(spec, trials: 30, f) == search(spec, trials: 30, f))
    }

    @Test func runningTrialsPushSuggestionsApart() throws {
        let spec = try parseSpec("{ seed: 1, task: {}, lr: { uniform: [0, 1] }, schedules: [{ family: 'constant' }] }")
        let tpe = TPESampler(spec: spec)
        let observations = (0..<20).map { i -> TPESampler.Observation in
            let u = Double(i) / 20
            return (UnitPoint(schedule: 0, common: [u], family: []), abs(u - 0.5))
        }
        let alone = tpe.suggest(index: 20, observations: observations, running: [])
        let crowded = tpe.suggest(index: 20, observations: observations, running: Array(repeating: alone, count: 5))
        #expect(alone != crowded)  // the constant liar changes g, so the same seed picks another point
    }

    @Test func lagIsReadDefaultsToFourAndIsBounded() throws {
        let base = #"{ task: { dataset: "iris" }, schedules: [{ family: "constant" }] }"#
        #expect(try parseSpec(base).lag == 4)
        #expect(try parseSpec(base.replacingOccurrences(of: "{ task", with: "{ lag: 0, task")).lag == 0)
        #expect(specErrors(base.replacingOccurrences(of: "{ task", with: "{ lag: -1, task"))
                == ["s.json5:1:8: lag: must be an integer in [0, 10000], got -1"])
        #expect(specErrors(base.replacingOccurrences(of: "{ task", with: "{ lag: 1e9, task"))
                == ["s.json5:1:8: lag: must be an integer in [0, 10000], got 1000000000"])
        #expect(!specErrors(base.replacingOccurrences(of: "{ task", with: "{ lag: 2.5, task")).isEmpty)
    }

    /// The suggestion for trial i sees only what it is given: results beyond the window change nothing.
    @Test func theSuggestionIsAPureFunctionOfItsHistory() throws {
        let spec = try parseSpec(#"{ seed: 4, sampler: "tpe", task: { dataset: "iris" }, lr: { loguniform: [0.001, 1] }, schedules: [{ family: "constant" }, { family: "cosine" }] }"#)
        let tpe = TPESampler(spec: spec)
        var rng = SplitMix64(seed: 9)
        let observations = (0..<15).map { _ in (tpe.randomPoint(using: &rng), Double.random(in: 0..<1, using: &rng)) }
        let history = SamplerHistory(observations: observations, running: [observations[0].0])
        #expect(tpe.unitPoint(trial: 20, history: history) == tpe.unitPoint(trial: 20, history: history))
        #expect(tpe.suggest(trial: 20, history: history) == spec.trialPoint(tpe.unitPoint(trial: 20, history: history), index: 20))
        #expect(tpe.unitPoint(trial: 20, history: history) != tpe.unitPoint(trial: 21, history: history))
    }
}
