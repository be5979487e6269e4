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
                (task.dataset {"name":"sine"} has a numeric target); use one of final_val_loss, final_train_loss, best_val_loss, final_val_r2, final_val_mae

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

    /// A grid's best LR is the top of its range: `run` and `report` both say to widen it.
    @Test func aBestValueAtTheEdgeOfItsRangeIsWarnedAbout() throws {
        let spec = """
            { name: "edge", sampler: "grid", grid_points: 3,
              task: { dataset: "iris", model: { hidden: [8] }, epochs: 3, batch_size: 16 },
              optimizer: { kind: "sgd", momentum: 0.9 },
              lr: { loguniform: [0.0001, 0.3] }, schedules: [{ family: "constant" }] }
            """
        let dir = try scratch(["edge.json5": spec])
        let warning = "warning: lr = 0.3 is in the top 5% of its range loguniform[0.0001, 0.3]; "
            + "the best value may lie beyond it: widen the range\n"
        let r = try runLRSearch(["run", "edge.json5", "--quiet"], in: dir)
        #expect(r.status == 0)
        #expect(r.stdout.contains("best: trial 2 (constant)"))  // lr 0.3, the last grid point
        #expect(r.stderr == warning)
        let report = try runLRSearch(["report", "results/edge"], in: dir)
        #expect(report.status == 0)
        #expect(report.stderr == warning)
    }

    /// Four trials over two families: two each (stratified), too few to trust either family's rank.
    @Test func familiesWithFewerThanThreeTrialsAreWarnedAbout() throws {
        let dir = try scratch(["tiny.json5": tinySpec])
        let r = try runLRSearch(["run", "tiny.json5", "--quiet", "--trials", "4"], in: dir)
        #expect(r.status == 0)
        #expect(r.stderr.hasPrefix("""
            warning: cosine: 2 trials; its rank says little
            warning: step: 2 trials; its rank says little

            """), "\(r.stderr)")
        #expect(try runLRSearch(["report", "results/tiny"], in: dir).stderr.hasPrefix("warning: cosine: 2 trials;"))
    }

    @Test func validateSaysWhenTheBudgetLeavesFamiliesFewerThanThreeTrials() throws {
        let dir = try scratch(["tiny.json5": tinySpec])
        let few = try runLRSearch(["validate", "tiny.json5", "--trials", "5"], in: dir)
        #expect(few.status == 0)
        #expect(few.stdout.contains("trials: 5\nnote: 5 trials over 2 families give each 2 or 3; a family's rank says little below 3 trials\nmemory: "))
        let enough = try runLRSearch(["validate", "tiny.json5"], in: dir)  // 6 trials: 3 each
        #expect(enough.stdout.contains("trials: 6\nmemory: "))  // no note
    }
}
