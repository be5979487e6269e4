// PBT through the binary: `run` then `train best.json` gives the winner's final validation loss to the bit;
// a bad strategy is a located spec error with exit 64.

import Foundation
import JSON5
import LRSearchCLI
import TestSupport
import Testing

@Suite struct PBTCommandTests {
    static let spec = """
        { name: "p", seed: 3,
          strategy: { kind: "pbt", population: 4, interval_epochs: 1 },
          task: { dataset: "iris", model: { hidden: [8] }, epochs: 4, batch_size: 16 },
          optimizer: { kind: "sgd", momentum: { uniform: [0.5, 0.9] } },
          lr: { loguniform: [0.01, 0.5] } }
        """

    func scratch(_ text: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrsearch-pbt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try text.write(to: dir.appendingPathComponent("s.json5"), atomically: true, encoding: .utf8)
        return dir
    }

    /// The val_loss numbers of a JSON text, in order.
    func valLosses(_ text: String) -> [String] {
        text.components(separatedBy: "\"val_loss\"").dropFirst().map { s in
            String(s.drop { $0 == ":" || $0 == " " }.prefix { $0 != "," && $0 != "\n" && $0 != "}" })
        }
    }

    @Test func validateCountsThePopulationNotTheCores() throws {
        // Every member is in memory at once, twice at a boundary: 2 × 4 member states, not one per core.
        let dir = try scratch(Self.spec)
        let v = try runLRSearch(["validate", "s.json5"], in: dir)
        #expect(v.status == 0 && v.stdout.contains("a population of 4 (twice at an interval boundary) needs about "), "\(v.stdout)")
        let t = try runLRSearch(["validate", "s.json5", "--trials", "6"], in: dir)
        #expect(t.stdout.contains("a population of 6 (twice"), "\(t.stdout)")
    }

    @Test func trainingBestJSONReproducesTheWinnersFinalValidationLoss() throws {
        let dir = try scratch(Self.spec)
        let run = try runLRSearch(["run", "s.json5", "--jobs", "2", "--out", "out", "--quiet"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let best = try String(contentsOf: dir.appendingPathComponent("out/best.json"), encoding: .utf8)
        #expect(best.contains("\"family\": \"piecewise\"") && best.contains("\"hyperparameter_paths\""))
        let train = try runLRSearch(["train", "out/best.json", "--json"], in: dir)
        #expect(train.status == 0)
        // A population is one search, not a shard: merge refuses it (compare takes it).
        let merge = try runLRSearch(["merge", "out", "--out", "merged"], in: dir)
        #expect(merge.status == 64 && merge.stderr.hasPrefix("Error: out: holds a population-based training search (pbt.jsonl)"),
                "\(merge.stderr)")
        // The winner is the first row of ranked.csv; its record in trials.jsonl holds its epochs.
        let csv = try String(contentsOf: dir.appendingPathComponent("out/ranked.csv"), encoding: .utf8)
        let winnerRow = try #require(csv.split(whereSeparator: \.isNewline).dropFirst().first)
        let trial = try #require(winnerRow.split(separator: ",").dropFirst().first)
        let journal = try String(contentsOf: dir.appendingPathComponent("out/trials.jsonl"), encoding: .utf8)
        let line = try #require(journal.split(separator: "\n").first { $0.contains("\"op\":\"trial\"") && $0.contains("\"index\":\(trial),") })
        let recorded = valLosses(String(line)), replayed = valLosses(train.stdout)
        #expect(recorded.count == 4 && recorded == replayed, "recorded \(recorded), replayed \(replayed)")
    }

    /// --join and --shard do not apply to PBT (one process trains the population); --trials sets the
    /// population, within its bounds, and a population too large for memory is refused naming it.
    @Test func flagsThatDoNotApplyAreRefused() throws {
        let dir = try scratch(Self.spec)
        let join = try runLRSearch(["run", "s.json5", "--join", "--out", "j", "--quiet"], in: dir)
        #expect(join.status == 64 && join.stderr.hasPrefix("Error: --join does not apply to strategy pbt"), "\(join.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("j").path))
        let shard = try runLRSearch(["run", "s.json5", "--shard", "0/2", "--out", "s", "--quiet"], in: dir)
        #expect(shard.status == 64 && shard.stderr.hasPrefix("Error: --shard does not apply to strategy pbt"), "\(shard.stderr)")
        let twoEpochIntervals = Self.spec.replacingOccurrences(of: "interval_epochs: 1", with: "interval_epochs: 2")
        try twoEpochIntervals.write(to: dir.appendingPathComponent("i.json5"), atomically: true, encoding: .utf8)
        let short = try runLRSearch(["run", "i.json5", "--epochs", "1", "--out", "e", "--quiet"], in: dir)
        #expect(short.status == 64, "\(short.stderr)")
        #expect(short.stderr.hasPrefix("Error: --epochs 1 is shorter than one interval (strategy.interval_epochs = 2 in i.json5)"),
                "\(short.stderr)")
        for t in ["1", "1025"] {
            let r = try runLRSearch(["run", "s.json5", "--trials", t, "--out", "t", "--quiet"], in: dir)
            #expect(r.status == 64, "\(r.stderr)")
            #expect(r.stderr.hasPrefix("Error: --trials sets the population with strategy pbt: expected 2 to 1024, got \(t)"),
                    "\(r.stderr)")
        }
        // 1024 members of 4096×4096 weights (about 270 MB each, twice at a boundary): more than any test machine.
        let wide = Self.spec.replacingOccurrences(of: "hidden: [8]", with: "hidden: [4096, 4096]")
        try wide.write(to: dir.appendingPathComponent("w.json5"), atomically: true, encoding: .utf8)
        let memory = try runLRSearch(["run", "w.json5", "--trials", "1024", "--out", "w", "--quiet"], in: dir)
        #expect(memory.status == 64, "\(memory.stderr)")
        #expect(memory.stderr.hasPrefix("Error: --trials 1024: 1024 members are all in memory at once"), "\(memory.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("w").path))
    }

    /// A damaged snapshot is bad input (exit 64, naming the file and the byte), as a damaged journal is.
    @Test func damagedSnapshotIsExit64() throws {
        let dir = try scratch(Self.spec)
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("LRSEARCH-PBT".utf8).write(to: out.appendingPathComponent("pbt-snapshot.bin"))
        try Data().write(to: out.appendingPathComponent("pbt.jsonl"))
        let r = try runLRSearch(["run", "s.json5", "--resume", "--out", "out", "--quiet"], in: dir)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("Error: out/pbt-snapshot.bin: not a PBT snapshot (bad magic line) (at byte 0 of 12)"), "\(r.stderr)")
    }

    @Test func badStrategyIsALocatedSpecError() throws {
        let dir = try scratch(Self.spec.replacingOccurrences(of: "population: 4", with: "population: 1"))
        let r = try runLRSearch(["run", "s.json5", "--out", "out"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("Error: s.json5:2:40: strategy.population: must be an integer in [2, 1024]"), "\(r.stderr)")
    }
}
