// A trial record carries its config typed; JSON is made only at the edges, and those edges (the journal
// line, best.json) write the same bytes as before the record was typed.

import Foundation
import JSON5
import LRSchedules
@testable import Search
import TestSupport
import Testing
import Trainer

@Suite struct TypedRecordTests {
    func fixture(_ name: String, _ ext: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: ext))
        return try String(contentsOf: url, encoding: .utf8)
    }

    func trialLines(_ text: String) -> [Substring] {
        text.split(separator: "\n").filter { $0.hasPrefix(#"{"op":"trial""#) }
    }

    /// journal-v3.jsonl is `lrsearch run journal-v3-spec.json5 --jobs 1` as written by lrsearch before the
    /// record was typed (22 schedule entries, one per family or variant, one of them diverging): each
    /// line is read, resolved and written back byte for byte.
    @Test func everyLineOfTheV3FixtureIsWrittenBackByteForByte() throws {
        let lines = trialLines(try fixture("journal-v3", "jsonl"))
        #expect(lines.count == 22)
        var families: Set<ScheduleFamily> = []
        for line in lines {
            let record = try TrialRecord(json: JSON5Parser.parse(String(line)))
            #expect(JSONWriter.compact(record.json) == String(line))
            let config = try #require(record.config, "\(line.prefix(80))")
            #expect(config.schedule.family == record.family)
            #expect(record.trainRows == 120)  // iris: 150 rows, val_fraction 0.2
            families.insert(record.family)
        }
        #expect(families.count == 20)  // every family but the conversions equivalent_explr and texp
    }

    /// best.json of that run is the winner's typed config written out, byte for byte.
    @Test func bestJSONOfTheV3FixtureIsTheTypedConfigWrittenOut() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/journal-v3", withExtension: "jsonl"))
        let replay = try #require(try Journal.replay(path: url.path))
        let best = try #require(rank(replay.records, objective: .finalValLoss).first)
        let config = try #require(best.representative.config)
        #expect(JSONWriter.pretty(config.json) + "\n" == (try fixture("journal-v3-best", "json")))
    }

    /// Versions 1 and 2 still load with typed configs; written back once (NaN as strings, version 3),
    /// a line is then stable.
    @Test func v1AndV2FixturesLoadTypedAndRewriteStably() throws {
        for name in ["journal-v1", "journal-v2"] {
            let lines = trialLines(try fixture(name, "jsonl"))
            #expect(lines.count == 2)
            for line in lines {
                let record = try TrialRecord(json: JSON5Parser.parse(String(line)))
                let config = try #require(record.config, "\(name): \(line.prefix(80))")
                #expect(config.dataset == .builtin("iris") && config.schedule.family == record.family)
                let once = JSONWriter.compact(record.json)
                let again = try TrialRecord(json: JSON5Parser.parse(once))
                #expect(again.config == record.config && again.family == record.family)
                #expect(JSONWriter.compact(again.json) == once)
            }
        }
    }

    /// Every family (and variant) of the schedule parser's round trip, as a whole trial config: typed →
    /// journal line → typed gives the same config, the same line and the same best.json.
    @Test(arguments: ScheduleParserTests.everyFamily)
    func everyFamilyRoundTripsThroughTheJournalLine(_ schedule: ScheduleSpec) throws {
        var momentum = 0.9
        switch schedule {
        case let .explr(_, _, m), let .equivalentExplr(_, _, m), let .texp(_, _, m): momentum = m
        default: break
        }
        let training = TrainingConfig(model: ModelConfig(hidden: [8]), optimizer: OptimizerConfig(kind: .sgd, momentum: momentum),
                                      epochs: 3, batchSize: 16, scheduleUnit: .step, seed: 11)
        let config = TrialConfig(dataset: .builtin("iris"), training: training, schedule: schedule)
        var record = TrialRecord(id: TrialID(index: 3, repeat: 1), seed: 11, config: config, state: .ok,
                                 epochs: [EpochMetrics(epoch: 1, lr: 0.1, trainLoss: 1, valLoss: .nan, valAccuracy: 0.5, seconds: 0.5)],
                                 seconds: 0.5, derived: schedule.derivedParameters.map { DerivedValue(name: $0.name, value: $0.value) })
        record.trainRows = 120
        let line = JSONWriter.compact(record.json)
        let back = try TrialRecord(json: JSON5Parser.parse(line))
        #expect(back.config == config, "\(line)")
        #expect(JSONWriter.compact(back.json) == line)
        #expect(JSONWriter.pretty(try #require(back.config).json) == JSONWriter.pretty(config.json))
    }

    /// A line whose config no longer resolves still loads, untyped, and is written back unchanged: a
    /// step-unit cosine without its run length (a journal from before train_rows), an edited train_rows.
    @Test func unresolvableConfigsLoadUntypedAndKeepTheirLine() throws {
        let config = #"{"seed":1,"task":{"dataset":"iris","epochs":2,"schedule_unit":"step"},"schedule":{"family":"cosine","lr":0.1}}"#
        for extra in ["", #","train_rows":0"#, #","train_rows":-5"#] {
            let line = #"{"op":"trial","index":0,"repeat":0,"seed":1,"status":"ok","seconds":1,"config":"# + config
                + #","epochs":[]"# + extra + "}"
            let record = try TrialRecord(json: JSON5Parser.parse(line))
            #expect(record.config == nil && record.family == .cosine, "\(extra)")
            #expect(JSONWriter.compact(record.json) == line)
        }
        // With train_rows the same line resolves: 120 rows / 64 per batch = 2 steps × 2 epochs = t_max 4.
        let line = #"{"op":"trial","index":0,"repeat":0,"seed":1,"status":"ok","seconds":1,"config":"# + config
            + #","epochs":[],"train_rows":120}"#
        #expect(try TrialRecord(json: JSON5Parser.parse(line)).config?.schedule == .cosine(lr: 0.1, tMax: 4, etaMin: 0))
    }
}
