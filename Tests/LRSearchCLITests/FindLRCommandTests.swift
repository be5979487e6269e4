// `lrsearch find-lr`, run as a user would: help, flag errors and exit codes, the report, the CSV, specs.

import Foundation
import TestSupport
import Testing

@Suite struct FindLRCommandTests {
    static let config = """
        { seed: 1, task: { dataset: "digits", model: { hidden: [64] }, batch_size: 64 },
          optimizer: { kind: "sgd", momentum: 0.9 } }
        """
    static let usage = "Usage: lrsearch find-lr CONFIG [--start LR] [--end LR] [--iters N] [--mode MODE] "
        + "[--method METHOD] [--csv FILE]\n  See 'lrsearch help' for more.\n"

    func scratch(_ files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrsearch-findlr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return dir
    }

    @Test func helpListsTheOptions() throws {
        let r = try runLRSearch(["find-lr", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("OVERVIEW: Run an LR range test on a config and suggest a learning rate.\n"))
        #expect(r.stdout.hasSuffix("""
            USAGE: lrsearch find-lr CONFIG [--start LR] [--end LR] [--iters N] [--mode MODE] [--method METHOD] [--csv FILE]

            ARGUMENTS:
              CONFIG                A trial config or a search spec (JSON5).

            OPTIONS:
              --start <LR>          First LR (default 1e-7).
              --end <LR>            Last LR of the ramp (default 10).
              --iters <N>           Mini-batches to run at most (default 100, 2 <= N <= 1000000).
              --mode <MODE>         Ramp: exp or linear (linear needs --method smith).
              --method <METHOD>     fastai (default) or smith (torch-lr-finder).
              --csv <FILE>          Also write iteration,lr,loss,smoothed_loss rows to FILE.
              -h, --help            Show help information.

            """))
    }

    @Test(arguments: [
        (["--start", "0"], "--start must be a number > 0, got 0"),
        (["--start", "1", "--end", "0.1"], "--end must be greater than --start (1), got 0.1"),
        (["--start", "1e-3", "--end", "1e-3"], "--end must be greater than --start (0.001), got 0.001"),
        (["--iters", "1"], "--iters must be an integer in [2, 1000000], got 1"),
        (["--iters", "1e9"], "--iters must be an integer in [2, 1000000], got 1e9"),
        (["--iters", "ten"], "--iters expects an integer, got 'ten'"),
        (["--mode", "log"], "--mode expects one of exp, linear, got 'log'"),
        (["--method", "fast"], "--method expects one of fastai, smith, got 'fast'"),
        (["--mode", "linear"], "--mode linear needs --method smith (fastai's ramp is exponential only)"),
        (["--strat", "1"], "unknown option '--strat' (did you mean '--start'?)"),
    ])
    func badFlagsNameTheFlagAndExit64(flags: [String], message: String) throws {
        let dir = try scratch(["c.json5": Self.config])
        let r = try runLRSearch(["find-lr", "c.json5"] + flags, in: dir)
        #expect(r.status == 64)
        #expect(r.stdout == "")
        #expect(r.stderr == "Error: \(message)\n" + Self.usage)
    }

    @Test func badConfigsAreLocatedInputErrors() throws {
        let dir = try scratch(["bad.json5": "{ task: { dataset: \"digits\", batch_size: 0 } }"])
        let r = try runLRSearch(["find-lr", "bad.json5"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr == "Error: bad.json5:1:42: task.batch_size: must be >= 1, got 0\n")
        let missing = try runLRSearch(["find-lr", "nope.json5"], in: dir)
        #expect(missing.status == 64)
        #expect(missing.stderr == "Error: cannot read config or spec 'nope.json5': no such file\n")
    }

    @Test func reportsSuggestionsAndWritesTheCSV() throws {
        let dir = try scratch(["c.json5": Self.config])
        let r = try runLRSearch(["find-lr", "c.json5", "--csv", "curve.csv"], in: dir)
        #expect(r.status == 0)
        #expect(r.stderr == "")
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "LR range test (fastai) on config c.json5")
        #expect(lines[1] == "data: digits, 1438 training rows (validation unused), optimizer sgd")
        #expect(lines[2] == "ramp: 100 batches of 64 (23/epoch), exponential from 1e-07 towards 10")
        #expect(lines.allSatisfy { $0.count <= 80 }, "a line is wider than 80 columns")
        // "stopped after N batches …" or "ran all 100 batches": N rows in the CSV
        let words = lines[3].split(separator: " ")
        let recorded = try #require(Int(words[2]))
        #expect(recorded >= 50 && recorded <= 100, "\(lines[3])")
        let csv = try String(contentsOf: dir.appendingPathComponent("curve.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").map(String.init)
        #expect(rows.first == "iteration,lr,loss,smoothed_loss")
        #expect(rows.count == recorded + 1)
        #expect(rows.dropFirst().first?.hasPrefix("0,1e-07,") == true)
        #expect(rows.dropFirst().allSatisfy { $0.split(separator: ",").count == 4 })
        // each suggestion: a line "  V valley    0.00759   …"; valley within the ramp
        let valleyLine = try #require(lines.first { $0.hasPrefix("  V valley ") })
        let valley = try #require(Double(valleyLine.split(separator: " ")[2]))
        #expect(valley > 1e-7 && valley < 10)
        for name in ["S slide", "M minimum", "T steep"] {
            #expect(lines.contains { $0.hasPrefix("  \(name) ") }, "no \(name)")
        }
        // the plot marks the suggestions under its axis
        #expect(lines.contains { $0.hasPrefix("            ") && $0.contains("V") && !$0.contains("LR") })
    }

    @Test func sameSeedGivesTheSameNumbers() throws {
        let dir = try scratch(["c.json5": Self.config])
        let a = try runLRSearch(["find-lr", "c.json5", "--method", "smith", "--iters", "60", "--csv", "a.csv"], in: dir)
        let b = try runLRSearch(["find-lr", "c.json5", "--method", "smith", "--iters", "60", "--csv", "b.csv"], in: dir)
        #expect(a.status == 0)
        #expect(a.stdout == b.stdout)
        let csvA = try String(contentsOf: dir.appendingPathComponent("a.csv"), encoding: .utf8)
        let csvB = try String(contentsOf: dir.appendingPathComponent("b.csv"), encoding: .utf8)
        #expect(csvA == csvB)
        #expect(a.stdout.contains("\n  G steepest "))
        // torch-lr-finder's ramp hits --end at batch 59 if the test gets there
        #expect(a.stdout.contains("exponential from 1e-07 to 10"))
    }

    @Test func aSpecUsesTheSameTestAsItsAutoLR() throws {
        let spec = """
            { name: "auto", seed: 5, trials: 2,
              task: { dataset: "iris", model: { hidden: [8] }, epochs: 1, batch_size: 16 },
              optimizer: { kind: "sgd", momentum: { uniform: [0.85, 0.95] } },
              lr: { auto: true, span: 100 },
              schedules: [{ family: "constant" }] }
            """
        let dir = try scratch(["s.json5": spec])
        let find = try runLRSearch(["find-lr", "s.json5"], in: dir)
        #expect(find.status == 0)
        #expect(find.stdout.hasPrefix("LR range test (fastai) on search spec auto: its task and optimizer at the median of each range\n"))
        let valleyLine = try #require(find.stdout.split(separator: "\n").first { $0.hasPrefix("  V valley ") })
        let valley = try #require(Double(valleyLine.split(separator: " ")[2]))

        let run = try runLRSearch(["run", "s.json5", "--quiet", "--out", "out"], in: dir)
        #expect(run.status == 0)
        let autoLine = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("lr auto: range test valley ") })
        let logged = try #require(Double(autoLine.split(separator: " ")[5]))
        expectClose(logged, valley, relative: 0.05)  // both printed to 2–3 significant digits
        let journal = try String(contentsOf: dir.appendingPathComponent("out/trials.jsonl"), encoding: .utf8)
        #expect(journal.split(separator: "\n").first?.contains("\"lr_auto\":{\"valley\":") == true)
        let validate = try runLRSearch(["validate", "s.json5"], in: dir)
        #expect(validate.status == 0)
        #expect(validate.stdout.contains("  lr                  auto: LR range test before the search, then loguniform(valley/√100, valley·√100)"))
    }
}
