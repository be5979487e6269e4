// The ranked table of a search, as aligned terminal text, Markdown and RFC 4180 CSV.

import Foundation
import JSON5
import enum LRSchedules.ScheduleFamily
import Search

/// The rows of a ranked table: one per configuration, with the columns people compare, in blocks:
/// complete configurations, then pruned ones (their objective is from the epoch they stopped at, so
/// a better-looking value is not a ranking error), then diverged ones and any without a value.
public struct RankedTable: Sendable {
    public static let headers = ["rank", "trial", "family", "schedule", "lr", "weight decay", "objective",
                                 "train loss", "val acc", "status", "seconds"]

    /// Columns whose cells are numbers (right-aligned).
    public static let rightAligned: Set<Int> = [0, 1, 4, 6, 7, 8, 10]

    /// The columns of a regression search: validation R² and MAE (original units) instead of accuracy.
    public static let regressionHeaders = ["rank", "trial", "family", "schedule", "lr", "weight decay", "objective",
                                           "train loss", "val r2", "val mae", "status", "seconds"]
    public static let regressionRightAligned: Set<Int> = [0, 1, 4, 6, 7, 8, 9, 11]

    /// Which block a configuration's row goes in.
    public enum Block: Int, Sendable, CaseIterable {
        case complete, pruned, noValue

        init(_ e: RankedEntry) {
            if e.state == .diverged || e.state == .failed || !e.mean.isFinite { self = .noValue } else { self = e.state == .pruned ? .pruned : .complete }
        }

        /// The line above the block (none for complete configurations, which come first under the header).
        public var title: String? {
            switch self {
            case .complete: return nil
            case .pruned: return "pruned (stopped early: the objective is from the epoch they stopped at, not comparable with the rows above)"
            case .noValue: return "diverged or without a value"
            }
        }
    }

    public var objective: Objective
    /// All rows, block by block (within a block, in the order the entries were given).
    public var rows: [[String]]
    /// The block of each row.
    public var blocks: [Block]
    /// `headers`, or `regressionHeaders` when the trials recorded regression metrics.
    public var columns: [String]
    public var rightAlignedColumns: Set<Int>

    /// Builds the table of `entries` (already ranked, or sorted), keeping the first `top` (nil for all).
    public init(_ entries: [RankedEntry], objective: Objective, top: Int? = nil) {
        self.objective = objective
        let regression = entries.contains { e in e.records.contains { $0.epochs.last?.valR2 != nil || $0.epochs.last?.valMAE != nil } }
        columns = regression ? Self.regressionHeaders : Self.headers
        rightAlignedColumns = regression ? Self.regressionRightAligned : Self.rightAligned
        let kept = entries.prefix(top ?? entries.count).map { (Block($0), $0) }
        let ordered = Block.allCases.flatMap { b in kept.filter { $0.0 == b } }
        rows = ordered.map { Self.row($0.1, objective: objective, regression: regression) }
        blocks = ordered.map(\.0)
    }

    /// The rows grouped by block, each with its title; empty blocks left out.
    public var sections: [(title: String?, rows: [[String]])] {
        Block.allCases.compactMap { b in
            let r = zip(rows, blocks).filter { $0.1 == b }.map(\.0)
            return r.isEmpty ? nil : (b.title, r)
        }
    }

    static func row(_ e: RankedEntry, objective: Objective, regression: Bool = false) -> [String] {
        let r = e.representative
        let last = r.epochs.last
        var objectiveText = formatNumber(e.mean)
        if e.records.count > 1 { objectiveText += " ± " + formatNumber(e.std) }
        func mean(_ values: [Double], digits: Int = 4) -> String {
            values.isEmpty ? "-" : formatNumber(values.reduce(0, +) / Double(values.count), digits: digits)
        }
        let accuracy = mean(e.records.compactMap { $0.epochs.last?.valAccuracy }, digits: 3)
        let trainLoss = mean(e.records.compactMap { $0.epochs.last?.trainLoss })
        var status = e.state.rawValue
        if e.state == .pruned, let n = last?.epoch { status += " at epoch \(n)" }
        let validation = regression
            ? [mean(e.records.compactMap { $0.epochs.last?.valR2 }, digits: 3), mean(e.records.compactMap { $0.epochs.last?.valMAE })]
            : [accuracy]
        return [String(e.rank), String(e.index), r.family.rawValue, scheduleSummary(r.sampled, derived: r.derived), baseLR(r.sampled),
                weightDecay(r), objectiveText, trainLoss] + validation + [status, formatSeconds(e.seconds)]
    }

