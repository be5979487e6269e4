// Re-ranking from the terminal: sort the ranked entries by a column, filter them by family or status, export JSON.

import JSON5
import Search
import Trainer

/// A column `lrsearch report --sort` orders by. Ascending, except `val_acc` (highest first) and
/// `objective` (best first, the ranking's own order); ties keep the ranking's order.
public enum SortColumn: String, Sendable, CaseIterable {
    case rank, trial, family, status, objective, lr
    case trainLoss = "train_loss", valLoss = "val_loss", valAcc = "val_acc"
    case epochs, seconds
}

/// Problems with a sort column or a filter, naming what was given and the valid choices.
public enum ReportQueryError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownColumn(String)
    case malformedFilter(String)
    case unknownFilterKey(String)
    case unknownFilterValue(key: String, value: String, valid: [String])

    public static let filterKeys = ["family", "status"]

    public var description: String {
        switch self {
        case .unknownColumn(let c):
            return "unknown column '\(c)'" + suggestion(c, SortColumn.allCases.map(\.rawValue))
                + "; columns: " + SortColumn.allCases.map(\.rawValue).joined(separator: ", ")
        case .malformedFilter(let text):
            return "expected KEY=VALUE[,VALUE…] with KEY one of \(Self.filterKeys.joined(separator: ", ")), got '\(text)'"
        case .unknownFilterKey(let k):
            return "unknown key '\(k)'" + suggestion(k, Self.filterKeys) + "; keys: " + Self.filterKeys.joined(separator: ", ")
        case .unknownFilterValue(let key, let value, let valid):
            return "no \(key) '\(value)' in these results" + suggestion(value, valid)
                + "; \(key == "family" ? "families" : "statuses"): " + valid.joined(separator: ", ")
        }
    }

    func suggestion(_ word: String, _ valid: [String]) -> String {
        closestMatch(to: word, in: valid).map { " (did you mean '\($0)'?)" } ?? ""
    }
}

/// Keeps entries whose family (or status) is one of the listed values.
public struct ReportFilter: Sendable, Equatable {
    public var key: String
    public var values: [String]

    /// Parses `family=cosine` or `status=ok,pruned`, checking the values against `entries`.
    public init(parsing text: String, entries: [RankedEntry]) throws(ReportQueryError) {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw .malformedFilter(text) }
        key = parts[0].trimmingCharacters(in: .whitespaces)
        values = parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let valid: [String]
        switch key {
        case "family": valid = Array(Set(entries.map(\.representative.family.rawValue))).sorted()
        case "status": valid = TrialStatus.allCases.map(\.rawValue)
        default: throw .unknownFilterKey(key)
        }
        if values.isEmpty { throw .malformedFilter(text) }
        if let bad = values.first(where: { !valid.contains($0) }) {
            throw .unknownFilterValue(key: key, value: bad, valid: valid)
        }
    }

    public func keeps(_ e: RankedEntry) -> Bool {
        values.contains(key == "family" ? e.representative.family.rawValue : e.state.rawValue)
    }
}

extension SortColumn {
    /// Reads a column name, suggesting the closest on a typo.
    public init(parsing name: String) throws(ReportQueryError) {
        guard let c = SortColumn(rawValue: name) else { throw .unknownColumn(name) }
        self = c
    }

    /// `entries` (in ranking order) sorted by this column; stable, so ties keep the ranking's order.
    public func sorted(_ entries: [RankedEntry]) -> [RankedEntry] {
        func number(_ e: RankedEntry) -> Double {
            let last = e.representative.epochs.last
            switch self {
            case .lr:
                let s = e.representative.sampled["schedule"]?.value
                if case .number(let x)? = (s?["lr"] ?? s?["max_lr"])?.value { return x }
                return .nan
            case .trainLoss: return last?.trainLoss ?? .nan
            case .valLoss: return last?.valLoss ?? .nan
            case .valAcc: return -(last?.valAccuracy ?? .nan)
            case .epochs: return Double(last?.epoch ?? 0)
            case .seconds: return e.seconds
            case .trial: return Double(e.index)
            case .status: return Double(TrialStatus.allCases.firstIndex(of: e.state) ?? 0)
            default: return Double(e.rank)
            }
        }
        let keyed = entries.enumerated().map { (offset: $0.offset, entry: $0.element, key: number($0.element)) }
        let order = keyed.sorted { a, b in
            if self == .family, a.entry.representative.family.rawValue != b.entry.representative.family.rawValue {
                return a.entry.representative.family.rawValue < b.entry.representative.family.rawValue
            }
            switch (a.key.isFinite, b.key.isFinite) {
            case (true, false): return true
            case (false, true): return false
            case (true, true) where a.key != b.key: return a.key < b.key
            default: return a.offset < b.offset
            }
        }
        return order.map(\.entry)
    }
}

public enum JSONExport {
    /// The ranked entries as a JSON array (non-finite numbers as null), one object per configuration
    /// with the columns of ranked.csv and the full config.
    public static func json(_ entries: [RankedEntry]) -> String {
        func num(_ x: Double?) -> JSONValue { x.map { $0.isFinite ? .number($0) : .null } ?? .null }
        let items: [JSONValue] = entries.map { e in
            let last = e.representative.epochs.last
            var pairs: [(String, JSONValue)] = [
                ("rank", .number(Double(e.rank))), ("trial", .number(Double(e.index))),
                ("family", .string(e.representative.family.rawValue)), ("status", .string(e.state.rawValue)),
                ("objective", num(e.mean)), ("objective_std", num(e.std)), ("repeats", .number(Double(e.records.count))),
                ("final_train_loss", num(last?.trainLoss)), ("final_val_loss", num(last?.valLoss)),
                ("final_val_accuracy", num(last?.valAccuracy)), ("epochs", .number(Double(last?.epoch ?? 0))),
                ("seconds", num(e.seconds)), ("config", e.representative.sampled),
            ]
            if let r2 = last?.valR2 { pairs.insert(("final_val_r2", num(r2)), at: 10) }
            if let mae = last?.valMAE { pairs.insert(("final_val_mae", num(mae)), at: pairs.count - 3) }
            if !e.representative.derived.isEmpty {
                pairs.append(("derived", .object(e.representative.derived.map { JSONMember(key: $0.name, value: JSONNode(num($0.value))) })))
            }
            return .object(pairs.map { JSONMember(key: $0.0, value: JSONNode($0.1)) })
        }
        return JSONWriter.pretty(.array(items.map { JSONNode($0) })) + "\n"
    }
}
