// `lrsearch datasets`: the built-in and synthetic datasets with their shapes and task.

import Foundation
import Trainer

extension LRSearch {
    static let datasets = CommandSpec(
        name: "datasets", abstract: "List the built-in and synthetic datasets with their shapes and task.",
        run: { _ in
            print(DatasetsCommand.listing())
            return .success
        })
}

enum DatasetsCommand {
    static func listing() -> String {
        var lines = ["BUILT-IN (task.dataset: \"name\")",
                     "  name            rows  features  task",]
        for b in BuiltinDataset.all {
            lines.append("  " + TrainCommand.pad(b.name, 14) + TrainCommand.pad(String(b.rows), 6, left: true)
                         + TrainCommand.pad(String(b.features), 10, left: true)
                         + "  classification, \(b.classes) classes — \(b.summary)")
        }
        lines += ["", "SYNTHETIC (task.dataset: { name: \"spirals\", n, noise, classes, features, seed })",
                  "  name            rows  features  task"]
        for kind in SyntheticSpec.Kind.allCases {
            let s = SyntheticSpec(kind)
            let task = s.kind == .teacher || s.kind == .sine ? "regression" : "classification, \(s.classes) classes"
            lines.append("  " + TrainCommand.pad(kind.rawValue, 14) + TrainCommand.pad(String(s.n), 6, left: true)
                         + TrainCommand.pad(String(s.features), 10, left: true)
                         + "  \(task) (defaults: noise \(s.noise))")
        }
        lines += ["", "CSV (task.dataset: { csv: \"file.csv\", target: \"column\", task: \"classification\" | \"regression\" })",
                  "  header row; numeric features; a non-numeric target means classification."]
        return lines.joined(separator: "\n")
    }
}
