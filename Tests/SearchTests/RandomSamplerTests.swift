// Random sampling: a pure function of (seed, index), within range, only the family's own parameters.

import Foundation
import JSON5
@testable import Search
import TestSupport
import Testing

@Suite struct RandomSamplerTests {
    @Test func randomSamplingIsAPureFunctionOfSeedAndIndex() throws {
        let spec = try parseSpec(threeFamilies)
        let a = try StaticSampler(spec: spec), b = try StaticSampler(spec: spec)
        for i in 0..<40 { #expect(a.point(i) == b.point(i)) }
        // Trial 5 alone gives the same point as trial 5 after 0…4: no hidden shared state.
        #expect(try StaticSampler(spec: spec).point(5) == a.point(5))
        var other = spec
        other.seed = 8
        let otherSampler = try StaticSampler(spec: other)
        #expect((0..<40).contains { otherSampler.point($0) != a.point($0) })
    }

    @Test func samplesStayInRangeAndOnlyTheirFamilyParametersAreDrawn() throws {
        let spec = try parseSpec(threeFamilies)
        let sampler = try StaticSampler(spec: spec)
        var families = Set<Int>()
        for i in 0..<200 {
            let p = sampler.point(i)
            families.insert(p.schedule)
            #expect(p.family.count == spec.schedules[p.schedule].template.parameters.count)
            guard case .number(let lr) = p.common[2] else { Issue.record("lr not a number"); continue }
            #expect(lr >= 1e-3 && lr <= 1)
            #expect(p.common[0] == 16 || p.common[0] == 32)
            if p.schedule == 0, case .number(let s) = p.family[0] { #expect([1, 2, 3, 4].contains(s)) }
        }
        #expect(families == [0, 1, 2])
    }

    @Test func trialConfigPlacesTheBaseLRInTheSchedule() throws {
        let spec = try parseSpec(threeFamilies)
        let p = TrialPoint(index: 0, schedule: 2, common: [32, 0.9, 0.05], family: [0.7])
        let config = spec.trialConfig(p, seed: 11).value
        #expect(config == [
            "seed": 11,
            "task": ["dataset": "iris", "epochs": 5, "batch_size": 32],
            "optimizer": ["kind": "sgd", "momentum": 0.9],
            "schedule": ["family": "exponential", "lr": 0.05, "gamma": 0.7],
        ])
    }

    @Test func theFacadeAndTheSamplerAgree() throws {
        let spec = try parseSpec(threeFamilies)
        let facade = try StaticSampler(spec: spec), random = RandomSampler(spec: spec)
        for i in [0, 1, 7, 1_000_003] { #expect(facade.point(i) == random.suggest(trial: i, history: .empty)) }
    }
}
