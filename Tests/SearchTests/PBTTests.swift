// Population-based training: located spec errors, exact replay of the winner, determinism over workers and resume.

import Foundation
import JSON5
import LRSchedules
@testable import Search
import Testing
import Trainer

let pbtSpec = """
    {
      name: "pbt-small", seed: 5,
      strategy: { kind: "pbt", population: 4, interval_epochs: 2, quantile: 0.25 },
      task: { dataset: "digits", model: { hidden: [16] }, epochs: 6, batch_size: 128 },
      optimizer: { kind: "sgd", momentum: { uniform: [0.5, 0.95] },
                   weight_decay: { mode: "new", lambda_new: { loguniform: [1e-6, 1e-3] } } },
      lr: { loguniform: [1e-3, 0.5] },
    }
    """

func bits(_ epochs: [EpochMetrics]) -> [[UInt64]] {
    epochs.map { [UInt64($0.epoch), $0.lr.bitPattern, $0.trainLoss.bitPattern, $0.valLoss.bitPattern] }
}

func finishedPopulation(_ text: String, jobs: Int) throws -> PBTPopulation {
    var p = try PBTPopulation(spec: try parseSpec(text), data: DataCache())
    while !p.isFinished { _ = p.step(jobs: jobs) }
    return p
}

@Suite struct PBTSpecTests {
    @Test func defaultsAreRayTunesAndTheSampledHyperparameters() throws {
        let spec = try parseSpec(pbtSpec)
        let s = try #require(spec.pbt)
        #expect(s.population == 4 && s.intervalEpochs == 2 && s.quantile == 0.25)
        #expect(s.resampleProbability == 0.25 && s.factors == [0.8, 1.2])  // Ray Tune pbt.py defaults
        #expect(s.hyperparameters == [.lr, .momentum, .lambdaNew])
        #expect(spec.trials == 4 && spec.sharedSeeds)
    }

    @Test func badSettingsAreLocatedErrors() {
        let base = pbtSpec.replacingOccurrences(of: "strategy: { kind: \"pbt\", population: 4, interval_epochs: 2, quantile: 0.25 },",
                                                with: "strategy: { kind: \"pbt\", STRATEGY },")
        func errors(_ s: String) -> [String] { specErrors(base.replacingOccurrences(of: "STRATEGY", with: s)) }
        #expect(errors("population: 1") == ["s.json5:3:40: strategy.population: must be an integer in [2, 1024] (members copy each other), got 1"])
        #expect(errors("quantile: 0.75") == ["s.json5:3:38: strategy.quantile: must be in (0, 0.5] (the bottom and top fractions may not overlap), got 0.75"])
        #expect(errors("quantile: 0") == ["s.json5:3:38: strategy.quantile: must be in (0, 0.5] (the bottom and top fractions may not overlap), got 0"])
        for (epochs, found) in [("0", "0"), ("1e300", "1e+300")] {
            let e = specErrors(pbtSpec.replacingOccurrences(of: "epochs: 6", with: "epochs: \(epochs)"))
            #expect(e == ["s.json5:4:63: task.epochs: must be a whole number of epochs in [1, 999999999], got \(found)"], "\(e)")
        }
        #expect(errors("interval_epochs: 7") == ["s.json5:3:45: strategy.interval_epochs: is 7, longer than the run (task.epochs = 6)"])
        let notSampled = specErrors(pbtSpec.replacingOccurrences(of: "momentum: { uniform: [0.5, 0.95] }", with: "momentum: 0.9")
            .replacingOccurrences(of: "quantile: 0.25 }", with: "quantile: 0.25, hyperparameters: [\"lr\", \"optimizer.momentum\"] }"))
        #expect(notSampled.count == 1)
        #expect(notSampled.first?.contains("strategy.hyperparameters[1]: \"optimizer.momentum\" is not sampled in the spec") == true,
                "\(notSampled)")
        let refused = specErrors(pbtSpec.replacingOccurrences(of: "name: \"pbt-small\",",
                                                              with: "name: \"x\", sampler: \"tpe\", repeats: 2, trials: 3, pruner: \"asha\",")
            .replacingOccurrences(of: "batch_size: 128", with: "batch_size: { choice: [64, 128] }"))
        for path in ["sampler", "repeats", "trials", "pruner", "task.batch_size"] {
            #expect(refused.contains { $0.contains(": \(path): ") }, "\(path) in \(refused)")
        }
        let withSchedules = specErrors(pbtSpec.replacingOccurrences(of: "lr: {", with: "schedules: [{ family: \"cosine\" }], lr: {"))
        #expect(withSchedules.count == 1 && withSchedules.first?.contains("schedules: does not apply with strategy pbt") == true)
    }
}

