// Runs the built `lrsearch schedule` and compares its output, errors and exit codes verbatim.

import Foundation
import Testing

/// The result of one run of the built binary.
struct Run: Equatable {
    var stdout: String
    var stderr: String
    var code: Int32
}

/// Runs `.build/debug/lrsearch` (built before `swift test` runs the tests) with `args`.
func lrsearch(_ args: [String]) throws -> Run {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let process = Process()
    process.executableURL = root.appendingPathComponent(".build/debug/lrsearch")
    process.arguments = args
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self),
               code: process.terminationStatus)
}

/// A temporary file holding `text`.
func temporaryFile(_ name: String, _ text: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("lrsearch-\(UUID().uuidString)-\(name)").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

let usage = "Usage: lrsearch schedule SCHEDULE [--steps N] [--metrics FILE] [--plot]\n  See 'lrsearch help' for more.\n"

@Suite(.serialized) struct ScheduleCommandTests {
    @Test func helpText() throws {
        let run = try lrsearch(["schedule", "--help"])
        #expect(run == Run(stdout: """
            OVERVIEW: Print a schedule's LR per scheduler step as CSV (step,lr) or as a plot.

            SCHEDULE is one schedule object in JSON5, given inline or as @FILE, for example
              lrsearch schedule '{ family: "cosine", lr: 0.1 }' --steps 100
            It may also be a trial config such as a search's best.json (@results/NAME/best.json): its schedule, with run lengths resolved for that trial's run.
            Row k is the LR after k scheduler steps; row 0 is the initial LR. Run-length parameters that are left out (t_max, total_steps, total_iters of polynomial) default to N. A table's relative csv path is read from the @file's folder (inline: the working directory); the output is itself a valid table csv.
            plateau reads its metric from --metrics FILE: the number on line k is passed to step k.

            USAGE: lrsearch schedule SCHEDULE [--steps N] [--metrics FILE] [--plot]

            ARGUMENTS:
              SCHEDULE              A schedule object in JSON5, inline or as @file.json5.

            OPTIONS:
              --steps <N>           Print rows 0 to N-1 (required, N >= 1).
              --metrics <FILE>      plateau only: one metric value per line.
              --plot                Draw the curve instead of printing CSV (log scale past a decade).
              -h, --help            Show help information.

            """, stderr: "", code: 0))
    }

    @Test func cosineCSVWithTMaxFromSteps() throws {
        // torch 2.15 CosineAnnealingLR(T_max=4), lr 0.1: t_max defaults to N = 4; shortest round-trip digits.
        let run = try lrsearch(["schedule", #"{ family: "cosine", lr: 0.1 }"#, "--steps", "4"])
        #expect(run == Run(stdout: "step,lr\n0,0.1\n1,0.08535533905932738\n2,0.05\n3,0.014644660940672627\n",
                           stderr: "", code: 0))
    }

    @Test func unknownFamilyExits64() throws {
        let run = try lrsearch(["schedule", #"{ family: "cosin", lr: 0.1 }"#, "--steps", "4"])
        #expect(run == Run(stdout: "", stderr: "Error: SCHEDULE:1:11: family: unknown family \"cosin\" (did you mean "
                                + "'cosine'?); valid families: constant, step, multistep, exponential, polynomial, linear, "
                                + "cosine, sgdr, cyclic, onecycle, plateau, sequence, warmup, inverse_sqrt, wsd, "
                                + "log_annealing, explr, equivalent_explr, texp, inverse_time, piecewise, table\n" + usage, code: 64))
    }

    @Test func rangeErrorNamesPlaceParameterAndRule() throws {
        let run = try lrsearch(["schedule", #"{ family: "cosine", lr: 0.1, t_max: -3 }"#, "--steps", "4"])
        #expect(run == Run(stdout: "", stderr: "Error: SCHEDULE:1:37: t_max: must be a positive integer, got -3\n" + usage,
                           code: 64))
    }

    @Test func syntaxErrorInAFileGivesFileLineColumn() throws {
        let path = try temporaryFile("bad.json5", "{\n  family: \"cosine\"\n  lr: 0.1,\n}\n")
        let run = try lrsearch(["schedule", "@" + path, "--steps", "3"])
        #expect(run == Run(stdout: "", stderr: "Error: \(path):3:3: expected ',' or '}' in the object, found 'l'\n" + usage,
                           code: 64))
        let missing = try lrsearch(["schedule", "@/nonexistent/s.json5", "--steps", "3"])
        #expect(missing == Run(stdout: "", stderr: "Error: cannot read schedule file '/nonexistent/s.json5': no such file\n",
                               code: 64))
    }

    @Test func plateauReadsOneMetricPerStep() throws {
        let spec = #"{ family: "plateau", lr: 1, factor: 0.5, patience: 0 }"#
        let metrics = try temporaryFile("m.txt", "3\n2\n2\n2\n")
        let run = try lrsearch(["schedule", spec, "--steps", "5", "--metrics", metrics])
        // derivation: 3 and 2 improve; each further 2 is a bad step beyond patience 0 → halve.
        #expect(run == Run(stdout: "step,lr\n0,1.0\n1,1.0\n2,1.0\n3,0.5\n4,0.25\n", stderr: "", code: 0))
        let short = try lrsearch(["schedule", spec, "--steps", "9", "--metrics", metrics])
        #expect(short.stderr == "Error: \(metrics) has 4 metric values, but --steps 9 needs 8 (one per step after row 0)\n" + usage)
        let bad = try temporaryFile("bad.txt", "3\nabc\n")
        #expect(try lrsearch(["schedule", spec, "--steps", "3", "--metrics", bad]).stderr
                == "Error: \(bad):2: expected a number, got 'abc'\n" + usage)
        #expect(try lrsearch(["schedule", spec, "--steps", "3"]).stderr
                == "Error: plateau needs --metrics FILE (one metric value per line)\n" + usage)
    }

    @Test func plotDrawsTheCurve() throws {
        let run = try lrsearch(["schedule", #"{ family: "step", lr: 1, step_size: 10, gamma: 0.1 }"#, "--steps", "40", "--plot"])
        #expect(run.code == 0)
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 19)
        #expect(lines.first?.hasPrefix("         1 ┤••••••••••") ?? false)
        #expect(lines.last == "            step → (LR log scale)")
    }
}
