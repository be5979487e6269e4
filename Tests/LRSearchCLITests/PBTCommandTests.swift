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

    @Test func trainingBestJSONReproducesTheWinnersFinalValidationLoss() throws {
        let dir = try scratch(Self.spec)
        let run = try runLRSearch(["run", "s.json5", "--jobs", "2", "--out", "out", "--quiet"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let best = try String(contentsOf: dir.appendingPathComponent("out/best.json"), encoding: .utf8)
        #expect(best.contains("\"family\": \"piecewise\"") && best.contains("\"hyperparameter_paths\""))
        let train = try runLRSearch(["train", "out/best.json", "--json"], in: dir)
        #expect(train.status == 0)
        // The winner is the first row of ranked.csv; its record in trials.jsonl holds its epochs.
        let csv = try String(contentsOf: dir.appendingPathComponent("out/ranked.csv"), encoding: .utf8)
        let winnerRow = try #require(csv.split(whereSeparator: \.isNewline).dropFirst().first)
        let trial = try #require(winnerRow.split(separator: ",").dropFirst().first)
        let journal = try String(contentsOf: dir.appendingPathComponent("out/trials.jsonl"), encoding: .utf8)
        let line = try #require(journal.split(separator: "\n").first { $0.contains("\"op\":\"trial\"") && $0.contains("\"index\":\(trial),") })
        let recorded = valLosses(String(line)), replayed = valLosses(train.stdout)
        #expect(recorded.count == 4 && recorded == replayed, "recorded \(recorded), replayed \(replayed)")
    }

    @Test func badStrategyIsALocatedSpecError() throws {
        let dir = try scratch(Self.spec.replacingOccurrences(of: "population: 4", with: "population: 1"))
        let r = try runLRSearch(["run", "s.json5", "--out", "out"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("Error: s.json5:2:40: strategy.population: must be an integer in [2, 1024]"), "\(r.stderr)")
    }
}
