// One spec, all problems: `validate` and `run` list every problem at once, syntax-level and trial-level together.

import Foundation
import TestSupport
import Testing

@Suite struct AllProblemsTests {
    /// A top-level problem (trials 0) used to hide every other one; so did a bad distribution.
    @Test func everyProblemOfTheSpecIsReportedAtOnce() throws {
        let spec = """
            {
              name: "bad", trials: 0,
              task: { dataset: "iris", epochs: 2, model: { activation: "relux" } },
              optimizer: { kind: "sgd", momentum: -1, weight_decay: { log_uniform: [1e-6, 1e-3] } },
              lr: { loguniform: [1e-3, 1] },
              schedules: [
                { family: "step", step_size: { int: [5, 15] }, gamma: { uniform: [0.9, 0.1] } },
                { family: "cosin" },
                { family: "cosine", eta_min: -1 },
              ],
            }
            """
        let dir = try scratch(["bad.json5": spec])
        for command in ["validate", "run"] {
            let r = try runLRSearch([command, "bad.json5"], in: dir)
            #expect(r.status == 64)
            #expect(r.stdout == "")
            #expect(r.stderr.hasPrefix("""
                Error: 7 problems in the spec:
                bad.json5:2:24: trials: must be a positive integer, got 0
                bad.json5:3:60: task.model.activation: expected one of relu, tanh, gelu, got "relux" (did you mean 'relu'?)
                bad.json5:4:39: optimizer.momentum: must be a finite number >= 0, got -1
                bad.json5:4:59: optimizer.weight_decay: unknown distribution 'log_uniform' (did you mean 'loguniform'?); \
                distributions: uniform, loguniform, int, choice
                bad.json5:7:70: schedules[0].gamma: uniform bounds must be low <= high, got [0.9, 0.1]
                bad.json5:8:15: schedules[1].family: unknown family "cosin" (did you mean 'cosine'?); valid families: constant, 
                """), "\(command): \(r.stderr)")
            #expect(r.stderr.contains("bad.json5:9:34: schedules[2].eta_min: must be >= 0, got -1\n"), "\(command)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("results").path))
    }

    /// A section stopped at its first problem: the task's and the optimizer's later ones were hidden (2 of 7 shown).
    @Test func everyProblemInsideTheTaskAndTheOptimizerIsReported() throws {
        let spec = """
            {
              task: { dataset: "iris", epochs: -1, batch_size: 0, epoch: 3, model: { activation: "relux" } },
              optimizer: { kind: "sgd", momentum: -1, nesterov: "yes", grad_clip: 0 },
              schedules: [{ family: "cosine" }],
            }
            """
        let dir = try scratch(["sec.json5": spec])
        let r = try runLRSearch(["validate", "sec.json5"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr == """
            Error: 7 problems in the spec:
            sec.json5:2:36: task.epochs: must be >= 1, got -1
            sec.json5:2:52: task.batch_size: must be >= 1, got 0
            sec.json5:2:55: task: unknown key 'epoch' (did you mean 'epochs'?)
            sec.json5:2:86: task.model.activation: expected one of relu, tanh, gelu, got "relux" (did you mean 'relu'?)
            sec.json5:3:39: optimizer.momentum: must be a finite number >= 0, got -1
            sec.json5:3:53: optimizer.nesterov: expected true or false, got "yes"
            sec.json5:3:71: optimizer.grad_clip: must be > 0, got 0

            """)
    }

    /// A bad dataset is replaced by a stand-in, not reported again as missing, and the task's other problems follow.
    @Test func aBadDatasetDoesNotHideTheTasksOtherProblems() throws {
        let dir = try scratch(["d.json5": "{ task: { dataset: 'irs', epochs: 0 }, schedules: [{ family: 'cosine' }] }"])
        let r = try runLRSearch(["validate", "d.json5"], in: dir)
        #expect(r.status == 64)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(r.stderr)")
        #expect(lines.first == "Error: 2 problems in the spec:")
        #expect(lines.dropFirst().first?.hasPrefix("d.json5:1:20: task.dataset: unknown dataset \"irs\"") == true)
        #expect(lines.last == "d.json5:1:35: task.epochs: must be >= 1, got 0")
    }
}
