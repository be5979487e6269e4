// The root command, run as a user would: help, version, unknown subcommands and options.

import Foundation
import LRSearchCLI
import TestSupport
import Testing

@Suite struct RootCommandTests {
    @Test func versionPrintsTheVersion() throws {
        let r = try runLRSearch(["--version"])
        #expect(r == ProcessOutput(stdout: LRSearch.version + "\n", stderr: "", status: 0))
    }

    @Test func helpListsEverySubcommand() throws {
        let r = try runLRSearch(["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("OVERVIEW: lrsearch finds the best learning-rate schedule"))
        for c in LRSearch.commands {
            #expect(r.stdout.contains("\n  \(c.name)"), "missing \(c.name)")
        }
    }

    @Test func unknownSubcommandSuggestsTheClosestAndExits64() throws {
        let r = try runLRSearch(["hepl"])
        #expect(r.stdout == "")
        #expect(r.stderr == """
            Error: unknown subcommand 'hepl' (did you mean 'help'?)
            Usage: lrsearch <subcommand> [options]
              See 'lrsearch help' for more.

            """)
        #expect(r.status == 64)
    }

    @Test func unknownTopLevelOptionExits64() throws {
        let r = try runLRSearch(["--verison"])
        #expect(r.stderr.hasPrefix("Error: unknown option '--verison' (did you mean '--version'?)\n"))
        #expect(r.status == 64)
    }

    @Test func helpForAnUnknownSubcommandIsAnError() throws {
        let r = try runLRSearch(["help", "nope"])
        #expect(r.stderr.hasPrefix("Error: unknown subcommand 'nope'"))
        #expect(r.status == 64)
    }
}

@Suite struct ArgumentParserTests {
    static let spec = CommandSpec(
        name: "demo", abstract: "A demo.", positionals: [PositionalSpec("FILE", help: "A file.")],
        options: [OptionSpec("--steps", "N", help: "Steps."), OptionSpec("--plot", help: "Plot.")]
    ) { _ in .success }

    @Test func parsesValuesFlagsAndPositionals() throws {
        let p = try Self.spec.parse(["a.json5", "--steps", "12", "--plot"])
        #expect(p.positionals == ["a.json5"])
        #expect(try p.int("--steps") == 12)
        #expect(p.flag("--plot"))
        let q = try Self.spec.parse(["--steps=3", "b"])
        #expect(try q.int("--steps") == 3)
    }

    @Test func errorsNameTheFlagAndTheValue() throws {
        #expect(throws: CLIError("unknown option '--stpes' (did you mean '--steps'?)")) {
            try Self.spec.parse(["a", "--stpes", "3"])
        }
        #expect(throws: CLIError("option '--steps' needs a value <N>")) { try Self.spec.parse(["a", "--steps"]) }
        #expect(throws: CLIError("missing argument <FILE>")) { try Self.spec.parse([]) }
        #expect(throws: CLIError("unexpected argument 'b'")) { try Self.spec.parse(["a", "b"]) }
        let p = try Self.spec.parse(["a", "--steps", "x"])
        #expect(throws: CLIError("--steps expects an integer, got 'x'")) { try p.int("--steps") }
        #expect(throws: CLIError("--steps must be >= 1, got 0")) { try Self.spec.parse(["a", "--steps", "0"]).int("--steps", min: 1) }
    }

    @Test func usageAndHelpAreGeneratedFromTheTable() {
        #expect(Self.spec.usage == "lrsearch demo FILE [--steps N] [--plot]")
        #expect(Self.spec.help == """
            OVERVIEW: A demo.

            USAGE: lrsearch demo FILE [--steps N] [--plot]

            ARGUMENTS:
              FILE                  A file.

            OPTIONS:
              --steps <N>           Steps.
              --plot                Plot.
              -h, --help            Show help information.
            """)
    }
}
