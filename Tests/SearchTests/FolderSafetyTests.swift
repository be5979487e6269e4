// A results folder cannot be lost, mixed or misread: run lock, journal validation, strict JSON, lazy units.

import Foundation
import JSON5
import LRSchedules
@testable import Search
import Synchronization
import TestSupport
import Testing
import Trainer

private let smallSpec = """
    { name: "safe", seed: 11, trials: 5,
      task: { dataset: "iris", model: { hidden: [4] }, epochs: 1, batch_size: 16 },
      optimizer: { kind: "sgd", momentum: 0.9 },
      lr: { loguniform: [0.01, 0.3] },
      schedules: [{ family: "cosine" }, { family: "step", step_size: 1, gamma: { uniform: [0.3, 0.9] } }] }
    """

/// Opens a session on `dir`, journals fake results for `indices` (real configs and seeds), and closes it.
private func journalFakeTrials(_ spec: SearchSpec, dir: String, indices: [Int]) throws {
    let session = try SearchSession(spec: spec, options: RunOptions(jobs: 1, outDir: dir))
    for i in indices {
        let id = TrialID(index: i, repeat: 0)
        let (config, seed, point) = session.config(for: id)
        try session.record(TrialRecord(id: id, seed: seed, sampled: config.value,
                                       family: try TrialRecord.family(of: config), state: .ok,
                                       epochs: [EpochMetrics(epoch: 1, lr: 0.1, trainLoss: 1, valLoss: 0.5 + Double(i),
                                                            valAccuracy: nil, seconds: 0.1)],
                                       seconds: 0.1, point: point))
    }
}

private func resume(_ spec: SearchSpec, dir: String, force: Bool = false) throws(SessionError) -> SearchSession {
    var options = RunOptions(jobs: 1, outDir: dir)
    options.resume = true
    options.force = force
    return try SearchSession(spec: spec, options: options)
}

/// The journal's lines; `edit` rewrites them and stores the result.
private func editJournal(_ dir: String, _ edit: (inout [String]) -> Void) throws {
    let path = dir + "/trials.jsonl"
    var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    edit(&lines)
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
}

