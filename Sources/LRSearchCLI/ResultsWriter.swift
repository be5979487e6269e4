// Writes a search's ranking to its results folder (ranked.md, ranked.csv, best.json, report.html) and prints it.

import Foundation
import JSON5
import Reporting
import Search

enum ResultsWriter {
    /// Ranks the session's finished trials — every trial in the journal, the same records
    /// `lrsearch report` ranks — writes the files, and prints the top `top` rows. When no trial has a
    /// finite objective it prints no ranking and returns why (the run then fails with it).
    @discardableResult
    static func write(session: SearchSession, outDir: String, top: Int, data: DataCache, quiet: Bool) throws(CLIError) -> String? {
        let spec = session.spec
        let ranked = rank(session.records, objective: spec.objective)
        let table = RankedTable(ranked, objective: spec.objective)
        var header = "# \(spec.name)\n\nRanked by \(spec.objective.rawValue)"
        header += spec.objective.maximizes ? " (higher is better)" : " (lower is better)"
        header += "; \(ranked.count) configuration\(ranked.count == 1 ? "" : "s"), \(summary(ranked)).\n\n"
        if let range = spec.lrRange { header += range.summary + "\n\n" }
        try save(header + table.markdown(), to: outDir, "ranked.md")
        try save(CSVExport.csv(ranked), to: outDir, "ranked.csv")
        if let best = ranked.first(where: { $0.state == .ok && $0.mean.isFinite }) {
            // Written in full, every default explicit, so best.json documents what ran.
            let node = JSONNode(best.representative.config)
            let full = (try? data.prepare(node).0.json) ?? best.representative.config
            try save(JSONWriter.pretty(full) + "\n", to: outDir, "best.json")
        } else {
            // No trial finished ok: a best.json left from an earlier search would name the wrong winner.
            try? FileManager.default.removeItem(atPath: (outDir as NSString).appendingPathComponent("best.json"))
        }
        let info = (try? Journal.replay(path: session.journalPath))?.flatMap(\.info)
            ?? SearchInfo(name: spec.name, objective: spec.objective, sampler: spec.sampler, parameters: spec.plottedParameters)
        let report = SearchReport(info: info, records: session.records, objective: spec.objective)
        try ReportCommand.writeHTML(report, to: outDir)
        guard !ranked.isEmpty else {
            if !quiet { writeStderr("No trial finished; nothing to rank.\n") }
            return nil
        }
        if let reason = report.noValueReason {
            return "no trial has a finite \(spec.objective.rawValue), so there is nothing to rank: \(reason). "
                + "The trials are in \(session.journalPath)."
        }
        if let range = spec.lrRange { print(range.summary) }
        // Journaled text (a config's strings) reaches the terminal escaped, like every message.
        print(escapingControlCharacters(RankedTable(ranked, objective: spec.objective, top: top).terminal(), keepingNewlines: true))
        let shownDir = escapingControlCharacters(outDir)
        if ranked.count > top { print("… \(ranked.count - top) more in \(shownDir)/ranked.md") }
        print("\n" + Sparkline.valLoss(ranked))
        if let best = ranked.first, best.mean.isFinite {
            print("\nbest: trial \(best.index) (\(best.representative.family)), \(spec.objective.rawValue) "
                  + formatNumber(best.mean) + (best.records.count > 1 ? " ± " + formatNumber(best.std) : ""))
            print("results: \(shownDir)/ (report.html, ranked.md, ranked.csv, best.json, trials.jsonl)")
            print("rerun the best: lrsearch train \(shownDir)/best.json")
        }
        let warnings = report.fewTrialWarnings(families: spec.schedules.map(\.family)) + report.edgeWarnings()
        for w in warnings { writeStderr("warning: \(w)\n") }
        return nil
    }

    /// Removes what an earlier search wrote into `dir` (the ranking, best.json, report.html and its
    /// SVG plots), so that `run --overwrite` never leaves one search's files beside another's journal.
    /// Only names lrsearch writes are touched; anything else in the folder stays.
    static func removeOutputs(in dir: String) {
        let fixed: Set<String> = ["ranked.md", "ranked.csv", "best.json", "report.html", "lr-curves.svg",
                                  "loss-curves.svg", "progress.svg", "families.svg"]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        for name in names where fixed.contains(name) || (name.hasPrefix("param-") && name.hasSuffix(".svg")) {
            try? FileManager.default.removeItem(atPath: (dir as NSString).appendingPathComponent(name))
        }
    }

    static func summary(_ ranked: [RankedEntry]) -> String {
        let counts = Dictionary(grouping: ranked, by: \.state).mapValues(\.count)
        return TrialState.allCases.compactMap { s in counts[s].map { "\($0) \(s.rawValue)" } }.joined(separator: ", ")
    }

    static func save(_ text: String, to dir: String, _ name: String) throws(CLIError) {
        let path = (dir as NSString).appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw CLIError("cannot write \(path): \(RunLock.reason(error))", code: .failure)
        }
    }
}
