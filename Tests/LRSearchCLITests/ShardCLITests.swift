// `run --shard auto`, `merge` and `compare`, run as a cluster would: Slurm array and Kubernetes Indexed Job
// variables in the environment, several processes, one folder; exact error text and exit codes.

import Foundation
import TestSupport
import Testing

/// This process's environment without any scheduler variables, plus `vars`.
private func environment(_ vars: [String: String] = [:]) -> [String: String] {
    ProcessInfo.processInfo.environment
        .filter { !$0.key.hasPrefix("SLURM_") && $0.key != "JOB_COMPLETION_INDEX" && $0.key != "LRSEARCH_SHARDS" }
        .merging(vars) { $1 }
}

/// ranked.csv of `dir` without its time column.
private func timelessCSV(_ dir: URL) throws -> [String] {
    let rows = try String(contentsOf: dir.appendingPathComponent("ranked.csv"), encoding: .utf8)
        .components(separatedBy: "\r\n").filter { !$0.isEmpty }
    let time = try #require(rows[0].split(separator: ",").firstIndex(of: "seconds"))
    return rows.map { row in
        var cells = row.split(separator: ",", omittingEmptySubsequences: false)
        cells.remove(at: time)
        return cells.joined(separator: ",")
    }
}

private func trialIndices(_ journal: URL) throws -> [Int] {
    try String(contentsOf: journal, encoding: .utf8).split(separator: "\n").compactMap { line -> Int? in
        guard line.hasPrefix("{\"op\":\"trial\""), let r = line.range(of: "\"index\":") else { return nil }
        return Int(line[r.upperBound...].prefix { $0.isNumber })
    }.sorted()
}

private let runUsage = "Usage: lrsearch run SPEC [--jobs N] [--out DIR] [--resume] [--force] [--overwrite] [--trials N] "
    + "[--epochs E] [--seed S] [--shard I/N|auto] [--join] [--join-timeout S] [--lock-grace S] [--top K] [--quiet]\n  See 'lrsearch help' for more.\n"

