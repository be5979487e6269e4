// `lrsearch run` and `validate`, run as a user would: files written, jobs-independence, resume, Ctrl-C.

import Foundation
import TestSupport
import Testing

/// A tiny search: 6 trials of 3 epochs on iris, two families.
let tinySpec = """
    {
      name: "tiny", seed: 5, trials: 6,
      task: { dataset: "iris", model: { hidden: [8] }, epochs: 3, batch_size: 16 },
      optimizer: { kind: "sgd", momentum: 0.9 },
      lr: { loguniform: [0.01, 0.3] },
      schedules: [ { family: "cosine" }, { family: "step", step_size: 1, gamma: { uniform: [0.3, 0.9] } } ],
    }
    """

func scratch(_ files: [String: String] = [:]) throws -> URL {
    let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("lrsearch-cli-" + UUID().uuidString)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    return dir
}

func lines(_ url: URL) throws -> [String] {
    try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
}

/// ranked.csv without its timing column, which is the only thing allowed to differ between runs.
func rankingWithoutSeconds(_ dir: URL) throws -> [String] {
    try String(contentsOf: dir.appendingPathComponent("ranked.csv"), encoding: .utf8)
        .components(separatedBy: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false)
            .enumerated().filter { $0.offset != 11 }.map { String($0.element) }.joined(separator: ",") }
}