@Suite struct PBTRunTests {
    /// The issue's bar: the winner's best.json config, trained alone, gives the winner's epochs to the bit.
    @Test func winnersConfigReplaysItsLossesBitForBit() throws {
        let p = try finishedPopulation(pbtSpec, jobs: 1)
        #expect(!p.exploits.isEmpty)
        let ranked = rank(p.records(), objective: .finalValLoss)
        let winner = try #require(ranked.first?.representative)
        let text = JSONWriter.pretty(winner.sampled)
        let (config, dataset) = try DataCache().prepare(try JSON5Parser.parse(text))
        #expect(config.paths?.momentum != nil && config.paths?.lambdaNew != nil)
        let replay = config.train(dataset: dataset, schedule: try LRScheduler(config.schedule))
        #expect(replay.status == .ok)
        #expect(bits(replay.epochs) == bits(winner.epochs))
        #expect(replay.finalValLoss?.bitPattern == winner.epochs.last?.valLoss.bitPattern)
        // Every member replays, not only the winner.
        for r in p.records() {
            let (c, d) = try DataCache().prepare(try JSON5Parser.parse(JSONWriter.compact(r.sampled)))
            #expect(bits(c.train(dataset: d, schedule: try LRScheduler(c.schedule)).epochs) == bits(r.epochs), "member \(r.id)")
        }
    }

    /// A step-unit task: the piecewise boundaries are in optimizer steps, and the replay still matches.
    @Test func stepUnitWinnerReplaysBitForBit() throws {
        let text = pbtSpec.replacingOccurrences(of: "batch_size: 128 }", with: "batch_size: 128, schedule_unit: \"step\" }")
        let p = try finishedPopulation(text, jobs: 2)
        for r in p.records() {
            let (c, d) = try DataCache().prepare(try JSON5Parser.parse(JSONWriter.compact(r.sampled)))
            #expect(c.training.scheduleUnit == .step)
            #expect(bits(c.train(dataset: d, schedule: try LRScheduler(c.schedule)).epochs) == bits(r.epochs), "member \(r.id)")
        }
    }

    @Test func resultsAreTheSameForOneAndTwoWorkers() throws {
        let a = try finishedPopulation(pbtSpec, jobs: 1), b = try finishedPopulation(pbtSpec, jobs: 2)
        #expect(a.exploits == b.exploits)
        #expect(a.members.map { bits($0.state.history) } == b.members.map { bits($0.state.history) })
        #expect(a.members.map(\.path) == b.members.map(\.path))
    }
}

@Suite struct PBTSnapshotTests {
    /// Stopping after any boundary, writing the snapshot, reading it back and finishing gives the
    /// uninterrupted run's members, paths and exploits to the bit.
    @Test(arguments: [1, 2])
    func resumingFromASnapshotEndsAsTheUninterruptedRun(_ stopAfter: Int) throws {
        let spec = try parseSpec(pbtSpec)
        let reference = try finishedPopulation(pbtSpec, jobs: 1)
        var p = try PBTPopulation(spec: spec, data: DataCache())
        for _ in 0..<stopAfter { _ = p.step(jobs: 2) }
        let bytes = PBTSnapshot.encode(p, specHash: "h")
        var q = try PBTSnapshot.decode(bytes, spec: spec, specHash: "h", data: DataCache(), file: "s")
        #expect(q.interval == stopAfter)
        while !q.isFinished { _ = q.step(jobs: 1) }
        #expect(q.exploits == reference.exploits)
        #expect(q.segments == reference.segments)
        #expect(q.members.map(\.path) == reference.members.map(\.path))
        #expect(q.members.map { bits($0.state.history) } == reference.members.map { bits($0.state.history) })
        #expect(q.records().map(\.sampled) == reference.records().map(\.sampled))
    }