    /// Aligned columns for a terminal: numbers right-aligned, text left-aligned; each block after the
    /// first behind a blank line and its title.
    public func terminal() -> String {
        let widths = columns.indices.map { c in ([columns[c]] + rows.map { $0[c] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, text in
                let pad = String(repeating: " ", count: widths[c] - text.count)
                return rightAlignedColumns.contains(c) ? pad + text : text + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var out = [line(columns), line(widths.map { String(repeating: "─", count: $0) })]
        for (i, section) in sections.enumerated() {
            if let title = section.title {
                if i > 0 { out.append("") }
                out.append(title)
            }
            out += section.rows.map(line)
        }
        return out.joined(separator: "\n")
    }

    /// Markdown: one table per block (pipes in cells escaped), each block after the first behind its title.
    public func markdown() -> String {
        func line(_ cells: [String]) -> String {
            "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
        }
        let align = columns.indices.map { rightAlignedColumns.contains($0) ? "---:" : "---" }
        let head = [line(columns), "|" + align.joined(separator: "|") + "|"]
        let parts = sections.isEmpty ? [head] : sections.map { section -> [String] in
            var lines: [String] = []
            if let title = section.title {
                let note = title.range(of: " (")?.lowerBound ?? title.endIndex  // the name in bold, the note after it
                lines += ["**\(title[..<note])**\(title[note...])", ""]
            }
            return lines + head + section.rows.map(line)
        }
        return parts.map { $0.joined(separator: "\n") + "\n" }.joined(separator: "\n")
    }

    // MARK: - Cells

    /// The schedule's parameters other than its family and base LR, then what it derived from them:
    /// `final_lr=0.001 updates=4 → gamma=0.3162 step_size=5`.
    public static func scheduleSummary(_ config: JSONValue, derived: [DerivedValue] = []) -> String {
        guard case .object(let members)? = config["schedule"]?.value else { return "" }
        let skip: Set<String> = ["family", "lr", "max_lr"]
        var text = members.filter { !skip.contains($0.key) }.map { "\($0.key)=\(compact($0.value.value))" }
            .joined(separator: " ")
        if !derived.isEmpty {
            text += (text.isEmpty ? "→ " : " → ") + derived.map { "\($0.name)=\(formatNumber($0.value))" }.joined(separator: " ")
        }
        return text
    }

    static func baseLR(_ config: JSONValue) -> String {
        guard let s = config["schedule"]?.value else { return "-" }
        if case .number(let x)? = (s["lr"] ?? s["max_lr"])?.value { return formatNumber(x) }
        return "-"
    }

    /// `λ=0.0005` (coupled), `λnew=1e-05` (new parameterization) or `-`.
    /// The optimizer's weight decay; for explr, equivalent_explr and texp, which turn it into the LR
    /// (the trial trains without it), marked `as LR`.
    static func weightDecay(_ r: TrialRecord) -> String {
        let text = optimizerDecay(r.sampled)
        guard r.family.isWeightDecayConversion, text != "-" else { return text }
        return text + " as LR"
    }

    static func optimizerDecay(_ config: JSONValue) -> String {
        guard let wd = config["optimizer"]?.value["weight_decay"]?.value else { return "-" }
        if case .number(let x) = wd { return x == 0 ? "-" : "λ=" + formatNumber(x) }
        if case .number(let x)? = wd["lambda_new"]?.value { return "λnew=" + formatNumber(x) }
        if case .number(let x)? = wd["lambda"]?.value { return x == 0 ? "-" : "λ=" + formatNumber(x) }
        return "-"
    }

    static func compact(_ v: JSONValue) -> String {
        switch v {
        case .number(let x): return formatNumber(x)
        case .string(let s): return s
        case .array(let items) where items.count > 8:  // a long table's lrs: ends and the count
            let shown = items.prefix(3).map { compact($0.value) } + ["…"] + items.suffix(1).map { compact($0.value) }
            return "[" + shown.joined(separator: ",") + "](\(items.count))"
        case .array(let items): return "[" + items.map { compact($0.value) }.joined(separator: ",") + "]"
        default: return v.jsonText
        }
    }
}

/// Seconds with two decimals below 10 s, one above: 0.08, 3.25, 42.1.
public func formatSeconds(_ s: Double) -> String { String(format: s < 10 ? "%.2f" : "%.1f", s) }

/// Four significant digits, without trailing zeros: 0.1234, 1.5e-05, 12, nan.
public func formatNumber(_ x: Double, digits: Int = 4) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == x.rounded(), abs(x) < 1e6 { return String(Int(x)) }
    var s = String(format: "%.\(digits)g", x)
    if s.contains("e") {
        // 1.500e-05 → 1.5e-05
        let parts = s.split(separator: "e", maxSplits: 1)
        var mantissa = String(parts[0])
        if mantissa.contains(".") {
            while mantissa.hasSuffix("0") { mantissa.removeLast() }
            if mantissa.hasSuffix(".") { mantissa.removeLast() }
        }
        s = mantissa + "e" + parts[1]
    }
    return s
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}
