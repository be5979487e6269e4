// A search's results as the report shows them: the journal's header, the trials in completion order, the ranking.

import JSON5
import Search
import Trainer

/// Everything a report is drawn from. Built from a journal replay alone: the spec is not needed.
public struct SearchReport: Sendable {
    public var info: SearchInfo
    public var objective: Objective
    /// Every finished trial, in the order it finished (the journal's order).
    public var records: [TrialRecord]
    public var ranked: [RankedEntry]
    /// The parameters the search sampled (from the journal, or inferred from the configs for old journals).
    public var parameters: [PlottedParameter]
    /// Colour and marker of each family.
    public var styles: [String: SeriesStyle]
    /// A PBT run's members, segments and exploits (PBTSection.swift), or nil.
    public var pbt: PBTHistory? = nil

    /// `objective` applies when the journal does not name one (journals before version 2).
    public init(info: SearchInfo, records: [TrialRecord], objective fallback: Objective = .finalValLoss) {
        self.info = info
        objective = info.objective ?? fallback
        self.records = records
        ranked = rank(records, objective: objective)
        parameters = info.parameters ?? Self.inferParameters(records)
        styles = Palette.families(records.map(\.family.rawValue))
    }

    /// Trials per state, in the order ok, pruned, diverged (every repeat counts), then failed when any
    /// trial failed (only external programs fail).
    public var counts: [(state: TrialStatus, count: Int)] {
        let failed = records.filter { $0.state == .failed }.count
        return [TrialStatus.ok, .pruned, .diverged].map { s in (s, records.filter { $0.state == s }.count) }
            + (failed > 0 ? [(.failed, failed)] : [])
    }

    /// The best configurations whose curves are drawn.
    public func top(_ k: Int = 10) -> [RankedEntry] { Array(ranked.prefix(k)) }

    public func style(_ family: String) -> SeriesStyle {
        styles[family] ?? Palette.family(0)
    }

    /// Legend label of a ranked entry: `#1 trial 41 sgdr`.
    public static func label(_ e: RankedEntry) -> String {
        "#\(e.rank) trial \(e.index) \(e.representative.family.rawValue)"
    }

    /// For journals without a parameter list: every numeric leaf of the configs (seeds aside) that
    /// takes more than one value, on a log axis when its values span more than a decade.
    static func inferParameters(_ records: [TrialRecord]) -> [PlottedParameter] {
        var order: [[String]] = []
        var values: [[String]: [Double]] = [:]
        for r in records {
            var leaves: [([String], Double)] = []
            numericLeaves(r.sampled, path: [], into: &leaves)
            for (path, x) in leaves where path.last != "seed" && path.last != "split_seed" {
                if values[path] == nil { order.append(path) }
                values[path, default: []].append(x)
            }
        }
        return order.compactMap { path in
            let xs = values[path] ?? []
            guard Set(xs).count > 1 else { return nil }
            return PlottedParameter(label: path.joined(separator: "."), paths: [path], logScale: PlotScale.prefersLog(xs))
        }
    }

    static func numericLeaves(_ v: JSONValue, path: [String], into out: inout [([String], Double)]) {
        switch v {
        case .object(let members):
            for m in members { numericLeaves(m.value.value, path: path + [m.key], into: &out) }
        case .number(let x):
            out.append((path, x))
        default:
            break
        }
    }
}
