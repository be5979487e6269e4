// Spec parsing (every error path names its field and place) and trial seeds; each sampler has its own test file.

import Foundation
import JSON5
@testable import Search
import TestSupport
import Testing

func parseSpec(_ text: String) throws -> SearchSpec {
    try SearchSpec.parse(JSON5Parser.parse(text), defaultName: "t")
}

func specErrors(_ text: String) -> [String] {
    do {
        _ = try SearchSpec.parse(JSON5Parser.parse(text), defaultName: "t")
        return []
    } catch let e as SpecErrors {
        return e.errors.map { $0.rendered(file: "s.json5") }
    } catch {
        return ["\(error)"]
    }
}

let threeFamilies = """
    {
      name: "demo", seed: 7, trials: 40,
      task: { dataset: "iris", epochs: 5, batch_size: { choice: [16, 32] } },
      optimizer: { kind: "sgd", momentum: { uniform: [0.8, 0.99] } },
      lr: { loguniform: [1e-3, 1] },
      schedules: [
        { family: "step", step_size: { int: [1, 4] }, gamma: { uniform: [0.1, 0.9] } },
        { family: "cosine" },
        { family: "exponential", gamma: { loguniform: [0.5, 0.99] } },
      ],
    }
    """

@Suite struct SpecParsingTests {
    @Test func readsTheSpaceOfEachPart() throws {
        let spec = try parseSpec(threeFamilies)
        #expect(spec.name == "demo" && spec.seed == 7 && spec.trials == 40 && spec.sampler == .random)
        #expect(spec.commonParameters.map(\.name) == ["task.batch_size", "optimizer.momentum", "lr"])
        #expect(spec.schedules.map(\.family) == [.step, .cosine, .exponential])
        #expect(spec.schedules[0].template.parameters.map(\.name) == ["schedules[0].step_size", "schedules[0].gamma"])
        #expect(spec.schedules[0].template.parameters[1].distribution == .uniform(0.1, 0.9))
        #expect(spec.lr.parameters[0].distribution == .logUniform(1e-3, 1))
    }

    @Test func collectsEveryProblemWithItsPlace() {
        let errors = specErrors("""
            {
              trails: 3,
              sampler: "randm",
              task: { dataset: "iris" },
              lr: { loguniform: [0, 0.5] },
              schedules: [
                { family: "step", gamma: { uniform: [0.9, 0.1] } },
                { gamma: 0.5 },
              ],
            }
            """)
        #expect(errors == [
            "s.json5:2:3: unknown key 'trails' (did you mean 'trials'?)",
            "s.json5:3:12: sampler: expected one of random, grid, sobol, tpe, got \"randm\" (did you mean 'random'?)",
            "s.json5:5:21: lr: loguniform bounds must be > 0, got [0, 0.5]",
            "s.json5:7:41: schedules[0].gamma: uniform bounds must be low <= high, got [0.9, 0.1]",
            "s.json5:8:5: schedules[1].family: is required but missing",
        ])
    }

    @Test func requiresTaskAndSchedules() {
        #expect(specErrors("{}") == [
            "s.json5:1:1: task: is required but missing",
            "s.json5:1:1: schedules: is required but missing: list the schedule families to search",
        ])
        #expect(specErrors("{task: {}, schedules: []}") == [
            "s.json5:1:23: schedules: expected a non-empty array of schedule objects, got []",
        ])
    }

    @Test func readsPruners() throws {
        let base = "task: {}, schedules: [{family: 'cosine'}]"
        #expect(try parseSpec("{\(base)}").pruner == PrunerSpec.none)
        #expect(try parseSpec("{\(base), pruner: {kind: 'asha', min_epochs: 2}}").pruner
                == .asha(minEpochs: 2, reductionFactor: 3, maxEpochs: nil))
        #expect(try parseSpec("{\(base), pruner: {kind: 'hyperband', brackets: 2}}").pruner
                == .hyperband(minEpochs: 1, reductionFactor: 3, maxEpochs: nil, brackets: 2))
        #expect(try parseSpec("{\(base), pruner: 'median'}").pruner == .median(warmupEpochs: 1, minTrials: 5))
        #expect(specErrors("{\(base), pruner: {kind: 'asha', reduction_factor: 1}}") == [
            "s.json5:1:86: pruner.reduction_factor: must be an integer >= 2, got 1",
        ])
        #expect(specErrors("{\(base), pruner: {kind: 'asha', min_epoch: 1}}") == [
            "s.json5:1:68: pruner: unknown key 'min_epoch' (did you mean 'min_epochs'?)",
        ])
    }

    @Test func rejectsBadDistributions() {
        #expect(specErrors("{task: {}, schedules: [{family: 'step', step_size: {int: [1.5, 3]}}]}") == [
            "s.json5:1:58: schedules[0].step_size: int bounds must be integers, got [1.5, 3]",
        ])
        #expect(specErrors("{task: {}, schedules: [{family: 'step', gamma: {choice: []}}]}") == [
            "s.json5:1:57: schedules[0].gamma: choice needs a non-empty array of values, got []",
        ])
        #expect(specErrors("{task: {}, trials: 0, schedules: [{family: 'cosine'}]}") == [
            "s.json5:1:20: trials: must be a positive integer, got 0",
        ])
    }
}