@Suite struct JournalValidationTests {
    @Test func aJournalWithoutItsStartRecordIsRefused() throws {
        let trial = JSONWriter.compact(record(0, loss: 0.5).json)
        #expect(throws: JournalError.corrupt(file: "j", line: 1, reason: "the first record must be the \"start\" record, found \"trial\"")) {
            try Journal.replay(text: trial + "\n", file: "j")
        }
        // An empty journal (killed before its first write) is no search at all, not an error.
        #expect(try Journal.replay(text: "", file: "j").records.isEmpty)
    }

    @Test func aDuplicatedTrialLineIsRefusedNotCountedAsARepeat() throws {
        let trial = JSONWriter.compact(record(3, loss: 0.5).json) + "\n"
        #expect(throws: JournalError.corrupt(file: "j", line: 3,
                                             reason: "trial 3 repeat 0 is already recorded on line 2; each trial is journaled once")) {
            try Journal.replay(text: startLine + trial + trial, file: "j")
        }
    }

    @Test func aSecondStartRecordIsRefused() throws {
        #expect(throws: JournalError.corrupt(file: "j", line: 2, reason: "a second \"start\" record (two journals joined into one?)")) {
            try Journal.replay(text: startLine + startLine, file: "j")
        }
    }

    @Test func hugeOrNegativeNumbersInTheJournalAreErrorsNotTraps() throws {
        #expect(throws: JournalError.corrupt(file: "j", line: 1, reason: "journal version 1e+300 is newer than this lrsearch (3)")) {
            try Journal.replay(text: "{\"op\":\"start\",\"version\":1e300}\n", file: "j")
        }
        let negative = JSONWriter.compact(record(0, loss: 0.5).json).replacingOccurrences(of: "\"repeat\":0", with: "\"repeat\":-1")
        #expect(throws: JournalError.corrupt(file: "j", line: 2, reason: "1:34: repeat: expected a repeat >= 0, got -1")) {
            try Journal.replay(text: startLine + negative + "\n", file: "j")
        }
    }

    @Test func aRelabelledRecordIsRefusedWithItsLine() throws {
        let spec = try parseSpec(smallSpec)
        let dir = temporaryDirectory()
        try journalFakeTrials(spec, dir: dir, indices: [0, 1])
        #expect(try resume(spec, dir: dir).records.count == 2)  // untouched, it replays
        // Index 1 relabelled as 2: its seed gives it away.
        try editJournal(dir) { $0[2] = $0[2].replacingOccurrences(of: "\"index\":1,", with: "\"index\":2,") }
        let seed1 = spec.trialSeed(TrialID(index: 1, repeat: 0)), seed2 = spec.trialSeed(TrialID(index: 2, repeat: 0))
        #expect(throws: SessionError.journal(.corrupt(
            file: dir + "/trials.jsonl", line: 3,
            reason: "trial 2 repeat 0: seed \(seed1) is not the seed this spec gives that trial (\(seed2)); "
                + "the record was edited or belongs to another search; --resume --force trusts the journal anyway"))) { try resume(spec, dir: dir) }
        // Seeds relabelled too: the configuration gives it away.
        try editJournal(dir) { $0[2] = $0[2].replacingOccurrences(of: "\(seed1)", with: "\(seed2)") }
        #expect(throws: SessionError.journal(.corrupt(
            file: dir + "/trials.jsonl", line: 3,
            reason: "trial 2 repeat 0: its config is not the one this spec gives trial 2; "
                + "the record was edited or relabelled with another index; --resume --force trusts the journal anyway"))) { try resume(spec, dir: dir) }
        // --force (a changed spec resumed on purpose) trusts the records.
        #expect(try resume(spec, dir: dir, force: true).records.map(\.id.index) == [0, 2])
    }

    @Test func aRepeatBeyondTheSpecsRepeatsIsRefused() throws {
        let spec = try parseSpec(smallSpec)
        let dir = temporaryDirectory()
        try journalFakeTrials(spec, dir: dir, indices: [0])
        try editJournal(dir) { $0[1] = $0[1].replacingOccurrences(of: "\"repeat\":0", with: "\"repeat\":1") }
        #expect(throws: SessionError.journal(.corrupt(
            file: dir + "/trials.jsonl", line: 2,
            reason: "trial 0 repeat 1: the spec has repeats 1, so repeat 1 cannot be one of its trials"))) { try resume(spec, dir: dir) }
    }

    @Test func aTPEPointOutsideTheSpaceIsRefusedNotATrap() throws {
        let spec = try parseSpec(smallSpec.replacingOccurrences(of: "trials: 5,", with: "trials: 5, sampler: \"tpe\","))
        let dir = temporaryDirectory()
        try journalFakeTrials(spec, dir: dir, indices: [0])
        #expect(try resume(spec, dir: dir).records.first?.point != nil)
        try editJournal(dir) { $0[1] = $0[1].replacingOccurrences(of: "\"point\":{\"schedule\":", with: "\"point\":{\"schedule\":9") }
        // Even --force, which skips the configuration check, must not let TPE index schedules[9x].
        #expect(throws: SessionError.self) { try resume(spec, dir: dir, force: true) }
        do {
            _ = try resume(spec, dir: dir, force: true)
        } catch {
            guard case .journal(.corrupt(_, let line, let reason)) = error else { Issue.record("\(error)"); return }
            #expect(line == 2)
            #expect(reason.contains("point.schedule is 9"), "\(reason)")
        }
    }

    @Test func resumingAnEmptyJournalWritesItsStartRecordFirst() throws {
        // A run killed after creating trials.jsonl and before its first write leaves it empty.
        let dir = temporaryDirectory()
        FileManager.default.createFile(atPath: dir + "/trials.jsonl", contents: Data())
        let session = try resume(try parseSpec(smallSpec), dir: dir)
        let first = try String(contentsOfFile: session.journalPath, encoding: .utf8).split(separator: "\n").first ?? ""
        #expect(first.hasPrefix("{\"op\":\"start\",\"version\":3,\"name\":\"safe\""))
    }

    @Test func theVersion2FixtureWithBareNonFiniteTokensStillReplays() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/journal-v2", withExtension: "jsonl"))
        let replay = try #require(try Journal.replay(path: url.path))
        #expect(replay.specHash == "0123456789abcdef")
        #expect(replay.records.map(\.id.index) == [0, 1])
        #expect(replay.records[0].objective(.finalValLoss) == 0.375)  // the fixture's val_loss
        let diverged = try #require(replay.records[1].epochs.first)
        #expect(diverged.lr == .infinity && diverged.trainLoss.isNaN && diverged.valLoss == -.infinity)
        #expect(replay.records[1].derived == [DerivedValue(name: "final_lr", value: .infinity)])
    }
}