@Suite struct ShardCLITests {
    @Test func threeSlurmShardsMergedGiveTheRankingOfOneRun() throws {
        let dir = try scratch(["tiny.json5": tinySpec])
        let single = try runLRSearch(["run", "tiny.json5", "--out", "single", "--quiet", "--jobs", "1"], in: dir)
        #expect(single.status == 0, "\(single.stderr)")
        // sbatch --array=10-20:5 gives tasks 10, 15, 20: shards 0, 1, 2 of 3.
        for id in ["10", "15", "20"] {
            let env = environment(["SLURM_ARRAY_TASK_ID": id, "SLURM_ARRAY_TASK_MIN": "10", "SLURM_ARRAY_TASK_STEP": "5",
                                   "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MAX": "20"])
            let r = try runLRSearch(["run", "tiny.json5", "--shard", "auto", "--quiet", "--jobs", "1"], in: dir, environment: env)
            #expect(r.status == 0, "task \(id): \(r.stderr)")
        }
        let shards = (0..<3).map { "results/tiny/shard-\($0)-of-3" }
        #expect(try trialIndices(dir.appendingPathComponent(shards[1] + "/trials.jsonl")) == [1, 4])  // ≡ 1 mod 3, below 6
        let merge = try runLRSearch(["merge"] + shards, in: dir)
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(merge.stdout.hasPrefix("merged 3 folders: 6 trials → results/tiny/\n"))
        #expect(merge.stderr.hasSuffix("complete: every trial of the search is in results/tiny/trials.jsonl\n"))
        #expect(try timelessCSV(dir.appendingPathComponent("results/tiny")) == timelessCSV(dir.appendingPathComponent("single")))
        // report accepts the merged journal.
        let report = try runLRSearch(["report", "results/tiny", "--format", "csv"], in: dir)
        #expect(report.status == 0 && report.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == 7)

        let compare = try runLRSearch(["compare", "single", "results/tiny"], in: dir)
        #expect(compare.status == 0, "\(compare.stderr)")
        let lines = compare.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("search        name  objective       trials  ok  pruned  diverged  wall time"))
        #expect(lines[2].hasPrefix("single        tiny  final_val_loss       6   6       0         0"))
        #expect(lines[3].hasPrefix("results/tiny  tiny  final_val_loss       6   6       0         0"))
        #expect(lines.contains("best per family (final_val_loss, lower is better)"))
        #expect(lines.last?.hasPrefix("best overall: single, trial ") == true)
    }

    @Test func mergeEscapesFolderNamesInTheCommandsItSuggests() throws {
        let dir = try scratch(["tiny.json5": tinySpec])
        let shard = "sh\nard 1"
        let r = try runLRSearch(["run", "tiny.json5", "--shard", "1/2", "--out", shard, "--quiet", "--jobs", "1"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        // A newline in a folder name kept as is would split each suggested command over two lines.
        let merge = try runLRSearch(["merge", shard, "--out", "mer\nged"], in: dir)
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(merge.stderr.hasSuffix("""
            missing: 3 trials no folder holds (0, 2, 4)
              shard 0/2: 3 missing (no folder of this shard was merged); run `lrsearch run SPEC --shard 0/2 --out results/tiny/shard-0-of-2` (it resumes), then merge again
            or run every missing trial here: `lrsearch run SPEC --resume --out mer\\nged`

            """))
        // A journal recording more configurations × repeats than an Int holds: no made-up count, no "(, …)".
        let journal = dir.appendingPathComponent(shard + "/trials.jsonl")
        let text = try String(contentsOf: journal, encoding: .utf8)
            .replacingOccurrences(of: "\"configurations\":6,\"repeats\":1", with: "\"configurations\":4e18,\"repeats\":4e18")
        #expect(text.contains("4e18"))
        try text.write(to: journal, atomically: true, encoding: .utf8)
        let huge = try runLRSearch(["merge", shard, "--out", "huge"], in: dir)
        #expect(huge.status == 0, "\(huge.stderr)")
        #expect(huge.stderr.hasSuffix("missing: more than 2^63 trials no folder holds (the journals record more "
                                      + "configurations × repeats than that); check their start records\n"))
    }

    @Test func kubernetesIndexedJobShardsAndReRunsResume() throws {
        let dir = try scratch(["tiny.json5": tinySpec])
        let env = environment(["JOB_COMPLETION_INDEX": "1", "LRSEARCH_SHARDS": "2"])
        let first = try runLRSearch(["run", "tiny.json5", "--shard", "auto", "--quiet", "--jobs", "1"], in: dir, environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        let journal = dir.appendingPathComponent("results/tiny/shard-1-of-2/trials.jsonl")
        #expect(try trialIndices(journal) == [1, 3, 5])
        // The pod replaced with the same index: the same command resumes, runs nothing twice.
        let again = try runLRSearch(["run", "tiny.json5", "--shard", "auto", "--quiet", "--jobs", "1"], in: dir, environment: env)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try trialIndices(journal) == [1, 3, 5])
        #expect(try String(contentsOf: journal, encoding: .utf8).contains("{\"op\":\"resume\""))

        // Only shard 1 of 2 merged: shard 0's trials are missing, and merge says how to run them.
        let merge = try runLRSearch(["merge", "results/tiny/shard-1-of-2", "--out", "merged"], in: dir)
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(merge.stderr.hasSuffix("""
            missing: 3 trials no folder holds (0, 2, 4)
              shard 0/2: 3 missing (no folder of this shard was merged); run `lrsearch run SPEC --shard 0/2 --out results/tiny/shard-0-of-2` (it resumes), then merge again
            or run every missing trial here: `lrsearch run SPEC --resume --out merged`

            """))
        let resume = try runLRSearch(["run", "tiny.json5", "--resume", "--out", "merged", "--quiet", "--jobs", "1"], in: dir)
        #expect(resume.status == 0, "\(resume.stderr)")
        #expect(try trialIndices(dir.appendingPathComponent("merged/trials.jsonl")) == [0, 1, 2, 3, 4, 5])
    }

    @Test func badSchedulerVariablesAreUsageErrorsNamingThem() throws {
        let dir = try scratch(["tiny.json5": tinySpec])
        func run(_ vars: [String: String]) throws -> ProcessOutput {
            try runLRSearch(["run", "tiny.json5", "--shard", "auto", "--quiet"], in: dir, environment: environment(vars))
        }
        let none = try run([:])
        #expect(none.status == 64)
        #expect(none.stderr == "Error: --shard auto: neither a Slurm array task (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN, "
                + "SLURM_ARRAY_TASK_STEP, SLURM_ARRAY_TASK_COUNT) nor a Kubernetes Indexed Job (JOB_COMPLETION_INDEX with "
                + "LRSEARCH_SHARDS) is set; give the shard as --shard I/N instead\n" + runUsage)
        let list = try run(["SLURM_ARRAY_TASK_ID": "9", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_STEP": "1",
                            "SLURM_ARRAY_TASK_COUNT": "3"])  // --array=1,4,9
        #expect(list.status == 64)
        #expect(list.stderr.hasPrefix("Error: --shard auto: SLURM_ARRAY_TASK_ID=9 is not one of the 3 tasks"))
        let k8s = try run(["JOB_COMPLETION_INDEX": "0"])
        #expect(k8s.status == 64 && k8s.stderr.hasPrefix("Error: --shard auto: JOB_COMPLETION_INDEX is set but LRSEARCH_SHARDS is not"))
        let bad = try runLRSearch(["run", "tiny.json5", "--shard", "1/0"], in: dir)
        #expect(bad.status == 64 && bad.stderr == "Error: --shard expects I/N with 0 <= I < N, or auto, got '1/0'\n" + runUsage)
        // Nothing ran.
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("results").path))
    }

    @Test func tpeAndPrunedSpecsPointToJoin() throws {
        let tpe = tinySpec.replacingOccurrences(of: "trials: 6,", with: "trials: 6, sampler: \"tpe\",")
        let dir = try scratch(["tpe.json5": tpe])
        let r = try runLRSearch(["run", "tpe.json5", "--shard", "0/2", "--quiet"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr == "Error: tpe.json5:2:46: sampler: \"tpe\" learns from every earlier trial, but shards share nothing; "
                + "run every process as a peer with --join on one shared folder instead of --shard\n")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("results").path))  // nothing created
    }

    @Test func mergeAndCompareRefuseWhatDoesNotFit() throws {
        let dir = try scratch(["tiny.json5": tinySpec])
        #expect(try runLRSearch(["run", "tiny.json5", "--shard", "0/2", "--quiet", "--jobs", "1"], in: dir).status == 0)
        #expect(try runLRSearch(["run", "tiny.json5", "--shard", "1/2", "--seed", "9", "--quiet", "--jobs", "1"], in: dir).status == 0)
        let merge = try runLRSearch(["merge", "results/tiny/shard-0-of-2", "results/tiny/shard-1-of-2", "--out", "m"], in: dir)
        #expect(merge.status == 64)
        #expect(merge.stderr.hasPrefix("Error: the folders hold different searches (spec hash "))
        #expect(merge.stderr.contains(": results/tiny/shard-0-of-2; spec hash ") && merge.stderr.contains(": results/tiny/shard-1-of-2)"))
        let missing = try runLRSearch(["merge", "nowhere"], in: dir)
        #expect(missing.status == 64 && missing.stderr == "Error: nowhere/trials.jsonl: cannot read the search's name from it; pass --out DIR\n")
        let one = try runLRSearch(["compare", "results/tiny/shard-0-of-2"], in: dir)
        #expect(one.status == 64 && one.stderr.hasPrefix("Error: compare needs at least two results folders, got 1\n"))
        let help = try runLRSearch(["help", "merge"])
        #expect(help.status == 0 && help.stdout.contains("USAGE: lrsearch merge DIR... [--out DIR] [--top K]"))
    }
}
