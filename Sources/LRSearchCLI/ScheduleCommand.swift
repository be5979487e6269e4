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
            It may also be a trial config such as a search's best.json (@results/NAME/best.json): its \
            schedule, with run lengths resolved for that trial's run.
            Row k is the LR after k scheduler steps; row 0 is the initial LR. Run-length parameters that \
            are left out (t_max, total_steps, total_iters of polynomial) default to N. A table's relative \
            csv path is read from the @file's folder (inline: the working directory); the output is itself \
            a valid table csv.
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
        guard let steps = try args.int("--steps", min: 1, max: maxScheduleSteps) else { throw CLIError("missing option --steps <N>") }
        let (source, text) = try readSchedule(args.positionals[0])
        let spec = try parse(text, source: source, steps: steps)
        var scheduler: LRScheduler
        do {
            scheduler = try LRScheduler(spec)
        } catch {
            throw CLIError("\(source): \(error)")  // unreachable: parse(_:) already ran make()
        }
        let metrics = try readMetrics(args.string("--metrics"), needed: scheduler.needsMetric, steps: steps)
        // Constant memory in N: the CSV is written as it is computed, the plot keeps only its columns.
        let plot = args.flag("--plot")
        var samples = ASCIIPlot.Samples(steps: steps)
        var csv = CSVStream()
        if !plot { csv.append("step,lr\n") }
        for k in 0..<steps {
            if k > 0 { scheduler.step(metric: try metrics?.next()) }
            if plot { samples.observe(step: k, scheduler.learningRate) } else { csv.append("\(k),\(scheduler.learningRate)\n") }
        }
        if plot { print(ASCIIPlot.render(samples)) } else { csv.flush() }
        return .success
    }

    /// The text of SCHEDULE and the name errors use for it: the file for `@file`, else `SCHEDULE`.
    static func readSchedule(_ argument: String) throws(CLIError) -> (source: String, text: String) {
        guard argument.hasPrefix("@") else { return ("SCHEDULE", argument) }
        let path = String(argument.dropFirst())
        return (path, try readFile(path, what: "schedule file"))
    }

    static func readFile(_ path: String, what: String) throws(CLIError) -> String {
        let data = try SpecFile.readText(path, what: what)
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
        // A relative table csv is read from the schedule file's folder (or the working directory).
        let folder = source == "SCHEDULE" ? nil : (source as NSString).deletingLastPathComponent
        if isTrialConfig(node) {
            // A trial config (best.json): its schedule, resolved for its own run (--steps only says how many rows).
            let input = ExportCommand.Input(node: node, file: source, source: source, baseDirectory: folder)
            if let external = try ExportCommand.loadExternal(input) { return external.schedule }
            return try ExportCommand.load(input).schedule
        }
        do {
            // A spec entry's `unit` says how a trainer steps it; here every row is one step either way.
            let schedule = try ScheduleParser.splitUnit(node, path: "").schedule
            return try ScheduleParser.parse(schedule, path: "", defaults: ScheduleDefaults(totalSteps: steps, baseDirectory: folder))
        } catch {
            throw CLIError(error.rendered(file: source))
        }
    }

    /// A trial config (best.json, `lrsearch train`'s CONFIG) rather than a schedule object: it has a
    /// `schedule` key and no `family`.
    static func isTrialConfig(_ node: JSONNode) -> Bool {
        guard case .object(let members) = node.value else { return false }
        return members.contains { $0.key == "schedule" } && !members.contains { $0.key == "family" }
    }

    /// The metrics for steps 1…N−1 (line k feeds step k), or nil for schedules that take none. The
    /// file is read twice, a line at a time (constant memory in N): once here to check that it has
    /// N−1 numbers, then while the schedule runs.
    static func readMetrics(_ path: String?, needed: Bool, steps: Int) throws(CLIError) -> MetricLines? {
        guard let path else {
            if needed { throw CLIError("plateau needs --metrics FILE (one metric value per line)") }
            return nil
        }
        guard needed else { throw CLIError("--metrics is only used by the plateau family") }
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError("metrics file '\(path)' does not exist") }
        let check = try MetricLines(path)
        var count = 0
        while count < steps - 1, try check.next() != nil { count += 1 }
        if count < steps - 1 {
            throw CLIError("\(path) has \(count) metric values, but --steps \(steps) needs \(steps - 1) "
                           + "(one per step after row 0)")
        }
        return try MetricLines(path)
    }
}

