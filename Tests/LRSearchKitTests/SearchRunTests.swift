// A search driven from code, without the CLI: SearchRun runs, resumes and ranks; ResultsFolder writes the folder.

import Foundation
import JSON5
import LRSearchKit
import Search
import Synchronization
import Testing

private let irisSpec = """
    { name: "kit", seed: 5, trials: 4,
      task: { dataset: "iris", model: { hidden: [4] }, epochs: 2, batch_size: 16 },
      optimizer: { kind: "sgd", momentum: 0.9 },
      lr: { loguniform: [0.01, 0.3] },
      schedules: [{ family: "cosine" }, { family: "step", step_size: 1, gamma: { uniform: [0.3, 0.9] } }] }
    """

private func spec() throws -> SearchSpec {
    try SearchSpec.parse(JSON5Parser.parse(irisSpec), defaultName: "kit")
}

private func tempDir() -> String {
    NSTemporaryDirectory() + "lrsearch-kit-" + UUID().uuidString
}

/// (index, repeat, status, objective) of each ranked entry, in rank order.
private func summary(_ ranked: [RankedEntry]) -> [String] {
    ranked.map { "\($0.index) \($0.state.rawValue) \($0.mean)" }
}

@Suite struct SearchRunTests {
    @Test func runsRanksAndJournalsASearchFromCode() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let seen = Mutex<[TrialID]>([])
        let run = try SearchRun(spec: spec(), options: RunOptions(jobs: 2, outDir: dir)) { record in
            seen.withLock { $0.append(record.id) }
        }
        let outcome = run.run()
        #expect(outcome.ending == .completed)
        #expect(outcome.failure == nil)
        // Every trial ran once, and the callback saw each of them.
        #expect(outcome.records.map(\.id.index).sorted() == [0, 1, 2, 3])
        #expect(seen.withLock { $0 }.map(\.index).sorted() == [0, 1, 2, 3])
        // The ranking is sorted by the objective (final val loss, lower first) and every trial is in it.
        #expect(outcome.ranked.map(\.rank) == [1, 2, 3, 4])
        let means = outcome.ranked.map(\.mean)
        #expect(means.allSatisfy { $0.isFinite })
        #expect(means == means.sorted())
        // The journal holds exactly those records: start, four trials, end; replay gives the same ranking.
        let journal = try String(contentsOfFile: dir + "/trials.jsonl", encoding: .utf8)
        let ops = journal.split(separator: "\n").map { line -> String in
            guard let v = try? JSON5Parser.parse(String(line)), case .string(let op)? = v.value["op"]?.value else { return "?" }
            return op
        }
        #expect(ops == ["start", "trial", "trial", "trial", "trial", "end"])
        let replay = try #require(try Journal.replay(path: dir + "/trials.jsonl"))
        #expect(summary(rank(replay.records, objective: .finalValLoss)) == summary(outcome.ranked))
        // The results folder, written by the library.
        let written = try run.writeResults()
        #expect(written.ranked == outcome.ranked)
        #expect(written.noValueReason == nil)
        for name in ["ranked.md", "ranked.csv", "best.json", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + name), "\(name) missing")
        }
        let csv = try String(contentsOfFile: dir + "/ranked.csv", encoding: .utf8)
            .components(separatedBy: "\r\n").filter { !$0.isEmpty }
        try #require(csv.count == 5)  // header + 4 configurations (CSV lines end in CRLF)
        #expect(csv[1].hasPrefix("1,\(outcome.ranked[0].index),"))
    }

    @Test func sameRankingAtAnyJobsAndAfterAResume() throws {
        let full = tempDir(), split = tempDir()
        defer {
            try? FileManager.default.removeItem(atPath: full)
            try? FileManager.default.removeItem(atPath: split)
        }
        let one = try SearchRun(spec: spec(), options: RunOptions(jobs: 1, outDir: full)).run()
        // Half the trials, then --resume for the rest, on two workers.
        var first = RunOptions(jobs: 2, outDir: split)
        first.trials = 2
        let partial = try SearchRun(spec: spec(), options: first).run()
        #expect(partial.records.count == 2)
        var rest = RunOptions(jobs: 2, outDir: split)
        rest.resume = true
        let resumed = try SearchRun(spec: spec(), options: rest)
        #expect(resumed.session.pending.count == 2)
        let outcome = resumed.run()
        #expect(outcome.records.count == 4)
        // The trainer is deterministic and the sampler static: identical objectives, identical order.
        #expect(summary(outcome.ranked) == summary(one.ranked))
    }

    @Test func aSecondRunOnTheFolderIsRefusedWhileTheFirstHoldsIt() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try SearchRun(spec: spec(), options: RunOptions(jobs: 1, outDir: dir))
        let again = try spec()
        #expect(throws: SessionError.self) { try SearchRun(spec: again, options: RunOptions(jobs: 1, outDir: dir)) }
        withExtendedLifetime(run) {}
    }
}