@Suite struct StrictJSONTests {
    @Test func nonFiniteNumbersAreWrittenAsStringsAndReadBack() throws {
        var r = record(2, loss: .nan, state: .diverged)
        r.epochs.append(EpochMetrics(epoch: 2, lr: .infinity, trainLoss: -.infinity, valLoss: .nan, valAccuracy: .nan, seconds: 0.5))
        r.derived = [DerivedValue(name: "gamma", value: .infinity)]
        let line = JSONWriter.compact(r.json)
        #expect(line.contains("\"val_loss\":\"NaN\""))
        #expect(line.contains("\"lr\":\"Infinity\",\"train_loss\":\"-Infinity\""))
        #expect(line.contains("\"derived\":{\"gamma\":\"Infinity\"}"))
        // Strict JSON: Foundation's parser rejects the bare tokens and accepts this line.
        #expect(throws: (any Error).self) { try JSONSerialization.jsonObject(with: Data("{\"x\":NaN}".utf8)) }
        _ = try JSONSerialization.jsonObject(with: Data(line.utf8))
        let back = try TrialRecord(json: JSON5Parser.parse(line))
        #expect(back.epochs[1].lr == .infinity && back.epochs[1].trainLoss == -.infinity)
        #expect(back.epochs[0].valLoss.isNaN && back.epochs[1].valLoss.isNaN && back.epochs[1].valAccuracy?.isNaN == true)
        #expect(back.derived == r.derived)
    }

    @Test func aRecordsFamilyIsTypedOnReadAndAnUnknownOneIsAnError() throws {
        let line = JSONWriter.compact(record(0, loss: 0.5).json)
        #expect(try TrialRecord(json: JSON5Parser.parse(line)).family == .cosine)
        for (bad, found) in [("\"family\":\"cosine\"", "unknown schedule family 'kosine'"), ("\"family\":\"cosine\"", "got nothing")] {
            let edited = line.replacingOccurrences(of: bad, with: found.hasPrefix("unknown") ? "\"family\":\"kosine\"" : "\"fam\":\"cosine\"")
            do {
                _ = try TrialRecord(json: JSON5Parser.parse(edited))
                Issue.record("a config without a known family was read")
            } catch let e as ConfigError {
                #expect(e.path == "config.schedule.family")
                #expect(e.description.contains(found))
            }
        }
    }

    @Test func aNumberFieldHoldingOtherTextIsAnError() throws {
        let line = JSONWriter.compact(record(0, loss: 0.5).json).replacingOccurrences(of: "\"val_loss\":0.5", with: "\"val_loss\":\"nan\"")
        #expect(throws: ConfigError.self) { try TrialRecord(json: JSON5Parser.parse(line)) }
    }
}

@Suite struct RunLockTests {
    @Test func aSecondHolderIsRefusedWithTheFirstsPidUntilItLetsGo() throws {
        let dir = temporaryDirectory() + "/out"
        var first: RunLock? = try RunLock(folder: dir)
        let text = try String(contentsOfFile: dir + "/.lrsearch-run.lock", encoding: .utf8)
        #expect(text.hasPrefix("pid \(getpid())\nstarted 20"))
        do {
            _ = try RunLock(folder: dir)
            Issue.record("the second lock was granted")
        } catch {
            guard case .held(let folder, let holder) = error else { Issue.record("\(error)"); return }
            #expect(folder == dir)
            #expect(holder.hasPrefix("pid \(getpid()), started 20"), "\(holder)")
        }
        withExtendedLifetime(first) {}
        first = nil
        _ = try RunLock(folder: dir)  // released with its holder
    }

    @Test func aSessionHoldsTheLockForItsLifetime() throws {
        let spec = try parseSpec(smallSpec)
        let dir = temporaryDirectory()
        let session = try SearchSession(spec: spec, options: RunOptions(jobs: 1, outDir: dir))
        var overwrite = RunOptions(jobs: 1, outDir: dir)
        overwrite.overwrite = true
        #expect(throws: SessionError.self) { try SearchSession(spec: spec, options: overwrite) }
        #expect(FileManager.default.fileExists(atPath: session.journalPath))  // not replaced
        withExtendedLifetime(session) {}
    }