@Suite struct RunCommandTests {
    @Test func writesTheJournalTheRankingAndARunnableBestConfig() throws {
        let dir = try scratch(["tiny.json5": tinySpec])
        let r = try runLRSearch(["run", "tiny.json5", "--quiet"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr == "")
        #expect(r.stdout.hasPrefix("rank  trial  family"))
        #expect(r.stdout.contains("best: trial "))
        let out = dir.appendingPathComponent("results/tiny")
        let journal = try lines(out.appendingPathComponent("trials.jsonl"))
        #expect(journal.count == 8)  // the start record, six trials and the end record
        #expect(journal[0].hasPrefix("{\"op\":\"start\",\"version\":3,\"name\":\"tiny\""))
        #expect(journal[0].contains("\"objective\":\"final_val_loss\",\"sampler\":\"random\",\"jobs\":"))
        #expect(journal[7].hasPrefix("{\"op\":\"end\",\"seconds\":"))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("loss-curves.svg").path))
        #expect(try lines(out.appendingPathComponent("ranked.md")).count == 4 + 6)  // title, summary, header, rule; six rows
        let csv = try String(contentsOf: out.appendingPathComponent("ranked.csv"), encoding: .utf8)
        #expect(csv.components(separatedBy: "\r\n").count == 1 + 6 + 1)
        let train = try runLRSearch(["train", "results/tiny/best.json"], in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("status: ok"))
    }

    @Test func runningAFinishedSearchAgainShowsItsRanking() throws {
        let dir = try scratch(["tiny.json5": tinySpec])
        let first = try runLRSearch(["run", "tiny.json5", "--quiet"], in: dir)
        let journal = dir.appendingPathComponent("results/tiny/trials.jsonl")
        let before = try String(contentsOf: journal, encoding: .utf8)
        let again = try runLRSearch(["run", "tiny.json5"], in: dir)
        #expect(again.status == 0)
        #expect(again.stderr == "results/tiny/ already holds this search, finished; showing its ranking (--overwrite runs it again).\n")
        #expect(again.stdout == first.stdout)
        #expect(try String(contentsOf: journal, encoding: .utf8) == before)  // nothing appended
    }

    @Test func theRankingIsTheSameWithOneJobOrTwo() throws {
        let dir = try scratch(["tiny.json5": tinySpec])
        let a = try runLRSearch(["run", "tiny.json5", "--quiet", "--jobs", "1", "--out", "one"], in: dir)
        let b = try runLRSearch(["run", "tiny.json5", "--quiet", "--jobs", "2", "--out", "two"], in: dir)
        #expect(a.status == 0 && b.status == 0)
        let one = try rankingWithoutSeconds(dir.appendingPathComponent("one"))
        #expect(one.count == 8)
        #expect(one == (try rankingWithoutSeconds(dir.appendingPathComponent("two"))))
    }

    @Test func repeatsRunEverySeedAndRankByTheMean() throws {
        let dir = try scratch(["tiny.json5": tinySpec.replacingOccurrences(of: "trials: 6", with: "trials: 3, repeats: 2")])
        let r = try runLRSearch(["run", "tiny.json5", "--quiet"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let journal = try lines(dir.appendingPathComponent("results/tiny/trials.jsonl"))
        #expect(journal.filter { $0.contains("\"repeat\":1") }.count == 3)  // the second seed of each configuration
        #expect(journal.count == 1 + 3 * 2 + 1)  // start, three configurations × two seeds, end
        let rows = r.stdout.split(separator: "\n").dropFirst(2).prefix(3)
        #expect(rows.count == 3 && rows.allSatisfy { $0.contains(" ± ") })
    }

    @Test func resumeRunsOnlyWhatIsMissingAfterACrash() throws {
        let dir = try scratch(["tiny.json5": tinySpec])
        #expect(try runLRSearch(["run", "tiny.json5", "--quiet", "--trials", "4"], in: dir).status == 0)
        let journal = dir.appendingPathComponent("results/tiny/trials.jsonl")
        // A crash mid-write: a torn fragment of a fifth record at the end.
        let handle = try FileHandle(forWritingTo: journal)
        handle.seekToEndOfFile()
        handle.write(Data("{\"op\":\"trial\",\"index\":4,\"repe".utf8))
        try handle.close()
        let again = try runLRSearch(["run", "tiny.json5", "--quiet", "--trials", "6"], in: dir)
        #expect(again.status == 64)
        #expect(again.stderr.contains("already holds a search (4 finished trials); pass --resume"))
        let r = try runLRSearch(["run", "tiny.json5", "--trials", "6", "--resume"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("(resuming: 4 finished, 2 to run)"))
        let indices = try lines(journal).compactMap { line -> Int? in
            guard line.hasPrefix("{\"op\":\"trial\"") else { return nil }
            return Int(line.split(separator: ",")[1].split(separator: ":")[1])
        }
        #expect(indices.sorted() == [0, 1, 2, 3, 4, 5])  // each trial exactly once, the torn one re-run
        // The resumed ranking equals one run straight through.
        #expect(try runLRSearch(["run", "tiny.json5", "--quiet", "--out", "straight"], in: dir).status == 0)
        #expect(try rankingWithoutSeconds(dir.appendingPathComponent("results/tiny"))
                == (try rankingWithoutSeconds(dir.appendingPathComponent("straight"))))
    }

    @Test func prunedTrialsAreJournaledAndNotRerunOnResume() throws {
        let spec = tinySpec.replacingOccurrences(of: "trials: 6", with: "trials: 12")
            .replacingOccurrences(of: "epochs: 3", with: "epochs: 9")
            .replacingOccurrences(of: "  schedules:", with: "  pruner: { kind: 'asha', min_epochs: 1, reduction_factor: 3 },\n  schedules:")
        let dir = try scratch(["p.json5": spec])
        #expect(try runLRSearch(["run", "p.json5", "--quiet", "--trials", "8", "--jobs", "1"], in: dir).status == 0)
        let journal = dir.appendingPathComponent("results/tiny/trials.jsonl")
        let first = try lines(journal).filter { $0.hasPrefix("{\"op\":\"trial\"") }
        let pruned = first.filter { $0.contains("\"status\":\"pruned\"") }
        #expect(pruned.count >= 1 && pruned.count < 8)
        #expect(try runLRSearch(["run", "p.json5", "--quiet", "--resume", "--trials", "12"], in: dir).status == 0)
        let after = try lines(journal).filter { $0.hasPrefix("{\"op\":\"trial\"") }
        #expect(after.count == 12)  // the 8 earlier trials, pruned ones included, are not run again
        #expect(Array(after.prefix(8)) == first)
    }

    @Test func aChangedSpecIsNotResumedWithoutForce() throws {
        let dir = try scratch(["tiny.json5": tinySpec])
        #expect(try runLRSearch(["run", "tiny.json5", "--quiet", "--trials", "2"], in: dir).status == 0)
        try tinySpec.replacingOccurrences(of: "seed: 5", with: "seed: 6")
            .write(to: dir.appendingPathComponent("tiny.json5"), atomically: true, encoding: .utf8)
        let r = try runLRSearch(["run", "tiny.json5", "--quiet", "--resume"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("Error: results/tiny/trials.jsonl was written by a different spec (hash "))
        #expect(try runLRSearch(["run", "tiny.json5", "--quiet", "--resume", "--force"], in: dir).status == 0)
    }

    @Test func specErrorsAreAllReportedWithTheirPlaceAndExit64() throws {
        let bad = tinySpec.replacingOccurrences(of: "trials: 6", with: "trials: 6, samplr: 'grid'")
            .replacingOccurrences(of: "step_size: 1", with: "step_size: -1")
        let dir = try scratch(["bad.json5": bad])
        for command in ["run", "validate"] {
            let r = try runLRSearch([command, "bad.json5"], in: dir)
            #expect(r.status == 64)
            #expect(r.stdout == "")
            // Both at once: a top-level problem no longer hides the trial-level one.
            #expect(r.stderr == """
                Error: 2 problems in the spec:
                bad.json5:2:37: unknown key 'samplr' (did you mean 'sampler'?)
                bad.json5:6:67: schedules[1].step_size: must be a positive integer, got -1

                """, "\(command)")
        }
        let fixed = tinySpec.replacingOccurrences(of: "step_size: 1", with: "step_size: -1")
        try fixed.write(to: dir.appendingPathComponent("bad.json5"), atomically: true, encoding: .utf8)
        let r = try runLRSearch(["validate", "bad.json5"], in: dir)
        #expect(r.stderr == "Error: bad.json5:6:67: schedules[1].step_size: must be a positive integer, got -1\n")
        #expect(r.status == 64)
    }

    @Test func aTaskErrorDoesNotHideScheduleErrors() throws {
        let spec = """
            {
              task: { dataset: "iris", epoch: 3 },
              schedules: [{ family: "cosin" }, { family: "step", step_size: 2, gama: 0.5 }],
            }
            """
        let dir = try scratch(["b.json5": spec])
        let r = try runLRSearch(["validate", "b.json5"], in: dir)
        #expect(r.status == 64)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0] == "Error: 3 problems in the spec:")
        #expect(lines[1] == "b.json5:2:28: task: unknown key 'epoch' (did you mean 'epochs'?)")
        #expect(lines[2].hasPrefix("b.json5:3:25: schedules[0].family: unknown family \"cosin\" (did you mean 'cosine'?); valid families: constant, step,"))
        #expect(lines[3] == "b.json5:3:68: schedules[1]: unknown key 'gama' (did you mean 'gamma'?)")
    }

    @Test func taskOptimizerAndScheduleErrorsAreAllReported() throws {
        let spec = """
            {
              task: { dataset: "iris", model: { activation: "relux" } },
              optimizer: { momentum: -1 },
              schedules: [{ family: "cosine", eta_min: -1 }, { family: "explr", weight_decay: 5e-4 }],
            }
            """
        let dir = try scratch(["c.json5": spec])
        let r = try runLRSearch(["validate", "c.json5"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr == """
            Error: 3 problems in the spec:
            c.json5:2:49: task.model.activation: expected one of relu, tanh, gelu, got "relux" (did you mean 'relu'?)
            c.json5:3:26: optimizer.momentum: must be a finite number >= 0, got -1
            c.json5:4:44: schedules[0].eta_min: must be >= 0, got -1

            """)
    }

    @Test func anEpochsOverrideThatBreaksARangeSaysSo() throws {
        let spec = tinySpec.replacingOccurrences(of: #"{ family: "cosine" }"#,
                                                 with: #"{ family: "wsd", warmup_steps: 1, decay_steps: 2 }"#)
        let dir = try scratch(["w.json5": spec])
        let r = try runLRSearch(["run", "w.json5", "--epochs", "2"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr == """
            Error: w.json5:6:16: schedules[0].total_steps: must be >= warmup_steps + decay_steps (3), got 2
            (--epochs 2 changed the run length these values are checked against; without it the spec's own epochs apply)

            """)
    }

    @Test func validatePrintsTheSpaceAndTheTrialCount() throws {
        let dir = try scratch(["tiny.json5": tinySpec])
        let r = try runLRSearch(["validate", "tiny.json5"], in: dir)
        #expect(r.status == 0)
        // The memory line's last part depends on the machine (its cores and memory).
        let (text, memory) = try #require(r.stdout.split(separator: "memory: ", maxSplits: 1).map(String.init).pairs)
        // derivation: P = (4·8 + 8) + (8·3 + 3) = 67 Float32 parameters = 268 bytes; SGD momentum: one buffer.
        #expect(memory.hasPrefix("about 8.65 KB per trial (weights 268 bytes, gradients 268 bytes, optimizer state 268 bytes, "
                                 + "activations 3.89 KB, data copy 3.96 KB) + dataset 3.0 KB;\n        "))
        #expect(text == """
            tiny: valid.
            objective final_val_loss (minimised), sampler random
            task: dataset iris: 120 train / 30 val rows, 4 features, classification, 3 classes
                  3 epochs of 8 steps (batch 16), schedule stepped per epoch
                  rows per class: setosa 50, versicolor 50, virginica 50

            sampled for every family:
              lr  loguniform(0.01, 0.3)

            schedule families (2):
              [0] cosine
              [1] step    step_size 1, gamma uniform(0.3, 0.9)

            trials: 6

            """)
    }

    @Test func ctrlCStopsHandingOutTrialsWritesTheRankingAndExits130() throws {
        let long = tinySpec.replacingOccurrences(of: "trials: 6", with: "trials: 400")
            .replacingOccurrences(of: "dataset: \"iris\", model: { hidden: [8] }, epochs: 3",
                                  with: "dataset: \"digits\", model: { hidden: [64] }, epochs: 5")
        let dir = try scratch(["long.json5": long])
        let process = Process()
        process.executableURL = lrsearchBinary()
        process.arguments = ["run", "long.json5", "--jobs", "1", "--quiet"]
        process.currentDirectoryURL = dir
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let journal = dir.appendingPathComponent("results/tiny/trials.jsonl")
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, ((try? lines(journal).count) ?? 0) < 3 { Thread.sleep(forTimeInterval: 0.02) }
        process.interrupt()  // SIGINT, as Ctrl-C
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let finished = try lines(journal).filter { $0.hasPrefix("{\"op\":\"trial\"") }.count
        #expect(finished >= 2 && finished < 400)
        #expect(stderr.hasSuffix("interrupted: \(finished) of 400 trials are in results/tiny/trials.jsonl; "
                                 + "`lrsearch run long.json5 --resume` runs the other \(400 - finished)\n"), "\(stderr)")
        let ranked = try lines(dir.appendingPathComponent("results/tiny/ranked.md"))
        #expect(ranked.count == 4 + finished)  // title, summary, header, rule, then every finished trial
    }
}