    @Test func damagedSnapshotsAreErrorsNotTraps() throws {
        let spec = try parseSpec(pbtSpec)
        var p = try PBTPopulation(spec: spec, data: DataCache())
        _ = p.step(jobs: 1)
        let bytes = PBTSnapshot.encode(p, specHash: "h")
        #expect(throws: PBTSnapshotError.self) { try PBTSnapshot.decode(bytes, spec: spec, specHash: "other", data: DataCache(), file: "s") }
        for cut in [0, 10, 30, bytes.count / 2, bytes.count - 1] {
            #expect(throws: PBTSnapshotError.self) {
                try PBTSnapshot.decode(Array(bytes.prefix(cut)), spec: spec, specHash: "h", data: DataCache(), file: "s")
            }
        }
        var flipped = bytes
        flipped[bytes.count - 3] ^= 0xFF  // inside the last member's batch order
        #expect(throws: PBTSnapshotError.self) { try PBTSnapshot.decode(flipped, spec: spec, specHash: "h", data: DataCache(), file: "s") }
        // Segments and exploits naming a member outside the population are refused, not restored.
        var foreign = p
        foreign.segments[0].slot = 99
        #expect(throws: PBTSnapshotError.self) {
            try PBTSnapshot.decode(PBTSnapshot.encode(foreign, specHash: "h"), spec: spec, specHash: "h", data: DataCache(), file: "s")
        }
        foreign = p
        foreign.exploits = [PBTExploit(epoch: 2, recipient: 4, donor: 0, from: PBTValues(lr: 0.1), to: PBTValues(lr: 0.1))]
        #expect(throws: PBTSnapshotError.self) {
            try PBTSnapshot.decode(PBTSnapshot.encode(foreign, specHash: "h"), spec: spec, specHash: "h", data: DataCache(), file: "s")
        }
        do {
            _ = try PBTSnapshot.decode(Array(bytes.prefix(bytes.count - 1)), spec: spec, specHash: "h", data: DataCache(), file: "s")
        } catch {
            #expect(error.reason.hasPrefix("member 3: truncated order (at byte \(bytes.count - 8) of \(bytes.count - 1))"), "\(error)")
        }
    }
}

@Suite struct PBTHistoryTests {
    /// Two members, two intervals; after epoch 2 member 1 copies member 0. Member 1's lineage is
    /// member 0's segment in interval 0, then its own; member 0's is its own throughout.
    @Test func lineageFollowsExploitsBackToTheDonor() {
        func seg(_ slot: Int, _ k: Int, _ lr: Double) -> PBTSegment {
            PBTSegment(slot: slot, interval: k, startEpoch: 2 * k + 1, endEpoch: 2 * k + 2, values: PBTValues(lr: lr), objective: 1)
        }
        let h = PBTHistory(population: 2, intervalEpochs: 2, epochs: 4,
                           segments: [seg(0, 0, 0.1), seg(1, 0, 0.01), seg(0, 1, 0.1), seg(1, 1, 0.12)],
                           exploits: [PBTExploit(epoch: 2, recipient: 1, donor: 0, from: PBTValues(lr: 0.1), to: PBTValues(lr: 0.12))],
                           idleSeconds: 0, objective: .finalValLoss)
        #expect(h.lineage(of: 1) == [0, 1])
        #expect(h.lineage(of: 0) == [0, 0])
    }

