// Runs the built `lrsearch export` (and `lrsearch schedule` on what it writes): formats, inputs, exact errors.

import Foundation
import Testing

@Suite(.serialized) struct ExportCommandTests {
    static let config = """
        { seed: 0, task: { dataset: "digits", epochs: 6 }, optimizer: { kind: "sgd", momentum: 0.9 },
          schedule: { family: "warmup", warmup_steps: 2, schedule: { family: "step", lr: 0.1, step_size: 2, gamma: 0.5 } } }
        """

    /// A results folder holding the journal fixture (trial 1: cosine, lr 50, 2 epochs) and no best.json.
    func resultsFolder() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let fixture = root.appendingPathComponent("SearchTests/Fixtures/journal-v1.jsonl").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrsearch-export-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture, toPath: dir + "/trials.jsonl")
        return dir
    }

    @Test func csvIsTheScheduleOfTheRun() throws {
        let path = try temporaryFile("best.json", Self.config)
        let run = try lrsearch(["export", path, "--format", "csv"])
        // warmup 0.1·(1/3 + (2/3)·k/2) for k < 2, then 0.1·0.5^⌊(k−2)/2⌋; 6 epochs = 6 rows
        #expect(run == Run(stdout: "step,lr\n0,0.03333333333333333\n1,0.06666666666666667\n2,0.1\n3,0.1\n4,0.05\n5,0.05\n",
                           stderr: "", code: 0))
    }

    @Test func anExternalTasksWinnerExportsWithItsOwnRunLength() throws {
        // An external search's best.json: task.command, no dataset. The run length is the task's:
        // 2 epochs × 3 steps per epoch = 6 per-batch scheduler steps (step k of StepLR: 0.1·0.5^⌊k/2⌋).
        let path = try temporaryFile("best.json", """
            { seed: 5, task: { command: ["python3", "train.py"], epochs: 2, steps_per_epoch: 3, hidden: 64 },
              optimizer: { kind: "sgd", momentum: 0.9 }, schedule: { family: "step", lr: 0.1, step_size: 2, gamma: 0.5, unit: "step" } }
            """)
        let csv = try lrsearch(["export", path, "--format", "csv"])
        #expect(csv == Run(stdout: "step,lr\n0,0.1\n1,0.1\n2,0.05\n3,0.05\n4,0.025\n5,0.025\n", stderr: "", code: 0))
        let module = try lrsearch(["export", path])
        #expect(module.code == 0 && module.stdout.contains("STEP_PER = \"batch\"") && module.stdout.contains("SCHEDULER_STEPS = 6 ")
                && module.stdout.contains("StepLR(optimizer, step_size=2, gamma=0.5)"), "\(module)")
        #expect(try lrsearch(["schedule", "@" + path, "--steps", "6"]).stdout == csv.stdout)
        // Its errors are located like a built-in config's.
        let bad = try temporaryFile("bad.json", """
            { task: { command: [], epochs: 2 }, schedule: { family: "cosine", lr: 0.1 } }
            """)
        let refused = try lrsearch(["export", bad])
        #expect(refused == Run(stdout: "", stderr: "Error: \(bad):1:20: task.command: expected a non-empty array of strings "
                               + "(the program and its arguments), got []\n", code: 64))
    }

    @Test func jsonReadsBackInLRSearchSchedule() throws {
        let path = try temporaryFile("best.json", Self.config)
        let json = try lrsearch(["export", path, "--format", "json"])
        #expect(json.code == 0)
        #expect(json.stdout.contains(#""unit": "epoch""#))
        let resolved = try temporaryFile("resolved.json", json.stdout)
        let fromJSON = try lrsearch(["schedule", "@" + resolved, "--steps", "6"])
        let fromConfig = try lrsearch(["schedule", "@" + path, "--steps", "6"])
        let table = try lrsearch(["export", path, "--format", "csv"])
        #expect(fromJSON.code == 0 && fromJSON.stdout == table.stdout && fromConfig.stdout == table.stdout)
    }

    @Test func pytorchModuleUsesSequentialLRForAWarmup() throws {
        let path = try temporaryFile("best.json", Self.config)
        let run = try lrsearch(["export", path])
        #expect(run.code == 0)
        #expect(run.stdout.contains("STEP_PER = \"epoch\""))
        #expect(run.stdout.contains("LinearLR(optimizer, start_factor=0.3333333333333333, end_factor=1.0, total_iters=2),\n"
                                    + "        torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5),\n"
                                    + "    ], milestones=[2])"))
    }

    @Test func cycledMomentumIsAThirdColumn() throws {
        let path = try temporaryFile("best.json", """
            { task: { dataset: "digits", epochs: 10 }, optimizer: { momentum: 0.9 }, schedule: { family: "onecycle", max_lr: 1 } }
            """)
        let run = try lrsearch(["export", path, "--format", "csv", "--steps", "3"])
        // OneCycleLR(max_lr 1, total_steps 10, pct_start 0.3): the first phase ends at step 0.3·10 − 1 = 2.
        // Step 0: 1 + (1/25 − 1)/2·(cos 0 + 1) = 0.04 (rounded as PyTorch's formula rounds it), momentum 0.95;
        // step 1: halfway, (0.04 + 1)/2 = 0.52 and (0.95 + 0.85)/2; step 2: the peak 1.0 at base_momentum 0.85.
        #expect(run == Run(stdout: "step,lr,momentum\n0,0.040000000000000036,0.95\n1,0.52,0.8999999999999999\n2,1.0,0.85\n",
                           stderr: "", code: 0))
    }

    @Test func trialOfAResultsFolder() throws {
        let dir = try resultsFolder()
        let run = try lrsearch(["export", dir, "--trial", "1", "--format", "json"])
        #expect(run == Run(stdout: """
            {
              "family": "cosine",
              "lr": 50,
              "t_max": 2,
              "eta_min": 0,
              "unit": "epoch"
            }

            """, stderr: "", code: 0))
    }

    @Test func badInputExits64NamingTheFileAndField() throws {
        let bad = try temporaryFile("best.json", #"{ task: { dataset: "digits" }, schedule: { family: "cosine", lr: -1 } }"#)
        #expect(try lrsearch(["export", bad]) == Run(stdout: "", stderr: "Error: \(bad):1:66: schedule.lr: must be > 0, got -1\n", code: 64))
        let nul = try temporaryFile("best.json", "{ task: \u{0} }")
        #expect(try lrsearch(["export", nul]) == Run(stdout: "", stderr: "Error: \(nul):1:9: expected a value, found '\\u{0}'\n", code: 64))
        let dir = try resultsFolder()
        #expect(try lrsearch(["export", dir]) == Run(
            stdout: "", stderr: "Error: \(dir) has no best.json file (no trial finished ok); pick one with --trial N\n", code: 64))
        #expect(try lrsearch(["export", dir, "--trial", "7"]) == Run(
            stdout: "", stderr: "Error: \(dir)/trials.jsonl has no trial 7 (trials 0…1)\n", code: 64))
        let usage = "Usage: lrsearch export CONFIG_OR_RESULTS [--format FORMAT] [--steps N] [--trial N]\n  See 'lrsearch help' for more.\n"
        #expect(try lrsearch(["export", bad, "--format", "onnx"]) == Run(
            stdout: "", stderr: "Error: --format expects one of pytorch, json, csv, got 'onnx'\n" + usage, code: 64))
        #expect(try lrsearch(["export", bad, "--trial", "1"]) == Run(
            stdout: "", stderr: "Error: --trial needs a results folder, but '\(bad)' is a file\n" + usage, code: 64))
    }

    @Test func plateauHasNoTable() throws {
        let path = try temporaryFile("best.json", #"{ task: { dataset: "digits" }, schedule: { family: "plateau", lr: 0.1 } }"#)
        let run = try lrsearch(["export", path, "--format", "csv"])
        #expect(run.code == 64)
        #expect(run.stderr.hasPrefix("Error: \(path): schedule: plateau's LR depends on the validation loss"))
    }
}