    @Test func aFileWhereTheFolderShouldBeIsAnError() throws {
        let file = temporaryDirectory() + "/file"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: RunLockError.io(file: file, reason: "is a file, not a folder; --out expects a results folder")) {
            try RunLock(folder: file)
        }
    }

    @Test func controlCharactersAreEscapedForTheTerminal() {
        #expect(escapingControlCharacters("a\u{1B}[31mb\nc\td\0e\u{7F}\u{85}é") == "a\\u{1B}[31mb\\nc\\td\\u{0}e\\u{7F}\\u{85}é")
        #expect(escapingControlCharacters("one\ntwo\u{1B}", keepingNewlines: true) == "one\ntwo\\u{1B}")
    }
}

@Suite struct LazyUnitsTests {
    /// The order of the materialised list the session used to build.
    func eager(_ n: Int, _ repeats: Int, shard: (Int, Int)?, done: Set<TrialID>) -> [TrialID] {
        let all = (0..<n).flatMap { i in (0..<repeats).map { TrialID(index: i, repeat: $0) } }
        return (shard.map { s in all.filter { $0.index % s.1 == s.0 } } ?? all).filter { !done.contains($0) }
    }

    @Test(arguments: [(7, 1), (5, 3), (1, 4), (0, 2)])
    func handOutOrderIsTheMaterialisedOrder(n: Int, repeats: Int) throws {
        for shard in [nil, (0, 2), (1, 2), (2, 3), (4, 5)] as [(Int, Int)?] {
            for done in [[], [TrialID(index: 0, repeat: 0), TrialID(index: 2, repeat: 1), TrialID(index: 9, repeat: 0)]] as [Set<TrialID>] {
                let units = try TrialUnits(configurations: n, repeats: repeats, shard: shard.map { ($0.0, $0.1) }, done: done)
                let expected = eager(n, repeats, shard: shard, done: done)
                #expect(Array(units) == expected, "n \(n) repeats \(repeats) shard \(String(describing: shard))")
                #expect(units.count == expected.count)
            }
        }
    }

    @Test func aTrillionTrialsOrABillionRepeatsCostNothingUntilRun() throws {
        let units = try TrialUnits(configurations: 1_000_000_000_000, repeats: 1)
        #expect(units.count == 1_000_000_000_000)
        #expect(Array(units.prefix(3)) == [TrialID(index: 0, repeat: 0), TrialID(index: 1, repeat: 0), TrialID(index: 2, repeat: 0)])
        let repeats = try TrialUnits(configurations: 20, repeats: 1_000_000_000)
        #expect(repeats.count == 20_000_000_000)
        #expect(Array(repeats.prefix(2)) == [TrialID(index: 0, repeat: 0), TrialID(index: 0, repeat: 1)])
        #expect(throws: ConfigError(path: "repeats", location: nil, message: "1000000000000 configurations × 1000000000 "
                                    + "repeats is more than 9223372036854775807 trials; lower trials or repeats")) {
            try TrialUnits(configurations: 1_000_000_000_000, repeats: 1_000_000_000)
        }
        let sharded = try TrialUnits(configurations: Int.max, repeats: 1, shard: (Int.max - 1, Int.max))
        #expect(Array(sharded) == [TrialID(index: Int.max - 1, repeat: 0)])  // no overflow stepping past the end
    }

    @Test func aSessionOfATrillionTrialsOpensAtOnceAndRunsTheFirstOnes() throws {
        let spec = try parseSpec(smallSpec.replacingOccurrences(of: "trials: 5", with: "trials: 1e12"))
        let session = try SearchSession(spec: spec, options: RunOptions(jobs: 2, outDir: temporaryDirectory()))
        #expect(session.pending.count == 1_000_000_000_000)
        let handedOut = Mutex<[Int]>([])
        let box = Mutex<Runner?>(nil)
        let runner = Runner(units: session.pending, jobs: 1, execute: { id in
            if id.index == 2 { box.withLock { $0?.stop() } }
            handedOut.withLock { $0.append(id.index) }
            return RunnerTests.fakeTrial(id)
        }, finished: { _ in })
        box.withLock { $0 = runner }
        #expect(runner.progress.total == 1_000_000_000_000)
        #expect(try runner.run() == .stopped)
        #expect(handedOut.withLock { $0 } == [0, 1, 2])
    }

    @Test func anEmptyQueueCompletesAtOnce() throws {
        let runner = Runner(units: [TrialID](), jobs: 4, execute: { RunnerTests.fakeTrial($0) }, finished: { _ in })
        #expect(try runner.run() == .completed)
    }
}
