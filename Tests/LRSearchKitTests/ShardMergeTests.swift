// Shards of one search run apart and merged: the same ranking as one run, duplicates kept once, conflicts and
// other searches refused, missing trials counted by shard, and a merged journal that resume and report accept.

import Foundation
import JSON5
import LRSearchKit
import Search
import Testing

private let shardSpec = """
    { name: "sharded", seed: 11, trials: 7, sampler: "random",
      task: { dataset: "iris", model: { hidden: [4] }, epochs: 2, batch_size: 16 },
      optimizer: { kind: "sgd", momentum: 0.9 },
      lr: { loguniform: [0.01, 0.3] },
      schedules: [{ family: "cosine" }, { family: "step", step_size: 1, gamma: { uniform: [0.3, 0.9] } }] }
    """

private func spec(_ text: String = shardSpec) throws -> SearchSpec {
    try SearchSpec.parse(JSON5Parser.parse(text), defaultName: "sharded")
}

private func tempDir() -> String {
    NSTemporaryDirectory() + "lrsearch-merge-" + UUID().uuidString
}

/// Runs shard `i` of `n` into `root/shard-i`.
@discardableResult
private func runShard(_ i: Int, of n: Int, root: String, spec s: SearchSpec? = nil) throws -> String {
    let dir = root + "/shard-\(i)"
    var options = RunOptions(jobs: 1, outDir: dir)
    options.shard = (i, n)
    let outcome = try SearchRun(spec: s ?? spec(), options: options).run()
    #expect(outcome.failure == nil)
    return dir
}

/// ranked.csv without its time column (`seconds`), row by row.
private func timelessCSV(_ dir: String) throws -> [String] {
    let rows = try String(contentsOfFile: dir + "/ranked.csv", encoding: .utf8).components(separatedBy: "\r\n").filter { !$0.isEmpty }
    let header = rows[0].split(separator: ",", omittingEmptySubsequences: false)
    let time = try #require(header.firstIndex(of: "seconds"))
    return rows.map { row in
        var cells = row.split(separator: ",", omittingEmptySubsequences: false)
        cells.remove(at: time)
        return cells.joined(separator: ",")
    }
}

@Suite struct ShardMergeTests {
    @Test func threeShardsMergedRankAsOneRun() throws {
        let root = tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let single = try SearchRun(spec: spec(), options: RunOptions(jobs: 1, outDir: root + "/single"))
        _ = single.run()
        try single.writeResults()
        let shards = try (0..<3).map { try runShard($0, of: 3, root: root) }
        let merged = try ShardMerge.merge(shards, into: root + "/merged")
        #expect(merged.records.map(\.id.index) == [0, 1, 2, 3, 4, 5, 6])
        #expect(merged.duplicates == 0)
        #expect(merged.missing == ShardMerge.Missing(count: 0, first: [], byShard: [], shardCount: 3))
        let expected = try timelessCSV(root + "/single")
        #expect(expected.count == 8)  // header + 7 configurations
        #expect(try timelessCSV(root + "/merged") == expected)
        // The same best.json, byte for byte (it carries no times).
        #expect(try String(contentsOfFile: root + "/merged/best.json", encoding: .utf8)
                == String(contentsOfFile: root + "/single/best.json", encoding: .utf8))
        // The merged journal replays as one search (report reads it this way): one start, 7 trials, one end.
        let replay = try #require(try Journal.replay(path: root + "/merged/trials.jsonl"))
        #expect(replay.records.count == 7 && replay.info?.shard == nil && replay.info?.configurations == 7)
        #expect(replay.specHash == (try Journal.replay(path: shards[0] + "/trials.jsonl"))?.specHash)
        // Its wall time is the longest shard's (what the search took with the shards running at once).
        let walls = try shards.map { try #require(try Journal.replay(path: $0 + "/trials.jsonl")?.info?.wallSeconds) }
        #expect(replay.info?.wallSeconds == walls.max() && replay.info?.endedRuns == 1)
    }

    @Test func aShardRecordsItsShardAndTheSearchSize() throws {
        let root = tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = try runShard(1, of: 3, root: root)
        let info = try #require(try Journal.replay(path: dir + "/trials.jsonl")?.info)
        #expect(info.shard == [1, 3] && info.configurations == 7 && info.repeats == 1)
        // Trials 1 and 4 (≡ 1 mod 3, below 7) ran, nothing else.
        #expect(try Journal.replay(path: dir + "/trials.jsonl")?.records.map(\.id.index).sorted() == [1, 4])
    }

