// The root command: the subcommand table, top-level help and version, error printing and exit codes.

import Foundation
import JSON5
import Search

public enum LRSearch {
    public static let version = "0.1.0"

    /// Every subcommand, in the order `--help` lists them. Each lives in its own file.
    public static let commands: [CommandSpec] = [
        run, validate, train, report, merge, compare, ScheduleCommand.spec, ExportCommand.spec, ExpLRCommand.spec, findLR, datasets, bench,
    ]

    static let overview = """
        lrsearch finds the best learning-rate schedule for a training run: it samples schedule \
        families and their parameters from a search spec, trains each with a built-in trainer on all \
        cores, and ranks them by final loss.
        """

    static var help: String {
        var lines = ["OVERVIEW: \(overview)", "", "USAGE: lrsearch <subcommand> [options]", "", "SUBCOMMANDS:"]
        for c in commands { lines.append(CommandSpec.row(c.name, c.abstract)) }
        lines += ["", "OPTIONS:", CommandSpec.row("--version", "Show the version."),
                  CommandSpec.row("-h, --help", "Show help information."), "",
                  "  See 'lrsearch help <subcommand>' for detailed help."]
        return lines.joined(separator: "\n")
    }

    /// Runs the command line `argv` (including the program name) and returns the exit code.
    public static func main(_ argv: [String]) -> Int32 {
        let args = Array(argv.dropFirst())
        guard let first = args.first else {
            print(help)
            return ExitCode.success.rawValue
        }
        switch first {
        case "-h", "--help":
            print(help)
            return ExitCode.success.rawValue
        case "--version":
            print(version)
            return ExitCode.success.rawValue
        case "help":
            guard args.count > 1 else { print(help); return ExitCode.success.rawValue }
            do {
                print(try command(named: args[1]).help)
                return ExitCode.success.rawValue
            } catch {
                return report(error, usage: "lrsearch help <subcommand>")
            }
        default:
            break
        }
        let command: CommandSpec
        do {
            command = try self.command(named: first)
        } catch {
            return report(error, usage: "lrsearch <subcommand> [options]")
        }
        let rest = Array(args.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            print(command.help)
            return ExitCode.success.rawValue
        }
        do {
            let parsed = try command.parse(rest)
            return try command.run(parsed).rawValue
        } catch let error as CLIError {
            return report(error, usage: error.showsUsage ? command.usage : nil)
        } catch {
            return report(error, usage: nil)
        }
    }

    static func command(named name: String) throws(CLIError) -> CommandSpec {
        if let c = commands.first(where: { $0.name == name }) { return c }
        var message = name.hasPrefix("-") ? "unknown option '\(name)'" : "unknown subcommand '\(name)'"
        if let near = closestMatch(to: name, in: commands.map(\.name) + ["help", "--help", "--version"]) {
            message += " (did you mean '\(near)'?)"
        }
        throw CLIError(message)
    }

    /// Prints `Error: …` (and the usage line) to stderr and returns the exit code for `error`.
    static func report(_ error: any Error, usage: String?) -> Int32 {
        // User text (paths, spec values, flag values) reaches the terminal only through here, escaped.
        var text = "Error: " + escapingControlCharacters("\(error)", keepingNewlines: true) + "\n"
        if let usage { text += "Usage: \(usage)\n  See 'lrsearch help' for more.\n" }
        writeStderr(text)
        if let e = error as? CLIError { return e.code.rawValue }
        return ExitCode.failure.rawValue
    }
}
