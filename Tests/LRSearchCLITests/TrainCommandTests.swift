// `lrsearch train`, `datasets` and `bench --help`, run as a user would: output, errors and exit codes.

import Foundation
import LRSearchCLI
import TestSupport
import Testing

@Suite struct TrainCommandTests {
    /// Writes `text` to a fresh temporary directory as `name` and returns the directory.
    func scratch(_ files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrsearch-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return dir
    }

    static let small = """
        { seed: 1, task: { dataset: "iris", model: { hidden: [8] }, epochs: 3, batch_size: 16 },
          optimizer: { kind: "sgd", momentum: 0.9 }, schedule: { family: "cosine", lr: 0.1 } }
        """

    @Test func trainPrintsTheEpochTableAndStatus() throws {
        let dir = try scratch(["c.json5": Self.small])
        let r = try runLRSearch(["train", "c.json5"], in: dir)
        #expect(r.status == 0)
        #expect(r.stderr == "")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "dataset iris: 120 train / 30 val rows, 4 features, classification, 3 classes")
        #expect(lines.dropFirst().first == "epoch  lr            train loss    val loss      val acc   seconds")
        #expect(lines.count == 6)
        #expect(lines[2].hasPrefix("    1  0.1 "))
        #expect(lines.last?.hasPrefix("status: ok (3 epochs, 24 steps, ") == true)
    }

    @Test func trainJSONPrintsTheTrialRecord() throws {
        let dir = try scratch(["c.json5": Self.small])
        let r = try runLRSearch(["train", "c.json5", "--json"], in: dir)
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("{\n  \"op\": \"trial\","))
        #expect(r.stdout.contains("\"status\": \"ok\""))
        #expect(r.stdout.contains("\"family\": \"cosine\""))
        #expect(r.stdout.contains("\"val_accuracy\""))
    }

    @Test func divergingTrialExitsZeroAndSaysSo() throws {
        let config = """
            { task: { dataset: "digits", model: { hidden: [32] }, epochs: 5 },
              optimizer: { momentum: 0.9 }, schedule: { family: "constant", lr: 100 } }
            """
        let r = try runLRSearch(["train", "c.json5"], in: try scratch(["c.json5": config]))
        #expect(r.status == 0)
        #expect(r.stdout.contains("status: diverged at epoch "))
    }

    @Test func configErrorIsLocatedAndExits64() throws {
        let config = "{ task: { dataset: \"iris\",\n  epochs: -1 }, schedule: { family: \"constant\", lr: 0.1 } }"
        let r = try runLRSearch(["train", "c.json5"], in: try scratch(["c.json5": config]))
        #expect(r.stdout == "")
        #expect(r.stderr == """
            Error: c.json5:2:11: task.epochs: must be >= 1, got -1
            Usage: lrsearch train [CONFIG] [--json] [--protocol]
              See 'lrsearch help' for more.

            """)
        #expect(r.status == 64)
    }

    @Test func badCSVIsLocatedAndExits64() throws {
        let config = #"{ task: { dataset: { csv: "d.csv", target: "y" } }, schedule: { family: "constant", lr: 0.1 } }"#
        let dir = try scratch(["c.json5": config, "d.csv": "a,b,y\n1,2,3\n4,x,5\n"])
        let r = try runLRSearch(["train", "c.json5"], in: dir)
        let csv = dir.appendingPathComponent("d.csv").path
        #expect(r.stderr.hasPrefix("Error: c.json5:1:20: task.dataset: \(csv):3:2: column 'b': expected a number, got 'x'\n"))
        #expect(r.status == 64)
    }

    @Test func syntaxErrorIsLocated() throws {
        let r = try runLRSearch(["train", "c.json5"], in: try scratch(["c.json5": "{ task: }"]))
        #expect(r.stderr.hasPrefix("Error: c.json5:1:9: expected a value, found '}'\n"))
        #expect(r.status == 64)
    }

    @Test func datasetsListsTheBuiltinsWithShapes() throws {
        let r = try runLRSearch(["datasets"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("  digits          1797        64  classification, 10 classes"))
        #expect(r.stdout.contains("  breast_cancer    569        30  classification, 2 classes"))
        #expect(r.stdout.contains("  teacher         1000        10  regression"))
    }

    @Test func benchSearchVariantsAreChecked() throws {
        let r = try runLRSearch(["bench", "--search", "searches/quickstart.json5", "--variants", "random,rnd"])
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix(
            "Error: --variants: unknown variant 'rnd'; valid: random, tpe, random+asha(3,3), random+asha(5,2)\n"))
    }

    @Test func benchHelpDescribesTheReferenceTrial() throws {
        let r = try runLRSearch(["bench", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("OVERVIEW: Print GEMM GFLOP/s and the reference trial's time (build with -c release)."))
        #expect(r.stdout.contains("USAGE: lrsearch bench [ROWS] [--trials N] [--skip-gemm] [--data]"))
        #expect(r.stdout.contains("  --data                Instead: CSV loading speed and peak memory on ROWS generated rows.\n"))
    }
}
