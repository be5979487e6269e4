// Extreme numbers on the command line and in specs: located exit-64 errors or correct output, never a trap.

import Foundation
import TestSupport
import Testing

@Suite struct NumericSafetyTests {
    static let usage = "Usage: lrsearch schedule SCHEDULE [--steps N] [--metrics FILE] [--plot]\n  See 'lrsearch help' for more.\n"

    @Test func plotOfAnOverflowingScheduleSkipsItsInfiniteSteps() throws {
        // 0.1·10^k overflows to +inf from k = 310 (1e308·10 > max Double), so steps 310…399 (90) are not drawn.
        let r = try runLRSearch(["schedule", #"{ family: "exponential", lr: 0.1, gamma: 10 }"#, "--steps", "400", "--plot"])
        #expect(r.status == 0)
        #expect(r.stderr == "")
        #expect(r.stdout.hasSuffix("            90 of 400 steps have a non-finite LR (not drawn)\n"))
    }

    @Test(arguments: [
        (#"{ family: "cosine", lr: 0.1, t_max: 5000000000000000000 }"#, "4",
         "SCHEDULE:1:37: t_max: must be within ±2^53 (9007199254740992) steps, got 5000000000000000000"),
        (#"{ family: "cosine", lr: 0.1, t_max: 1e300 }"#, "4", "SCHEDULE:1:37: t_max: must be an integer in [-2^63, 2^63), got 1e300"),
        (#"{ family: "cosine", lr: 0.1, t_max: 99999999999999999999 }"#, "4",
         "SCHEDULE:1:37: t_max: must be an integer in [-2^63, 2^63), got 99999999999999999999"),
        (#"{ family: "multistep", lr: 0.1, milestones: [9007199254740993] }"#, "4",
         "SCHEDULE:1:46: milestones[0]: must be within ±2^53 (9007199254740992) steps, got 9007199254740993"),
        (#"{ family: "step", lr: 0.1, step_size: 0 }"#, "4", "SCHEDULE:1:39: step_size: must be a positive integer, got 0"),
        (#"{ family: "exponential", lr: 0.1, gamma: -1 }"#, "4", "SCHEDULE:1:42: gamma: must be > 0, got -1"),
        (#"{ family: "exponential", lr: 1e308, gamma: Infinity }"#, "4", "SCHEDULE:1:44: gamma: must be a finite number, got Infinity"),
        (#"{ family: "cosine", lr: 0.1 }"#, "1e300", "--steps must be an integer in [1, 9007199254740992], got 1e300"),
        (#"{ family: "cosine", lr: 0.1 }"#, "99999999999999999999", "--steps must be an integer in [1, 9007199254740992], got 99999999999999999999"),
        (#"{ family: "cosine", lr: 0.1 }"#, "0", "--steps must be an integer in [1, 9007199254740992], got 0"),
        (#"{ family: "cosine", lr: 0.1 }"#, "5e-324", "--steps expects an integer, got '5e-324'"),
    ])
    func extremeScheduleInputsAreLocatedErrors(schedule: String, steps: String, message: String) throws {
        let r = try runLRSearch(["schedule", schedule, "--steps", steps])
        #expect(r == ProcessOutput(stdout: "", stderr: "Error: \(message)\n" + Self.usage, status: 64))
    }

    @Test func stepsWrittenAsAWholeNumberAreAccepted() throws {
        let r = try runLRSearch(["schedule", #"{ family: "constant", lr: 0.5 }"#, "--steps", "2e0"])
        #expect(r == ProcessOutput(stdout: "step,lr\n0,0.5\n1,0.5\n", stderr: "", status: 0))
    }

    @Test func longScheduleStreamsEveryRow() throws {
        // 200,000 rows (several 64 KiB writes): the last is cosine at k = T − 1 = 199,999 of T = 200,000.
        let r = try runLRSearch(["schedule", #"{ family: "cosine", lr: 1 }"#, "--steps", "200000"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 200_001)
        let last = try #require(lines.last?.split(separator: ",").last.flatMap { Double($0) })
        let closed = (1 + cos(Double.pi * 199_999 / 200_000)) / 2  // derivation: the closed form, 6.17e-11
        expectClose(last, closed, relative: 1e-6)
    }

    static let bigModel = """
        { seed: 1, task: { dataset: "iris", model: { hidden: [100000, 100000] }, epochs: 1 },
          schedule: { family: "constant", lr: 0.1 } }
        """

    @Test(arguments: ["train", "find-lr"])
    func modelThatCannotFitIsRefusedBeforeAllocating(command: String) throws {
        let dir = try scratch(["c.json5": Self.bigModel])
        let r = try runLRSearch([command, "c.json5"], in: dir)
        #expect(r.status == 64)
        // derivation: 4 bytes × (4·1e5 + 1e5 + 1e10 + 1e5 + 1e5·3 + 3) parameters ≈ 40.0 GB of weights,
        // as much for gradients, and 0.26 GB of activations and GEMM packing at batch 64.
        #expect(r.stderr.hasPrefix("Error: c.json5: task.model.hidden: the plan needs about 80.3 GB per trial (weights 40.0 GB, gradients 40.0 GB,"))
        #expect(r.stderr.contains("GB of physical memory\n"))
    }

    static let spec = """
        { name: "m", trials: 2, task: { dataset: "iris", model: { hidden: [6000, 6000] }, epochs: 1, batch_size: 1e18 },
          lr: 0.1, schedules: [ { family: "constant" } ] }
        """

    @Test func tooManyJobsAreRefusedNamingJobs() throws {
        let dir = try scratch(["s.json5": Self.spec])
        let r = try runLRSearch(["run", "s.json5", "--jobs", "1000000", "--out", "out"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("Error: --jobs 1000000: 1000000 trials at once need about "))
        #expect(r.stderr.contains("; use --jobs "))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
    }

    @Test func validatePrintsTheEstimate() throws {
        let dir = try scratch(["s.json5": Self.spec])
        let r = try runLRSearch(["validate", "s.json5"], in: dir)
        #expect(r.status == 0)
        // derivation: 4 bytes × (4·6000 + 6000 + 6000² + 6000 + 6000·3 + 3) = 144.2 MB of weights; batch 1e18
        // trains in batches of at most the 120 training rows of iris: activations 4 bytes × (120·(4 + 3 + 2·6000)
        // + 2·(2·120·6000 + 4·6000) + 120·3 + 4·3 + GEMM packing 256·6008) = 23.6 MB.
        #expect(r.stdout.contains("memory: about 312 MB per trial (weights 144 MB, gradients 144 MB, optimizer state 0 bytes, activations 23.6 MB,"))
    }

    @Test func hugeBatchTrainsInBatchesOfTheSplit() throws {
        let dir = try scratch(["c.json5": """
            { task: { dataset: { name: "moons", n: 40 }, model: { hidden: [4] }, epochs: 2, batch_size: 1000000000000000000 },
              schedule: { family: "constant", lr: 0.1 } }
            """])
        let r = try runLRSearch(["train", "c.json5"], in: dir)
        #expect(r.status == 0)
        #expect(r.stderr == "")
    }

    @Test(arguments: [
        (#"{ name: "spirals", n: 1e12 }"#, "1:42: task.dataset.n: must be at most 10000000, got 1000000000000"),
        (#"{ name: "blobs", features: 1e9 }"#, "1:47: task.dataset.features: must be at most 100000, got 1000000000"),
        (#"{ name: "blobs", classes: 100000 }"#, "1:46: task.dataset.classes: must be at most 10000, got 100000"),
        (#"{ name: "blobs", n: 10000000, features: 100 }"#, "1:40: task.dataset.n: n × features must be at most 100000000 values, got 10000000 × 100"),
    ])
    func syntheticSizesAreBounded(dataset: String, message: String) throws {
        let dir = try scratch(["c.json5": "{ task: { dataset: \(dataset) }, schedule: { family: \"constant\", lr: 0.1 } }"])
        let r = try runLRSearch(["train", "c.json5"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("Error: c.json5:\(message)\n"))
    }

    @Test(arguments: [
        ("9223372036854775808", "--seed must be an integer in [0, 2^63), got 9223372036854775808"),
        ("-1", "--seed must be an integer in [0, 2^63), got -1"),
        ("1.5", "--seed expects an integer, got '1.5'"),
    ])
    func seedFlagStatesItsRange(seed: String, message: String) throws {
        let dir = try scratch(["s.json5": Self.spec])
        let r = try runLRSearch(["run", "s.json5", "--seed", seed, "--out", "out"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("Error: \(message)\n"))
    }

    @Test(arguments: ["run", "validate"])
    func epochsOverrideStatesItsRange(command: String) throws {
        let dir = try scratch(["s.json5": Self.spec])
        let r = try runLRSearch([command, "s.json5", "--epochs", "1e18"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("Error: --epochs must be an integer in [1, 1000000], got 1e18\n"))
    }

    @Test func epochsAndStepProductsAreChecked() throws {
        let dir = try scratch([
            "e.json5": #"{ task: { dataset: "iris", epochs: 1e18 }, schedule: { family: "constant", lr: 0.1 } }"#,
        ])
        let r = try runLRSearch(["train", "e.json5"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("Error: e.json5:1:36: task.epochs: must be at most 1000000, got 1000000000000000000\n"))
    }
}

extension Array where Element == String {
    /// The two parts of a split in two, or nil.
    var pairs: (String, String)? { count == 2 ? (self[0], self[1]) : nil }
}
