// ranked.csv: one row per configuration, one flat column per configuration parameter (RFC 4180).

import Foundation
import JSON5
import Search

public enum CSVExport {
    /// The leading columns; the configuration's flattened keys (`schedule.gamma`, `task.epochs` …)
    /// follow in order of first appearance.
    public static let fixedColumns = ["rank", "trial", "family", "status", "objective", "objective_std", "repeats",
                                      "final_train_loss", "final_val_loss", "final_val_accuracy", "epochs", "seconds"]

    /// Added after `final_val_accuracy` when the trials recorded regression metrics.
    public static let regressionColumns = ["final_val_r2", "final_val_mae"]

    public static func csv(_ entries: [RankedEntry]) -> String {
        let regression = entries.contains { e in e.records.contains { $0.epochs.last?.valR2 != nil || $0.epochs.last?.valMAE != nil } }
        var fixedColumns = fixedColumns
        if regression, let at = fixedColumns.firstIndex(of: "final_val_accuracy") {
            fixedColumns.insert(contentsOf: regressionColumns, at: at + 1)
        }
        var configColumns: [String] = []
        var seen = Set<String>()
        let flats = entries.map { e -> [String: String] in
            var flat: [(String, String)] = []
            flatten(e.representative.sampled, prefix: "", into: &flat)
            flat += e.representative.derived.map { ("derived.\($0.name)", number($0.value)) }
            for (k, _) in flat where !seen.contains(k) && k != "seed" {
                seen.insert(k)
                configColumns.append(k)
            }
            return Dictionary(flat, uniquingKeysWith: { a, _ in a })
        }
        var lines = [(fixedColumns + configColumns).map(quote).joined(separator: ",")]
        for (e, flat) in zip(entries, flats) {
            let last = e.representative.epochs.last
            var fixed = [String(e.rank), String(e.index), e.representative.family.rawValue, e.state.rawValue, number(e.mean),
                         number(e.std), String(e.records.count), last.map { number($0.trainLoss) } ?? "",
                         last.map { number($0.valLoss) } ?? "", last?.valAccuracy.map(number) ?? "",
                         last.map { String($0.epoch) } ?? "0", number(e.seconds)]
            if regression {
                fixed.insert(contentsOf: [last?.valR2.map(number) ?? "", last?.valMAE.map(number) ?? ""], at: 10)
            }
            lines.append((fixed + configColumns.map { flat[$0] ?? "" }).map(quote).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Full precision (shortest round trip), empty for NaN.
    static func number(_ x: Double) -> String { x.isNaN ? "" : JSONWriter.number(x) }

    static func flatten(_ v: JSONValue, prefix: String, into out: inout [(String, String)]) {
        switch v {
        case .object(let members):
            for m in members { flatten(m.value.value, prefix: joinPath(prefix, m.key), into: &out) }
        case .number(let x): out.append((prefix, number(x)))
        case .string(let s): out.append((prefix, s))
        case .bool(let b): out.append((prefix, b ? "true" : "false"))
        case .null: out.append((prefix, ""))
        case .array: out.append((prefix, v.jsonText))
        }
    }

    /// RFC 4180: quote a field holding a comma, quote, CR or LF, doubling inner quotes.
    public static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
