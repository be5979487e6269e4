// A search's results folder: ranked.md, ranked.csv, best.json and report.html (with its SVG plots), written
// from the typed records; the CLI only prints what this returns.

import Foundation
import JSON5
import Reporting
import Search
import Trainer

/// A file of the results folder could not be written.
public struct ResultsFolderError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "cannot write \(path): \(reason)" }
}

public enum ResultsFolder {
    /// What writing the folder found, for the caller to print.
    public struct Written: Sendable {
        /// Every configuration of the journal, ranked.
        public var ranked: [RankedEntry]
        public var report: SearchReport
        /// Why nothing could be ranked although trials finished (no finite objective), or nil.
        public var noValueReason: String?
        /// Warnings about the search (few trials per family, best values at a range's edge).
        public var warnings: [String]
    }

    /// Ranks `records` — every trial in the journal, the same records `lrsearch report` ranks — and
    /// writes ranked.md, ranked.csv, best.json (the best trial's config in full, every default explicit,
    /// or no best.json when no trial finished ok) and report.html with its plots into `dir`.
    @discardableResult
    public static func write(spec: SearchSpec, records: [TrialRecord], journalPath: String, to dir: String,
                             data: DataCache = DataCache(), pbt: PBTHistory? = nil) throws(ResultsFolderError) -> Written {
        let info = (try? Journal.replay(path: journalPath))?.flatMap(\.info)
            ?? SearchInfo(name: spec.name, objective: spec.objective, sampler: spec.sampler, parameters: spec.plottedParameters)
        return try write(name: spec.name, objective: spec.objective, lrSummary: spec.lrRange?.summary, info: info,
                         families: spec.pbt == nil ? spec.schedules.map(\.family.rawValue) : [], records: records, journalPath: journalPath, to: dir,
                         data: data, pbt: pbt)
    }

    /// The same files from a journal alone (no spec): what `lrsearch merge` writes. The journal's
    /// start record names the search, its objective and parameters.
    @discardableResult
    public static func write(info: SearchInfo, lrRange: AutoLRRange?, records: [TrialRecord], journalPath: String,
                             to dir: String, data: DataCache = DataCache()) throws(ResultsFolderError) -> Written {
        try write(name: info.name, objective: info.objective ?? .finalValLoss, lrSummary: lrRange?.summary, info: info,
                  families: [], records: records, journalPath: journalPath, to: dir, data: data, pbt: nil)
    }

    private static func write(name: String, objective: Objective, lrSummary: String?, info: SearchInfo, families: [String],
                              records: [TrialRecord], journalPath: String, to dir: String,
                              data: DataCache, pbt: PBTHistory?) throws(ResultsFolderError) -> Written {
        let ranked = rank(records, objective: objective)
        let table = RankedTable(ranked, objective: objective)
        var header = "# \(name)\n\nRanked by \(objective.rawValue)"
        header += objective.maximizes ? " (higher is better)" : " (lower is better)"
        header += "; \(ranked.count) configuration\(ranked.count == 1 ? "" : "s"), \(summary(ranked)).\n\n"
        if let lrSummary { header += lrSummary + "\n\n" }
        try save(header + table.markdown(), to: dir, "ranked.md")
        try save(CSVExport.csv(ranked), to: dir, "ranked.csv")
        if let best = ranked.first(where: { $0.state == .ok && $0.mean.isFinite }) {
            // Written in full, every default explicit, so best.json documents what ran. A record whose
            // config the journal could not resolve (one from before train_rows, say) is resolved with its data.
            let r = best.representative
            let full = r.config?.json ?? (try? data.prepare(JSONNode(r.sampled)).0.json) ?? r.sampled
            try save(JSONWriter.pretty(full) + "\n", to: dir, "best.json")
        } else {
            // No trial finished ok: a best.json left from an earlier search would name the wrong winner.
            try? FileManager.default.removeItem(atPath: (dir as NSString).appendingPathComponent("best.json"))
        }
        var report = SearchReport(info: info, records: records, objective: objective)
        report.pbt = pbt
        try writeHTML(report, to: dir)
        var noValue: String?
        if !ranked.isEmpty, let reason = report.noValueReason {
            noValue = "no trial has a finite \(objective.rawValue), so there is nothing to rank: \(reason). "
                + "The trials are in \(journalPath)."
        }
        let warnings = (report.failureWarning.map { [$0] } ?? []) + report.fewTrialWarnings(families: families)
            + report.edgeWarnings()
        return Written(ranked: ranked, report: report, noValueReason: noValue, warnings: warnings)
    }

    /// Writes report.html and the SVG plots into `dir`; returns how many files it wrote.
    @discardableResult
    public static func writeHTML(_ report: SearchReport, to dir: String) throws(ResultsFolderError) -> Int {
        let files = HTMLReport.files(report)
        for f in files { try save(f.contents, to: dir, f.name) }
        return files.count
    }

    /// Removes what an earlier search wrote into `dir` (the ranking, best.json, report.html and its
    /// SVG plots), so that `run --overwrite` never leaves one search's files beside another's journal.
    /// Only names lrsearch writes are touched; anything else in the folder stays.
    public static func removeOutputs(in dir: String) {
        let fixed: Set<String> = ["ranked.md", "ranked.csv", "best.json", "report.html", "lr-curves.svg",
                                  "loss-curves.svg", "progress.svg", "families.svg", "pbt-lr.svg"]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        for name in names where fixed.contains(name) || (name.hasPrefix("param-") && name.hasSuffix(".svg")) {
            try? FileManager.default.removeItem(atPath: (dir as NSString).appendingPathComponent(name))
        }
    }

    /// "3 ok, 1 pruned": the count of configurations in each state, in ranking order.
    public static func summary(_ ranked: [RankedEntry]) -> String {
        let counts = Dictionary(grouping: ranked, by: \.state).mapValues(\.count)
        return TrialStatus.allCases.compactMap { s in counts[s].map { "\($0) \(s.rawValue)" } }.joined(separator: ", ")
    }

    static func save(_ text: String, to dir: String, _ name: String) throws(ResultsFolderError) {
        let path = (dir as NSString).appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw ResultsFolderError(path: path, reason: RunLock.reason(error))
        }
    }
}