    @Test func missingTrialsAreCountedByShardAndResumeRunsThem() throws {
        let root = tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let a = try runShard(0, of: 3, root: root), c = try runShard(2, of: 3, root: root)
        let merged = try ShardMerge.merge([a, c], into: root + "/merged")
        // Shard 1 of 3 holds trials 1 and 4; its folder was not merged.
        #expect(merged.missing == ShardMerge.Missing(count: 2, first: [TrialID(index: 1, repeat: 0), TrialID(index: 4, repeat: 0)],
                                                     byShard: [(shard: 1, count: 2, folder: nil)], shardCount: 3))
        // `lrsearch run SPEC --resume --out merged` accepts the merged journal and runs exactly the missing ones.
        var options = RunOptions(jobs: 1, outDir: root + "/merged")
        options.resume = true
        let resumed = try SearchRun(spec: spec(), options: options)
        #expect(Array(resumed.session.pending) == [TrialID(index: 1, repeat: 0), TrialID(index: 4, repeat: 0)])
        #expect(resumed.run().records.count == 7)
        withExtendedLifetime(resumed) {}
    }

    @Test func missingTrialsCommandsCarryTheShardsOverrides() throws {
        let root = tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var options = RunOptions(jobs: 1, outDir: root + "/shard-0")
        options.shard = (0, 2)
        options.trials = 5
        options.epochs = 1
        _ = try SearchRun(spec: spec(), options: options).run()
        let merged = try ShardMerge.merge([root + "/shard-0"], into: root + "/merged")
        // 5 configurations, shard 0 of 2 ran 0, 2, 4; shard 1 (1, 3) is missing.
        #expect(merged.missing == ShardMerge.Missing(count: 2, first: [TrialID(index: 1, repeat: 0), TrialID(index: 3, repeat: 0)],
                                                     byShard: [(shard: 1, count: 2, folder: nil)], shardCount: 2,
                                                     overrideFlags: " --trials 5 --epochs 1"))
    }

    @Test func aTrialInTwoFoldersIsKeptOnceWhenItsResultsAgree() throws {
        let root = tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let a = try runShard(0, of: 3, root: root), b = try runShard(1, of: 3, root: root)
        // The same shard run again elsewhere (a pod replaced after it finished): same results, other times.
        let again = root + "/again"
        var options = RunOptions(jobs: 1, outDir: again)
        options.shard = (1, 3)
        _ = try SearchRun(spec: spec(), options: options).run()
        let merged = try ShardMerge.merge([a, b, again], into: root + "/merged")
        #expect(merged.duplicates == 2)  // trials 1 and 4
        #expect(merged.records.map(\.id.index) == [0, 1, 3, 4, 6])
        // Merging into a folder that already holds a merge keeps its trials: 2 … 5 … come from shard 2 now.
        let c = try runShard(2, of: 3, root: root)
        let all = try ShardMerge.merge([c], into: root + "/merged")
        #expect(all.records.map(\.id.index) == [0, 1, 2, 3, 4, 5, 6])
        #expect(all.missing?.count == 0)
        // A merged folder merged again (its start record already says merged): the same trials, still one journal.
        let again2 = try ShardMerge.merge([root + "/merged", root + "/merged"], into: root + "/merged")
        #expect(again2.records.map(\.id.index) == [0, 1, 2, 3, 4, 5, 6] && again2.duplicates == 7)
    }

    @Test func differentResultsForOneTrialAreAnError() throws {
        let root = tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let a = try runShard(0, of: 3, root: root)
        let copy = root + "/edited"
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        let text = try String(contentsOfFile: a + "/trials.jsonl", encoding: .utf8)
        // Trial 3's first-epoch val_loss changed: a journal that cannot be the same trial's.
        var records = try #require(try Journal.replay(path: a + "/trials.jsonl")?.records)
        let i = try #require(records.firstIndex { $0.id.index == 3 })
        records[i].epochs[0].valLoss = 1234.5
        let start = String(text.split(separator: "\n")[0])
        let lines = [start] + records.map { JSONWriter.compact($0.json) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: copy + "/trials.jsonl", atomically: true, encoding: .utf8)
        #expect(throws: MergeError.conflict(trial: TrialID(index: 3, repeat: 0), first: a, second: copy,
                                            difference: "epoch 1: val_loss \(try valLoss(a, trial: 3)) vs 1234.5")) {
            try ShardMerge.merge([a, copy], into: root + "/merged")
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/merged/trials.jsonl"))  // nothing written
    }

    @Test func endRecordsSummingPastTheLargestDoubleStillMergeIntoStrictJSON() throws {
        let root = tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let a = try runShard(0, of: 2, root: root)
        // An edited journal whose two end records sum to +infinity: its wall time was written `Infinity`,
        // which no strict JSON reader accepts. Clamped, it is the largest finite Double.
        let journal = a + "/trials.jsonl"
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        try (text + "{\"op\":\"resume\",\"spec_hash\":\"x\"}\n{\"op\":\"end\",\"seconds\":1e308}\n{\"op\":\"end\",\"seconds\":1e308}\n")
            .write(toFile: journal, atomically: true, encoding: .utf8)
        #expect(try Journal.replay(path: journal)?.info?.wallSeconds == .infinity)
        _ = try ShardMerge.merge([a], into: root + "/merged")
        let merged = try String(contentsOfFile: root + "/merged/trials.jsonl", encoding: .utf8)
        let end = try #require(merged.split(separator: "\n").last)
        #expect(end.hasPrefix("{\"op\":\"end\",\"seconds\":1.7976931348623157e+308,"))
        let data = try #require(end.data(using: .utf8))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]  // strict JSON
        #expect(object?["seconds"] as? Double == .greatestFiniteMagnitude)
    }

    @Test func theMergedJournalIsEveryRecordOnceInOrder() throws {
        let root = tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let shards = try (0..<3).map { try runShard($0, of: 3, root: root) }
        // Written whole (one fsync) rather than appended record by record: the same lines in the same order.
        _ = try ShardMerge.merge(shards.reversed(), into: root + "/merged")
        let lines = try String(contentsOfFile: root + "/merged/trials.jsonl", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 1 + 7 + 1 + 1 && lines.last == "")  // start, 7 trials, end, a final newline
        #expect(lines[0].hasPrefix("{\"op\":\"start\",") && lines[0].hasSuffix(",\"merged\":true}"))
        let records = try #require(try Journal.replay(path: root + "/merged/trials.jsonl")?.records)
        #expect(lines[1...7].map(String.init) == records.map { JSONWriter.compact($0.json) })
        #expect(records.map(\.id.index) == [0, 1, 2, 3, 4, 5, 6])
        #expect(lines[8].hasPrefix("{\"op\":\"end\",\"seconds\":"))
        #expect(!FileManager.default.fileExists(atPath: root + "/merged/trials.jsonl.merging"))
    }

    @Test func shardsOfDifferentSearchesAreRefusedNamingTheFolders() throws {
        let root = tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let a = try runShard(0, of: 2, root: root)
        var other = try spec()
        other.seed = 12
        let b = try runShard(1, of: 2, root: root, spec: other)
        let hashA = try #require(try Journal.replay(path: a + "/trials.jsonl")?.specHash)
        let hashB = try #require(try Journal.replay(path: b + "/trials.jsonl")?.specHash)
        #expect(hashA != hashB)
        do {
            _ = try ShardMerge.merge([a, b], into: root + "/merged")
            Issue.record("merged two searches")
        } catch {
            #expect(error.description == "the folders hold different searches (spec hash \(hashA): \(a); spec hash \(hashB): \(b)); "
                    + "merge only the shards of one spec, run with the same seed and epochs")
        }
        #expect(throws: MergeError.unreadable(folder: root + "/nowhere",
                                              reason: "no such folder (expected a results folder written by 'lrsearch run')")) {
            try ShardMerge.merge([a, root + "/nowhere"], into: root + "/merged")
        }
    }

    @Test func aShardReRunResumesItsOwnJournal() throws {
        let root = tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var options = RunOptions(jobs: 1, outDir: root + "/shard-0")
        options.shard = (0, 3)
        options.trials = 4  // a first run cut short: trials 0 and 3
        _ = try SearchRun(spec: spec(), options: options).run()
        options.trials = nil
        options.resume = true  // what `--shard` sets
        let again = try SearchRun(spec: spec(), options: options)
        #expect(Array(again.session.pending) == [TrialID(index: 6, repeat: 0)])
        withExtendedLifetime(again) {}
    }

    @Test func aTPEOrPrunedSpecIsRefusedWithShard() throws {
        let root = tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let tpe = try spec(shardSpec.replacingOccurrences(of: "sampler: \"random\"", with: "sampler: \"tpe\""))
        var options = RunOptions(jobs: 1, outDir: root)
        options.shard = (0, 2)
        #expect(throws: SessionError.config(tpe.shardingProblem ?? ConfigError(path: "", location: nil, message: "none"))) {
            try SearchRun(spec: tpe, options: options)
        }
        options.shard = nil  // without --shard it runs
        #expect(throws: Never.self) { try SearchRun(spec: tpe, options: options) }
    }
}

/// Trial `index`'s first-epoch val_loss in the journal of `dir`, as the journal writes it.
private func valLoss(_ dir: String, trial index: Int) throws -> String {
    let records = try #require(try Journal.replay(path: dir + "/trials.jsonl")?.records)
    let r = try #require(records.first { $0.id.index == index })
    return JSONWriter.compact(TrialRecord.number(r.epochs[0].valLoss))
}
