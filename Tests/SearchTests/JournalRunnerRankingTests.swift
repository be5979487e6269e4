// The journal (round trip, torn tail, corrupt lines, the v1 fixture), the runner and the ranking.

import Foundation
import JSON5
import LRSchedules
@testable import Search
import Synchronization
import TestSupport
import Testing
import Trainer

func record(_ index: Int, _ rep: Int = 0, loss: Double, state: TrialStatus = .ok, accuracy: Double? = nil) -> TrialRecord {
    TrialRecord(id: TrialID(index: index, repeat: rep), seed: UInt64(100 + index), sampled: ["schedule": ["family": "cosine"]],
                family: .cosine, state: state, epochs: [EpochMetrics(epoch: 1, lr: 0.1, trainLoss: loss + 1, valLoss: loss,
                                                   valAccuracy: accuracy, seconds: 0.5)], seconds: 0.5)
}

func temporaryDirectory() -> String {
    let dir = NSTemporaryDirectory() + "lrsearch-tests-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// A start record line, as every journal begins.
let startLine = JSONWriter.compact(Journal.startRecord(specHash: "abc", name: "t", overrides: [])) + "\n"

@Suite struct JournalTests {
    @Test func recordsRoundTripThroughTheJournal() throws {
        let path = temporaryDirectory() + "/sub/trials.jsonl"
        let journal = try Journal(appendingTo: path)
        try journal.append(Journal.startRecord(specHash: "abc", name: "t", overrides: [("epochs", 3)]))
        var derivedRecord = record(0, loss: 0.5, accuracy: 0.9)
        derivedRecord.derived = [DerivedValue(name: "gamma", value: 0.999309463003), DerivedValue(name: "step_size", value: 100)]
        let records = [derivedRecord, record(1, 1, loss: .nan, state: .diverged)]
        for r in records { try journal.append(r.json) }
        let replay = try #require(try Journal.replay(path: path))
        #expect(replay.specHash == "abc")
        #expect(replay.droppedTornLine == false)
        #expect(replay.records.count == 2)
        #expect(replay.records[0] == records[0])
        #expect(replay.records[1].id == TrialID(index: 1, repeat: 1) && replay.records[1].state == .diverged)
        #expect(replay.records[1].epochs[0].valLoss.isNaN)  // NaN survives as the JSON5 token
    }

    @Test func aTornLastLineIsDroppedAndCutBeforeTheNextAppend() throws {
        let path = temporaryDirectory() + "/trials.jsonl"
        let full = startLine + JSONWriter.compact(record(0, loss: 0.5).json) + "\n"
        let torn = String(JSONWriter.compact(record(1, loss: 0.7).json).prefix(40))
        try (full + torn).write(toFile: path, atomically: true, encoding: .utf8)
        let replay = try #require(try Journal.replay(path: path))
        #expect(replay.records.map(\.id.index) == [0])
        #expect(replay.droppedTornLine)
        let journal = try Journal(appendingTo: path)
        try journal.append(record(2, loss: 0.6).json)
        #expect(try Journal.replay(path: path)?.records.map(\.id.index) == [0, 2])
    }

    @Test func aBadLineInTheMiddleIsCorruption() throws {
        let good = JSONWriter.compact(record(0, loss: 0.5).json)
        #expect(throws: JournalError.corrupt(file: "j", line: 3, reason: "expected a value, found 'garbage' (strings need quotes)")) {
            try Journal.replay(text: startLine + good + "\ngarbage\n" + good + "\n", file: "j")
        }
        #expect(throws: JournalError.corrupt(file: "j", line: 2, reason: "unknown op \"delete\"")) {
            try Journal.replay(text: startLine + "{\"op\": \"delete\"}\n", file: "j")
        }
    }

    @Test func theVersion1FixtureStillReplays() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/journal-v1", withExtension: "jsonl"))
        let replay = try #require(try Journal.replay(path: url.path))
        #expect(replay.specHash == "9f0c6a3b2d1e4f57")
        #expect(replay.records.map(\.id) == [TrialID(index: 1, repeat: 0), TrialID(index: 0, repeat: 0)])
        #expect(replay.records[0].state == .diverged)
        #expect(replay.records[1].objective(.finalValLoss) == 0.4125)  // second epoch's val_loss in the fixture
        #expect(replay.records[1].family == .step)  // typed when the journal is read
    }
}

@Suite struct RunnerTests {
    /// A deterministic stand-in for training: the loss is a function of the trial's identity.
    static func fakeTrial(_ id: TrialID) -> TrialRecord {
        record(id.index, id.repeat, loss: Double((id.index * 7919) % 101) / 100 + Double(id.repeat) / 1000)
    }