    /// A damaged pbt.jsonl (one line with interval 999999998 or slot 5000000) must not make the report
    /// draw a billion intervals or millions of members: such segments are dropped, the real ones kept.
    @Test func damagedJournalLinesAreDroppedNotDrawn() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrsearch-pbtj-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("pbt.jsonl")
        var lines = [#"{"op":"pbt_start","population":2,"interval_epochs":2}"#]
        for k in 0..<2 {
            for slot in 0..<2 {
                lines.append(#"{"op":"segment","slot":\#(slot),"interval":\#(k),"epochs":[\#(2 * k + 1),\#(2 * k + 2)],"values":{"lr":0.1},"objective":0.5}"#)
            }
        }
        lines.append(#"{"op":"segment","slot":0,"interval":999999998,"epochs":[1,2],"values":{"lr":0.1},"objective":0.5}"#)
        lines.append(#"{"op":"segment","slot":5000000,"interval":1,"epochs":[3,4],"values":{"lr":0.1},"objective":0.5}"#)
        lines.append(#"{"op":"exploit","epoch":2,"recipient":7,"donor":0,"from":{"lr":0.1},"to":{"lr":0.12}}"#)
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let h = try #require(PBTJournal.history(path: file.path, objective: .finalValLoss))
        #expect(h.population == 2)
        #expect(h.segments.count == 4 && h.segments.map(\.interval).max() == 1)
        #expect(h.exploits.isEmpty)
        #expect(h.lineage(of: 0) == [0, 0])
    }

    /// The population's own history agrees with the winner's path: the LR of each lineage segment is
    /// the winner's path value for that interval.
    @Test func winnersLineageCarriesItsPath() throws {
        let p = try finishedPopulation(pbtSpec, jobs: 1)
        let h = p.history
        for m in p.members {
            let lineage = h.lineage(of: m.slot)
            let lrs = lineage.enumerated().map { k, slot in h.segments.first { $0.interval == k && $0.slot == slot }?.values.lr }
            #expect(lrs == m.path.map(\.lr), "member \(m.slot)")
        }
    }
}

@Suite struct PBTExploreTests {
    static var settings: PBTSettings { PBTSettings() }

    /// Perturbation by 0.8 or 1.2 (Ray Tune's factors) unless resampled; every result stays in range.
    @Test(arguments: 0..<50)
    func exploredValuesStayInTheirDistribution(_ seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed))
        let s = Self.settings
        let v = PBTExplore.explore(0.1, in: .logUniform(0.01, 0.5), settings: s, rng: &rng)
        #expect(v >= 0.01 && v <= 0.5, "seed \(seed): \(v)")
        let clamped = PBTExplore.explore(0.5, in: .uniform(0.1, 0.5), settings: s, rng: &rng)
        #expect(clamped >= 0.1 && clamped <= 0.5, "seed \(seed): \(clamped)")
        let k = PBTExplore.explore(5, in: .int(1, 8), settings: s, rng: &rng)
        #expect(k == k.rounded() && k >= 1 && k <= 8, "seed \(seed): \(k)")
        let c = PBTExplore.explore(0.9, in: .choice([.number(0.5), .number(0.9), .number(0.99)]), settings: s, rng: &rng)
        #expect([0.5, 0.9, 0.99].contains(c), "seed \(seed): \(c)")
    }

    /// With resampling off, a continuous value moves by exactly one of the factors (unclamped here),
    /// and a choice moves to a neighbour.
    @Test(arguments: 0..<50)
    func withoutResamplingValuesArePerturbedOrMoveToANeighbour(_ seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed))
        var s = Self.settings
        s.resampleProbability = 0
        let v = PBTExplore.explore(0.1, in: .logUniform(0.001, 1), settings: s, rng: &rng)
        #expect(v == 0.1 * 0.8 || v == 0.1 * 1.2, "seed \(seed): \(v)")
        let choices: [JSONValue] = [.number(1), .number(2), .number(3), .number(4)]
        let c = PBTExplore.explore(3, in: .choice(choices), settings: s, rng: &rng)
        #expect(c == 2 || c == 4, "seed \(seed): \(c)")
        let end = PBTExplore.explore(4, in: .choice(choices), settings: s, rng: &rng)
        #expect(end == 3 || end == 4, "seed \(seed): \(end)")
    }
}
