// Results that must not mislead: an objective the task cannot compute, a search with no number to rank.

import Foundation
import TestSupport
import Testing

@Suite struct TruthfulResultsTests {
    /// Accuracy on a regression task: every trial would rank as NaN. Refused before anything runs.
    @Test func anObjectiveTheTaskCannotComputeIsASpecError() throws {
        let spec = """
            { name: "reg", trials: 2, objective: "final_val_accuracy",
              task: { dataset: { name: "sine" }, epochs: 2 },
              schedules: [{ family: "cosine" }] }
            """
        let dir = try scratch(["reg.json5": spec])
        for command in ["validate", "run"] {
            let r = try runLRSearch([command, "reg.json5", "--quiet"].filter { command == "run" || $0 != "--quiet" }, in: dir)
            #expect(r.status == 64, "\(command): \(r.stdout)")
            #expect(r.stdout == "")
            #expect(r.stderr == """
                Error: reg.json5:1:38: objective: final_val_accuracy is not computed for a regression task \
                (task.dataset {"name":"sine"} has a numeric target); use one of final_val_loss, final_train_loss, best_val_loss

                """, "\(command)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("results").path))
    }

    /// Every trial diverges: exit 1 with the reason, and no ranking printed.
    @Test func aSearchWithoutAnyFiniteObjectiveFailsAndSaysWhy() throws {
        let spec = """
            { name: "div", trials: 3, task: { dataset: "iris", model: { hidden: [8] }, epochs: 3, batch_size: 16 },
              lr: { loguniform: [1e6, 1e7] }, schedules: [{ family: "constant" }] }
            """
        let dir = try scratch(["div.json5": spec])
        let r = try runLRSearch(["run", "div.json5", "--quiet"], in: dir)
        #expect(r.status == 1)
        #expect(r.stdout == "")
        #expect(r.stderr == """
            Error: no trial has a finite final_val_loss, so there is nothing to rank: all 3 trials diverged \
            (NaN/Inf or exploding loss); try a lower LR range. The trials are in results/div/trials.jsonl.

            """)
        let html = try String(contentsOf: dir.appendingPathComponent("results/div/report.html"), encoding: .utf8)
        #expect(html.contains("all 3 trials diverged"))
    }
}
