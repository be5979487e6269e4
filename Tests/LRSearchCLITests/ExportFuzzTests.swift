// Fuzz `lrsearch export`: mutated trial configs (every schedule seed of FuzzTests inside a best.json) in each
// format; the same oracle as FuzzTests (no trap, no hang, exit 0 or a located exit 64, printable output).

import Foundation
import Testing
import TestSupport

@Suite struct ExportFuzzTests {
    @Test func mutatedConfigsAreExportedOrRejectedWithALocation() throws {
        try Fuzz.run(target: "export", defaultCases: 48) { index, rng in
            let schedule = Fuzz.scheduleSeeds[index % Fuzz.scheduleSeeds.count]
            let unit = index % 3 == 0 ? "step" : "epoch"
            let config = "{ seed: 1,\n  task: { dataset: \"iris\", epochs: 4, batch_size: 16, schedule_unit: \"\(unit)\" },\n"
                + "  optimizer: { kind: \"sgd\", momentum: 0.9, weight_decay: { mode: \"new\", lambda_new: 1e-4 } },\n"
                + "  schedule: \(schedule) }\n"
            let kind = Fuzz.json5Kinds.randomElement(using: &rng)!
            // pytorch, json, then csv (bounded rows: a mutated epochs count must not make the table the test).
            let format = [["--format", "pytorch"], ["--format", "json"], ["--format", "csv", "--steps", "50"]][index % 3]
            return FuzzCase(kind: kind, files: ["best.json": mutate(Array(config.utf8), kind, using: &rng)],
                            mutated: "best.json", args: ["export", "best.json"] + format)
        }
    }
}