    func runAll(jobs: Int, count: Int) throws -> [TrialRecord] {
        let results = Mutex<[TrialRecord]>([])
        let units = (0..<count).map { TrialID(index: $0, repeat: 0) }
        let runner = Runner(units: units, jobs: jobs, execute: { id in
            Thread.sleep(forTimeInterval: Double(id.index % 3) / 1000)  // uneven trial lengths
            return Self.fakeTrial(id)
        }, finished: { r in results.withLock { $0.append(r) } })
        #expect(try runner.run() == .completed)
        return results.withLock { $0 }
    }

    @Test(arguments: [1, 2, 5])
    func everyTrialRunsExactlyOnce(jobs: Int) throws {
        let results = try runAll(jobs: jobs, count: 37)
        #expect(results.map(\.id.index).sorted() == Array(0..<37))
    }

    @Test func theRankingDoesNotDependOnTheNumberOfJobs() throws {
        let one = rank(try runAll(jobs: 1, count: 30), objective: .finalValLoss)
        let four = rank(try runAll(jobs: 4, count: 30), objective: .finalValLoss)
        #expect(one == four)
    }

    struct Boom: Error, Equatable {}

    @Test func aFailingTrialStopsTheSearchWithItsError() throws {
        let started = Mutex(0)
        let runner = Runner(units: (0..<50).map { TrialID(index: $0, repeat: 0) }, jobs: 2, execute: { id in
            started.withLock { $0 += 1 }
            if id.index == 3 { throw Boom() }
            return Self.fakeTrial(id)
        }, finished: { _ in })
        #expect(throws: Boom.self) { try runner.run() }
        #expect(started.withLock { $0 } < 50)
    }

    @Test func stopLetsRunningTrialsFinishAndHandsOutNoMore() throws {
        let finished = Mutex<[Int]>([])
        let box = Mutex<Runner?>(nil)
        let runner = Runner(units: (0..<20).map { TrialID(index: $0, repeat: 0) }, jobs: 1, execute: { id in
            if id.index == 2 { box.withLock { $0?.stop() } }
            return Self.fakeTrial(id)
        }, finished: { r in finished.withLock { $0.append(r.id.index) } })
        box.withLock { $0 = runner }
        #expect(try runner.run() == .stopped)
        #expect(finished.withLock { $0 } == [0, 1, 2])  // trial 2 was running when stop came: it finishes
    }
}

@Suite struct RankingTests {
    @Test func lossesAscendAndDivergedComeLast() {
        let ranked = rank([record(0, loss: 0.5), record(1, loss: .nan, state: .diverged), record(2, loss: 0.2),
                           record(3, loss: 0.5), record(4, loss: .nan)], objective: .finalValLoss)
        #expect(ranked.map(\.index) == [2, 0, 3, 4, 1])  // tie 0/3 by index; NaN after finite; diverged last
        #expect(ranked.map(\.rank) == [1, 2, 3, 4, 5])
    }

    @Test func accuracyIsMaximised() {
        let ranked = rank([record(0, loss: 0.5, accuracy: 0.8), record(1, loss: 0.6, accuracy: 0.9)],
                          objective: .finalValAccuracy)
        #expect(ranked.map(\.index) == [1, 0])
    }

    @Test func repeatsRankByTheirMeanAndShowTheSpread() {
        // Config 0: 0.1 and 0.5 (mean 0.3, std √0.08); config 1: 0.32 twice (mean 0.32, std 0).
        let ranked = rank([record(0, 0, loss: 0.1), record(0, 1, loss: 0.5), record(1, 0, loss: 0.32),
                           record(1, 1, loss: 0.32)], objective: .finalValLoss)
        #expect(ranked.map(\.index) == [0, 1])
        expectClose(ranked[0].mean, 0.3, relative: 1e-12)
        expectClose(ranked[0].std, 0.08.squareRoot(), relative: 1e-12)  // ((0.2² + 0.2²)/1)^½
        #expect(ranked[1].std == 0)
    }

    @Test func oneDivergedRepeatMakesTheConfigurationDiverged() {
        let ranked = rank([record(0, 0, loss: 0.1), record(0, 1, loss: .nan, state: .diverged), record(1, loss: 0.9)],
                          objective: .finalValLoss)
        #expect(ranked.map(\.index) == [1, 0])
        #expect(ranked[1].state == .diverged)
    }
}