@Suite struct DistributionTests {
    @Test func inverseCDFsHitTheirEndsAndMiddles() {
        #expect(Distribution.uniform(2, 4).value(at: 0.5) == 3)  // 2 + 2·0.5
        #expect(Distribution.logUniform(1e-3, 1e-1).value(at: 0.5) == .number(exp(log(1e-3) + (log(1e-1) - log(1e-3)) * 0.5)))  // geometric mean 1e-2
        #expect(Distribution.int(1, 4).value(at: 0) == 1)
        #expect(Distribution.int(1, 4).value(at: 0.999) == 4)  // floor(0.999·4) = 3 → 1 + 3
        #expect(Distribution.choice(["a", "b", "c"]).value(at: 0.34) == "b")  // floor(0.34·3) = 1
    }

    @Test func gridValuesAreLogSpacedForLogUniform() {
        #expect(Distribution.logUniform(1e-4, 1).gridValues(points: 5).map { v -> Double in
            if case .number(let x) = v { return (log10(x) * 1e9).rounded() / 1e9 }
            return .nan
        } == [-4, -3, -2, -1, 0])  // one point per decade
        #expect(Distribution.uniform(0, 1).gridValues(points: 3) == [0, 0.5, 1])
        #expect(Distribution.int(1, 3).gridValues(points: 5) == [1, 2, 3])  // fewer integers than points: all of them
        #expect(Distribution.int(0, 100).gridValues(points: 3) == [0, 50, 100])
    }
}

@Suite struct TrialSeedsTests {
    static let spec = #"{ seed: 3, task: { dataset: "iris" }, schedules: [{ family: "constant" }] }"#

    @Test func distinctSeedsDifferPerConfigurationSharedSeedsOnlyPerRepeat() throws {
        let distinct = try parseSpec(Self.spec)
        let shared = try parseSpec(Self.spec.replacingOccurrences(of: "seed: 3,", with: #"seed: 3, trial_seeds: "shared","#))
        #expect(!distinct.sharedSeeds && shared.sharedSeeds)
        let a = TrialID(index: 0, repeat: 0), b = TrialID(index: 5, repeat: 0), c = TrialID(index: 5, repeat: 1)
        #expect(distinct.trialSeed(a) != distinct.trialSeed(b))
        #expect(shared.trialSeed(a) == shared.trialSeed(b))
        #expect(shared.trialSeed(b) != shared.trialSeed(c))
        // Configuration 0 keeps its seed either way, so sharing only changes the others.
        #expect(shared.trialSeed(a) == distinct.trialSeed(a))
    }

    @Test func unknownModeIsAnError() {
        #expect(specErrors(Self.spec.replacingOccurrences(of: "seed: 3,", with: #"seed: 3, trial_seeds: "same","#))
                == [#"s.json5:1:25: trial_seeds: expected one of distinct, shared, got "same""#])
    }
}