/// A file of one number per line, read a line at a time; errors name the file and the line.
final class MetricLines {
    let path: String
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: UnsafeMutablePointer<CChar>?
    private var capacity = 0
    private var line = 0

    init(_ path: String) throws(CLIError) {
        guard let file = fopen(path, "r") else { throw CLIError("cannot read metrics file '\(path)'") }
        self.path = path
        self.file = file
    }

    deinit {
        free(buffer)
        fclose(file)
    }

    /// The next line's number, or nil at the end of the file.
    func next() throws(CLIError) -> Double? {
        let n = getline(&buffer, &capacity, file)
        guard n >= 0, let buffer else { return nil }
        line += 1
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: n)
        let word = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let x = Double(word) else { throw CLIError("\(path):\(line): expected a number, got '\(word)'") }
        return x
    }
}

/// Standard output in 64 KiB writes, after anything `print` buffered.
struct CSVStream {
    private var buffer = ""

    mutating func append(_ text: String) {
        buffer += text
        if buffer.utf8.count > 1 << 16 { flush() }
    }

    mutating func flush() {
        fflush(nil)  // whatever print() buffered goes first
        FileHandle.standardOutput.write(Data(buffer.utf8))
        buffer = ""
    }
}

/// A terminal plot of a sequence of positive values: step across, LR up, log scale when the values
/// span more than a decade. It draws at most `width` sampled steps, so any number of steps plots in
/// constant memory; non-finite values are counted and left out.
enum ASCIIPlot {
    /// What the plot keeps of a stream of `steps` values: the columns' values and the finite range of all.
    struct Samples {
        let steps: Int
        let columns: Int
        private(set) var values: [(step: Int, value: Double)] = []
        private(set) var lo = Double.infinity, hi = -Double.infinity
        private(set) var nonFinite = 0
        private var nextColumn = 0

        init(steps: Int, width: Int = 64) {
            self.steps = max(steps, 1)
            columns = min(width, self.steps)
        }

        /// The step drawn in column c: evenly spread over 0…steps−1, both ends included.
        func step(ofColumn c: Int) -> Int {
            // c·(steps−1)/(columns−1) without overflow: c < 64 and steps − 1 < 2^63.
            columns == 1 ? 0 : Int((Double(c) * Double(steps - 1) / Double(columns - 1)).rounded(.down))
        }

        mutating func observe(step k: Int, _ v: Double) {
            if v.isFinite { lo = min(lo, v); hi = max(hi, v) } else { nonFinite += 1 }
            while nextColumn < columns, step(ofColumn: nextColumn) <= k {
                if step(ofColumn: nextColumn) == k { values.append((k, v)) }
                nextColumn += 1
            }
        }
    }

    static func render(_ values: [Double], width: Int = 64, height: Int = 16) -> String {
        var samples = Samples(steps: values.count, width: width)
        for (k, v) in values.enumerated() { samples.observe(step: k, v) }
        return render(samples, height: height)
    }

    static func render(_ samples: Samples, height: Int = 16) -> String {
        let (lo, hi) = samples.lo <= samples.hi ? (samples.lo, samples.hi) : (0, 0)
        let logScale = lo > 0 && hi / lo > 10
        let f: (Double) -> Double = logScale ? { log10($0) } : { $0 }
        let (a, b) = (f(lo), f(hi))
        let columns = samples.columns
        var grid = Array(repeating: Array(repeating: Character(" "), count: columns), count: height)
        var previousRow: Int?
        for (c, (_, value)) in samples.values.enumerated() where c < columns {
            guard value.isFinite else { previousRow = nil; continue }
            let y = b > a ? (f(value) - a) / (b - a) : 0.5
            let clamped = y.isFinite ? min(1, max(0, y)) : 0.5  // b − a can overflow to inf for extreme values
            let row = height - 1 - Int((clamped * Double(height - 1)).rounded())
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
        let last = String(samples.steps - 1)
        lines.append(String(repeating: " ", count: 11) + "└" + String(repeating: "─", count: columns))
        let gap = max(1, columns - 1 - last.count)
        lines.append(String(repeating: " ", count: 12) + "0" + String(repeating: " ", count: gap) + last)
        lines.append(String(repeating: " ", count: 12) + "step → (LR \(logScale ? "log scale" : "linear scale"))")
        if samples.nonFinite > 0 {
            lines.append(String(repeating: " ", count: 12)
                         + "\(samples.nonFinite) of \(samples.steps) steps have a non-finite LR (not drawn)")
        }
        return lines.joined(separator: "\n")
    }
}
