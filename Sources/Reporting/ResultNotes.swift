// What a ranking cannot show by itself: why nothing could be ranked, and which results deserve little trust.

import Foundation
import JSON5
import Search
import Trainer

extension SearchReport {
    /// Why no configuration has a finite objective (nil when one has, or when no trial finished):
    /// `all 3 trials diverged (NaN/Inf or exploding loss); try a lower LR range`.
    public var noValueReason: String? {
        guard !records.isEmpty, !ranked.contains(where: { $0.state != .diverged && $0.state != .failed && $0.mean.isFinite }) else { return nil }
        let n = records.count, diverged = records.filter { $0.state == .diverged }.count
        let all = n == 1 ? "the only trial" : "all \(n) trials"
        let failed = records.filter { $0.state == .failed }.count
        if failed == n { return "\(all) failed (their reasons are in trials.jsonl, their programs' logs in trials/)" }
        if diverged == n { return "\(all) diverged (NaN/Inf or exploding loss); try a lower LR range" }
        let other = n - diverged
        let missing = "\(objective.rawValue) is not computed for this task or its values are NaN"
        if diverged == 0 { return "\(all) finished without a value: \(missing)" }
        return "\(diverged) of \(n) trials diverged (NaN/Inf or exploding loss) and the other \(other) finished "
            + "without a value: \(missing)"
    }

    /// One line about failed trials (external programs), naming the first one's reason's first line and
    /// its log, or nil when none failed: `2 trials failed; trial 0: exit status 3 after 0 reports …`.
    public var failureWarning: String? {
        let failed = records.filter { $0.state == .failed }.sorted { $0.id < $1.id }
        guard let first = failed.first else { return nil }
        var why = first.reason.map { String($0.split(separator: "\n", omittingEmptySubsequences: false).first ?? "") } ?? "no reason recorded"
        if let r = why.range(of: "; last lines of "), why.hasSuffix(":") {  // name the log instead of quoting it
            why = why[..<r.lowerBound] + "; log: " + why[r.upperBound...].dropLast()
        }
        return "\(failed.count) trial\(failed.count == 1 ? "" : "s") failed; trial \(first.id.index)"
            + (first.id.repeat > 0 ? " (repeat \(first.id.repeat))" : "") + ": \(why)"
    }

    /// One line per family that finished fewer than `minimum` complete trials:
    /// `equivalent_explr: 1 trial; its rank says little`; when more than `maxLines` families are short,
    /// one line naming them all (`9 of 14 families finished fewer than 3 complete trials: constant 0,
    /// cosine 1, …; their ranks say little`). `families` lists the search's families (so one with no
    /// trial at all is named); the families of the records are added to it. In alphabetical order, so
    /// that `run` and `report` print the same lines.
    public func fewTrialWarnings(families: [String] = [], minimum: Int = 3, maxLines: Int = 3) -> [String] {
        let names = Set(families + ranked.map(\.representative.family.rawValue)).sorted()
        guard names.count > 1 else { return [] }  // one family: nothing to compare it with
        let short = names.compactMap { f -> (family: String, complete: Int, others: [String])? in
            let entries = ranked.filter { $0.representative.family.rawValue == f }
            let complete = entries.filter { $0.state == .ok }.count
            guard complete < minimum else { return nil }
            let others = [TrialStatus.pruned, .diverged, .failed].compactMap { s -> String? in
                let k = entries.filter { $0.state == s }.count
                return k == 0 ? nil : "\(k) \(s.rawValue)"
            }
            return (f, complete, others)
        }
        guard short.count <= maxLines else {
            let list = short.map { "\($0.family) \($0.complete)" }.joined(separator: ", ")
            return ["\(short.count) of \(names.count) families finished fewer than \(minimum) complete trials: \(list); "
                    + "their ranks say little"]
        }
        return short.map { s in
            let trials = "\(s.complete)" + (s.others.isEmpty ? "" : " complete") + " trial\(s.complete == 1 ? "" : "s")"
            return "\(s.family): \(trials)" + (s.others.isEmpty ? "" : " (" + s.others.joined(separator: ", ") + ")")
                + "; its rank says little"
        }
    }

    /// One line per sampled range whose best value lies in the outer 5% of the range (in log space for
    /// a log-uniform one): `lr = 0.48 is in the top 5% of its range loguniform[0.003, 0.5]; the best
    /// value may lie beyond it: widen the range`. The best is the first complete configuration with a value.
    public func edgeWarnings(margin: Double = 0.05) -> [String] {
        guard let best = ranked.first(where: { $0.state == .ok && $0.mean.isFinite }) else { return [] }
        let config = best.representative.sampled, family = best.representative.family.rawValue
        return parameters.compactMap { p in
            guard let range = p.range, p.family == nil || p.family == family, let x = p.value(in: config),
                  let u = range.position(of: x) else { return nil }
            guard u < margin || u > 1 - margin else { return nil }
            let side = u > 1 - margin ? "top" : "bottom"
            return "\(p.label) = \(formatNumber(x)) is in the \(side) \(Int((margin * 100).rounded()))% of its range "
                + "\(range.summary); the best value may lie beyond it: widen the range"
        }
    }
}
