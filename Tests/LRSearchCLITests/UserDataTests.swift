// A user's own CSV through the binary: the inferred task and class counts in `validate`, val_csv, plain-word file errors.

import Foundation
import Testing
import TestSupport

struct UserDataTests {
    static func spec(_ dataset: String) -> String {
        """
        { name: "mine", trials: 2, task: { dataset: \(dataset), model: { hidden: [4] }, epochs: 1, batch_size: 8 },
          lr: 0.1, schedules: [ { family: "constant" } ] }
        """
    }

    /// 90 rows whose label holds 0/1/2 (issue 12: this was read as a regression target).
    static let integerLabels = "a,b,label\n" + (0..<90).map { "\(Double($0) / 9),\($0 % 7),\($0 % 3)" }.joined(separator: "\n")

    @Test func validatePrintsTheInferredTaskAndTheRowsPerClass() throws {
        let dir = try scratch(["s.json5": Self.spec(#"{ csv: "d.csv", target: "label" }"#), "d.csv": Self.integerLabels])
        let r = try runLRSearch(["validate", "s.json5"], in: dir)
        #expect(r.status == 0)
        #expect(r.stdout.contains("""
            task: dataset d: 72 train / 18 val rows, 2 features, classification, 3 classes
                  1 epochs of 9 steps (batch 8), schedule stepped per epoch
                  task classification (inferred: the target 'label' holds 3 distinct integers in 90 rows; \
            set task: "regression" to override)
                  rows per class: 0 30, 1 30, 2 30

            """), "\(r.stdout)")
    }

    @Test func aSeparateValidationFileIsUsedAsIs() throws {
        let val = "a,b,label\n0.5,1,0\n0.25,2,1\n2,3,2\n1,1,1\n"
        let dir = try scratch(["s.json5": Self.spec(#"{ csv: "d.csv", target: "label", val_csv: "v.csv" }"#),
                               "d.csv": Self.integerLabels, "v.csv": val])
        let r = try runLRSearch(["validate", "s.json5"], in: dir)
        #expect(r.status == 0)
        #expect(r.stdout.contains("task: dataset d: 90 train / 4 val rows, 2 features, classification, 3 classes\n"))
        #expect(r.stdout.contains("      rows per class: 0 31, 1 32, 2 31\n"))
    }

    @Test func unreadableDataIsNamedInPlainWords() throws {
        let dir = try scratch(["s.json5": Self.spec(#"{ csv: "folder", target: "label" }"#)])
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("folder"), withIntermediateDirectories: true)
        let r = try runLRSearch(["validate", "s.json5"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr.contains("folder: cannot read the file: is a directory, not a file\n"))
        #expect(!r.stderr.contains("NSCocoaErrorDomain"))
    }
}
