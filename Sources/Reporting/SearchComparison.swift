// Searches side by side (`lrsearch compare A B …`): trials and wall time of each, its best trial, and the best
// value of each schedule family in each search.

import Foundation
import Search

/// Two or more searches' reports, compared: one summary row per search and one row per schedule family.
///
/// Values are each search's own objective. When the searches rank by different objectives the best
/// overall is not named (the numbers do not compare), and the table says so.
public struct SearchComparison: Sendable {
    public struct Column: Sendable {
        /// What the user named it by (the folder).
        public var label: String
        public var report: SearchReport
        public init(label: String, report: SearchReport) {
            self.label = label
            self.report = report
        }
    }

    public var searches: [Column]

    public init(_ searches: [Column]) { self.searches = searches }

    /// Whether every search ranks by the same objective (so their values compare).
    public var sameObjective: Bool { Set(searches.map(\.report.objective)).count <= 1 }

    /// Every family any search tried, in order of first appearance.
    public var families: [String] {
        var seen: [String] = []
        for s in searches {
            for r in s.report.records where !seen.contains(r.family.rawValue) { seen.append(r.family.rawValue) }
        }
        return seen
    }

    /// The best ranked entry of `family` in `report` (ranked first among its own family), or nil.
    public static func best(_ family: String?, in report: SearchReport) -> RankedEntry? {
        report.ranked.first { ($0.state == .ok || $0.state == .pruned) && $0.mean.isFinite
            && (family == nil || $0.representative.family.rawValue == family) }
    }

    /// The search (index into `searches`) holding the best entry overall, or nil when objectives
    /// differ or no search has a finite value.
    public var bestOverall: (search: Int, entry: RankedEntry)? {
        guard sameObjective, let objective = searches.first?.report.objective else { return nil }
        var best: (Int, RankedEntry)?
        for (i, s) in searches.enumerated() {
            guard let e = Self.best(nil, in: s.report), e.state == .ok else { continue }
            if let b = best, !(objective.maximizes ? e.mean > b.1.mean : e.mean < b.1.mean) { continue }
            best = (i, e)
        }
        return best
    }

    /// The summary table: one row per search (trials by state, wall time, best trial).
    public var summaryRows: [[String]] {
        searches.map { s in
            let r = s.report
            let counts = Dictionary(r.counts.map { ($0.state, $0.count) }, uniquingKeysWith: +)
            let best = Self.best(nil, in: r)
            return [s.label, r.info.name, r.objective.rawValue, String(r.records.count), String(counts[.ok] ?? 0),
                    String(counts[.pruned] ?? 0), String(counts[.diverged] ?? 0), Self.wall(r.info),
                    best.map { formatNumber($0.mean) } ?? "-", best.map { $0.representative.family.rawValue } ?? "-",
                    best.map { String($0.index) } ?? "-"]
        }
    }

    public static let summaryHeaders = ["search", "name", "objective", "trials", "ok", "pruned", "diverged", "wall time",
                                        "best", "family", "trial"]

    /// One row per family: its best value (and trial) in each search, "-" where it was not tried.
    public var familyRows: [[String]] {
        families.map { family in
            [family] + searches.map { s in
                Self.best(family, in: s.report).map { "\(formatNumber($0.mean)) (#\($0.index))" } ?? "-"
            }
        }
    }

    /// The comparison as aligned text for a terminal.
    public func terminal() -> String {
        var out = [Self.align([Self.summaryHeaders] + summaryRows, right: [3, 4, 5, 6, 7, 8, 10])]
        let objective = sameObjective ? (searches.first?.report.objective).map { o in
            " (\(o.rawValue), \(o.maximizes ? "higher" : "lower") is better)" } ?? "" : " (each search's own objective)"
        out.append("\nbest per family" + objective)
        out.append(Self.align([["family"] + searches.map(\.label)] + familyRows, right: Set(1...searches.count)))
        if let (i, e) = bestOverall {
            out.append("\nbest overall: \(searches[i].label), trial \(e.index) (\(e.representative.family.rawValue)), "
                       + "\(searches[i].report.objective.rawValue) \(formatNumber(e.mean))")
        } else if !sameObjective {
            out.append("\nno best overall: the searches rank by different objectives")
        } else {
            out.append("\nno best overall: no search has a trial that finished ok with a finite value")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The comparison as Markdown tables.
    public func markdown() -> String {
        func table(_ rows: [[String]]) -> String {
            func line(_ cells: [String]) -> String { "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |" }
            guard let head = rows.first else { return "" }
            return ([line(head), "|" + head.map { _ in "---" }.joined(separator: "|") + "|"] + rows.dropFirst().map(line)).joined(separator: "\n")
        }
        var text = table([Self.summaryHeaders] + summaryRows) + "\n\n**best per family**\n\n"
        text += table([["family"] + searches.map(\.label)] + familyRows) + "\n"
        if let (i, e) = bestOverall {
            text += "\nbest overall: \(searches[i].label), trial \(e.index) (\(e.representative.family.rawValue)), \(formatNumber(e.mean))\n"
        }
        return text
    }

    /// Wall time of the runs that ended cleanly ("-" when none did), with a `+` when some run did not.
    static func wall(_ info: SearchInfo) -> String {
        // Not finite: end records summing past 1.8e308 s (an edited journal); "infs" would be no time at all.
        guard info.endedRuns > 0, info.wallSeconds.isFinite else { return "-" }
        let text = formatSeconds(info.wallSeconds) + "s"
        return info.endedRuns < info.runs ? text + "+" : text
    }

    static func align(_ rows: [[String]], right: Set<Int>) -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (c, text) in cells.enumerated() {
                let pad = String(repeating: " ", count: max(0, widths[c] - text.count))
                parts.append(right.contains(c) ? pad + text : text + pad)
            }
            var s = parts.joined(separator: "  ")
            while s.last == " " { s.removeLast() }
            return s
        }
        guard let head = rows.first else { return "" }
        return ([line(head), line(widths.map { String(repeating: "─", count: $0) })] + rows.dropFirst().map(line)).joined(separator: "\n")
    }
}
