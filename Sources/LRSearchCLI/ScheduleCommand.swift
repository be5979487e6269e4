// `lrsearch schedule`: the LR of one schedule object per scheduler step, as CSV or a terminal plot.

import Foundation
import JSON5
import LRSchedules
import Search

/// `lrsearch schedule SCHEDULE --steps N [--metrics FILE] [--plot]`.
///
/// Row k of the CSV is the LR in effect after k scheduler steps (row 0 is the initial LR), written in
/// Swift's shortest round-trip form. Input and meaning errors exit 64 (usage), as do unreadable files
/// named on the command line.
public enum ScheduleCommand {
    public static let spec = CommandSpec(
        name: "schedule",
        abstract: "Print a schedule's LR per scheduler step as CSV (step,lr) or as a plot.",
        discussion: """
            SCHEDULE is one schedule object in JSON5, given inline or as @FILE, for example
              lrsearch schedule '{ family: "cosine", lr: 0.1 }' --steps 100
            Row k is the LR after k scheduler steps; row 0 is the initial LR. Run-length parameters that \
            are left out (t_max, total_steps, total_iters of polynomial) default to N.
            plateau reads its metric from --metrics FILE: the number on line k is passed to step k.
            """,
        positionals: [PositionalSpec("SCHEDULE", help: "A schedule object in JSON5, inline or as @file.json5.")],
        options: [
            OptionSpec("--steps", "N", help: "Print rows 0 to N-1 (required, N >= 1)."),
            OptionSpec("--metrics", "FILE", help: "plateau only: one metric value per line."),
            OptionSpec("--plot", help: "Draw the curve instead of printing CSV (log scale past a decade)."),
        ],
        run: run)

    static func run(_ args: ParsedArguments) throws -> ExitCode {
        guard let steps = try args.int("--steps", min: 1) else { throw CLIError("missing option --steps <N>") }
        let (source, text) = try readSchedule(args.positionals[0])
        let spec = try parse(text, source: source, steps: steps)
        var scheduler: LRScheduler
        do {
            scheduler = try LRScheduler(spec)
        } catch {
            throw CLIError("\(source): \(error)")  // unreachable: parse(_:) already ran make()
        }
        let metrics = try readMetrics(args.string("--metrics"), needed: scheduler.needsMetric, steps: steps)
        var values: [Double] = []
        values.reserveCapacity(steps)
        for k in 0..<steps {
            if k > 0 { scheduler.step(metric: metrics.isEmpty ? nil : metrics[k - 1]) }
            values.append(scheduler.learningRate)
        }
        if args.flag("--plot") {
            print(ASCIIPlot.render(values))
        } else {
            writeCSV(values)
        }
        return .success
    }

    /// The text of SCHEDULE and the name errors use for it: the file for `@file`, else `SCHEDULE`.
    static func readSchedule(_ argument: String) throws(CLIError) -> (source: String, text: String) {
        guard argument.hasPrefix("@") else { return ("SCHEDULE", argument) }
        let path = String(argument.dropFirst())
        return (path, try readFile(path, what: "schedule file"))
    }

    static func readFile(_ path: String, what: String) throws(CLIError) -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError("\(what) '\(path)' does not exist") }
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(what) '\(path)'") }
        do {
            return try decodeUTF8(data)
        } catch {
            throw CLIError("\(path):\(error.location): \(error.message)")
        }
    }

    static func parse(_ text: String, source: String, steps: Int) throws(CLIError) -> ScheduleSpec {
        let node: JSONNode
        do {
            node = try JSON5Parser.parse(text)
        } catch {
            throw CLIError("\(source):\(error.location): \(error.message)")
        }
        do {
            return try ScheduleParser.parse(node, path: "", defaults: ScheduleDefaults(totalSteps: steps))
        } catch {
            throw CLIError(error.rendered(file: source))
        }
    }

    /// The metrics for steps 1…N−1 (line k feeds step k), or [] for schedules that take none.
    static func readMetrics(_ path: String?, needed: Bool, steps: Int) throws(CLIError) -> [Double] {
        guard let path else {
            if needed { throw CLIError("plateau needs --metrics FILE (one metric value per line)") }
            return []
        }
        guard needed else { throw CLIError("--metrics is only used by the plateau family") }
        var lines = try readFile(path, what: "metrics file").split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty ?? false { lines.removeLast() }
        guard lines.count >= steps - 1 else {
            throw CLIError("\(path) has \(lines.count) metric values, but --steps \(steps) needs \(steps - 1) "
                           + "(one per step after row 0)")
        }
        var metrics: [Double] = []
        for (i, line) in lines.prefix(steps - 1).enumerated() {
            let word = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let x = Double(word) else {
                throw CLIError("\(path):\(i + 1): expected a number, got '\(word)'")
            }
            metrics.append(x)
        }
        return metrics
    }

    static func writeCSV(_ values: [Double]) {
        var out = "step,lr\n"
        for (k, lr) in values.enumerated() {
            out += "\(k),\(lr)\n"
            if out.utf8.count > 1 << 16 {
                FileHandle.standardOutput.write(Data(out.utf8))
                out = ""
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}

/// A terminal plot of a sequence of positive values: step across, LR up, log scale when the values
/// span more than a decade.
enum ASCIIPlot {
    static func render(_ values: [Double], width: Int = 64, height: Int = 16) -> String {
        let lo = values.min() ?? 0
        let hi = values.max() ?? 0
        let logScale = lo > 0 && hi / lo > 10
        let f: (Double) -> Double = logScale ? { log10($0) } : { $0 }
        let (a, b) = (f(lo), f(hi))
        let columns = min(width, values.count)
        var grid = Array(repeating: Array(repeating: Character(" "), count: columns), count: height)
        var previousRow: Int?
        for c in 0..<columns {
            let i = columns == 1 ? 0 : c * (values.count - 1) / (columns - 1)
            let y = b > a ? (f(values[i]) - a) / (b - a) : 0.5
            let row = height - 1 - Int((y * Double(height - 1)).rounded())
            if let p = previousRow, abs(p - row) > 1 {
                for r in (min(p, row) + 1)..<max(p, row) { grid[r][c] = "│" }
            }
            grid[row][c] = "•"
            previousRow = row
        }
        let label = { (x: Double) in String(format: "%10.4g", x) }
        var lines: [String] = []
        for (r, chars) in grid.enumerated() {
            let tag = r == 0 ? label(hi) : r == height - 1 ? label(lo) : String(repeating: " ", count: 10)
            lines.append(tag + " ┤" + String(chars))
        }
        let last = String(values.count - 1)
        lines.append(String(repeating: " ", count: 11) + "└" + String(repeating: "─", count: columns))
        let gap = max(1, columns - 1 - last.count)
        lines.append(String(repeating: " ", count: 12) + "0" + String(repeating: " ", count: gap) + last)
        lines.append(String(repeating: " ", count: 12) + "step → (LR \(logScale ? "log scale" : "linear scale"))")
        return lines.joined(separator: "\n")
    }
}
