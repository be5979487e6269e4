// `lrsearch report DIR`: re-rank a finished search from its journal, print it, and rewrite report.html on request.

import Foundation
import JSON5
import LRSearchKit
import Reporting
import Search

extension LRSearch {
    static let report = CommandSpec(
        name: "report", abstract: "Re-rank a search's results without re-running it; rewrite its HTML report.",
        discussion: """
            Reads DIR/trials.jsonl (the journal 'lrsearch run' writes) and prints the ranking of \
            every trial in it (the same trials 'lrsearch run' ranks in DIR), \
            optionally filtered, re-sorted and in another format. Nothing in DIR changes unless --html \
            is given; then report.html and its SVG plots are rewritten from the journal (always for the \
            whole search, whatever --filter says). 'lrsearch run' writes them itself at the end of a run; \
            --html is refused (exit 1) while a run holds DIR's lock. Reading a folder a run is \
            writing is fine: a half-written last line is left out.
            """,
        positionals: [PositionalSpec("DIR", help: "A results folder (holding trials.jsonl).")],
        options: [
            OptionSpec("--top", "K", help: "Rows to print (default: all)."),
            OptionSpec("--sort", "COLUMN", help: "Order by one of: " + SortColumn.allCases.map(\.rawValue).joined(separator: ", ")
                       + " (default rank; ascending, except val_acc)."),
            OptionSpec("--filter", "KEY=VALUE", help: "Keep only family=NAME[,NAME…] or status=ok|pruned|diverged|failed[,…]."),
            OptionSpec("--format", "FORMAT", help: "table (default), md, csv or json."),
            OptionSpec("--html", help: "Rewrite DIR/report.html and its SVG files."),
        ],
        run: { args in try ReportCommand.run(args) })
}

enum ReportCommand {
    enum Format: String, CaseIterable { case table, md, csv, json }

    static func run(_ args: ParsedArguments) throws -> ExitCode {
        let dir = args.positionals[0]
        let top = try args.int("--top", min: 1)
        let format = try parseFormat(args.string("--format"))
        let report = try load(dir)
        var entries = report.ranked
        if let text = args.string("--filter") {
            do {
                let filter = try ReportFilter(parsing: text, entries: report.ranked)
                entries = entries.filter(filter.keeps)
            } catch {
                throw CLIError("--filter: \(error)")
            }
        }
        if let name = args.string("--sort") {
            do {
                entries = try SortColumn(parsing: name).sorted(entries)
            } catch {
                throw CLIError("--sort: \(error)")
            }
        }
        if let top { entries = Array(entries.prefix(top)) }
        var output = render(entries, format: format, report: report)
        // The table is for a terminal: text from the journal is shown escaped there.
        if format == .table { output = escapingControlCharacters(output, keepingNewlines: true) }
        FileHandle.standardOutput.write(Data(output.utf8))
        if let reason = report.noValueReason {
            writeStderr("warning: no trial has a finite \(report.objective.rawValue), so there is nothing to rank: \(reason)\n")
        }
        for w in (report.failureWarning.map { [$0] } ?? []) + report.fewTrialWarnings() + report.edgeWarnings() { writeStderr("warning: \(w)\n") }
        if args.flag("--html") {
            // report.html is also what a run writes at its end: not while one is writing this folder.
            let lock: RunLock
            do {
                lock = try RunLock(folder: dir)
            } catch {
                throw CLIError(error.description, code: .failure)
            }
            let written = try writeHTML(report, to: dir)
            withExtendedLifetime(lock) {}
            writeStderr("wrote \((dir as NSString).appendingPathComponent("report.html")) and \(written - 1) SVG files\n")
        }
        return .success
    }

    static func parseFormat(_ text: String?) throws(CLIError) -> Format {
        guard let text else { return .table }
        guard let f = Format(rawValue: text) else {
            let valid = Format.allCases.map(\.rawValue)
            var message = "--format: unknown format '\(text)'"
            if let near = closestMatch(to: text, in: valid) { message += " (did you mean '\(near)'?)" }
            throw CLIError(message + "; formats: " + valid.joined(separator: ", "))
        }
        return f
    }

    /// The report of the journal in `dir`; errors name the folder or the journal file.
    static func load(_ dir: String) throws(CLIError) -> SearchReport {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw CLIError.input("\(dir): no such folder (expected a results folder written by 'lrsearch run')")
        }
        let path = (dir as NSString).appendingPathComponent("trials.jsonl")
        let replay: Journal.Replay
        do {
            guard let r = try Journal.replay(path: path) else {
                throw CLIError.input("\(path): no such file (DIR must hold the trials.jsonl that 'lrsearch run' writes)")
            }
            replay = r
        } catch let e as CLIError {
            throw e
        } catch {
            throw CLIError.input("\(error)")
        }
        let name = ((dir as NSString).standardizingPath as NSString).lastPathComponent
        var report = SearchReport(info: replay.info ?? SearchInfo(name: name), records: replay.records)
        report.pbt = PBTJournal.history(path: (dir as NSString).appendingPathComponent("pbt.jsonl"), objective: report.objective)
        return report
    }

    static func render(_ entries: [RankedEntry], format: Format, report: SearchReport) -> String {
        switch format {
        case .md: return RankedTable(entries, objective: report.objective).markdown()
        case .csv: return CSVExport.csv(entries)
        case .json: return JSONExport.json(entries)
        case .table:
            guard !report.ranked.isEmpty else { return "\(escapingControlCharacters(report.info.name)): no finished trials; nothing to rank.\n" }
            let counts = report.counts.filter { $0.count > 0 }.map { "\($0.count) \($0.state.rawValue)" }.joined(separator: ", ")
            var text = "\(escapingControlCharacters(report.info.name)): \(report.ranked.count) configuration\(report.ranked.count == 1 ? "" : "s") (\(counts)), "
            text += "ranked by \(report.objective.rawValue)" + (report.objective.maximizes ? " (higher is better)\n\n" : " (lower is better)\n\n")
            text += RankedTable(entries, objective: report.objective).terminal() + "\n"
            let spark = Sparkline.valLoss(entries)
            return spark.isEmpty ? text : text + "\n" + spark + "\n"
        }
    }

    /// Writes report.html and the SVG plots into `dir`; returns how many files it wrote.
    @discardableResult
    static func writeHTML(_ report: SearchReport, to dir: String) throws(CLIError) -> Int {
        do {
            return try ResultsFolder.writeHTML(report, to: dir)
        } catch {
            throw CLIError(error.description, code: .failure)
        }
    }
}
