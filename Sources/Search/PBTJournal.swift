// Reading pbt.jsonl back: the segments and exploits of a PBT run, for its report.

import Foundation
import JSON5

public enum PBTJournal {
    /// The history pbt.jsonl records (nil when there is none or it holds no segment). A resumed run
    /// repeats the intervals after its snapshot: the last record of each (interval, slot) segment and
    /// each (epoch, recipient) exploit wins. Unreadable lines are skipped (the report is best effort).
    /// Population and interval come from the `pbt_start` line.
    public static func history(path: String, objective: Objective) -> PBTHistory? {
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8) else { return nil }
        var segments: [String: PBTSegment] = [:], exploits: [String: PBTExploit] = [:]
        var idle = 0.0
        var idleByInterval: [Int: Double] = [:]
        var population = 0, intervalEpochs = 1
        func num(_ v: JSONValue?) -> Double? { if case .number(let d)? = v { return d }; return nil }
        func int(_ v: JSONValue?) -> Int? { num(v).flatMap { $0 >= 0 && $0 < 1e9 ? Int($0) : nil } }
        func values(_ v: JSONValue?) -> PBTValues? {
            guard let v, let lr = num(v["lr"]?.value) else { return nil }
            return PBTValues(lr: lr, momentum: num(v["momentum"]?.value), lambdaNew: num(v["lambda_new"]?.value))
        }
        for line in text.split(separator: "\n") {
            guard let node = try? JSON5Parser.parse(utf8: Array(line.utf8)), case .string(let op)? = node.value["op"]?.value
            else { continue }
            let v = node.value
            switch op {
            case "pbt_start", "pbt_resume":
                population = int(v["population"]?.value) ?? population
                intervalEpochs = int(v["interval_epochs"]?.value) ?? intervalEpochs
            case "segment":
                guard let slot = int(v["slot"]?.value), let k = int(v["interval"]?.value),
                      case .array(let e)? = v["epochs"]?.value, e.count == 2, let lo = int(e[0].value), let hi = int(e[1].value),
                      let vals = values(v["values"]?.value) else { continue }
                segments["\(k)/\(slot)"] = PBTSegment(slot: slot, interval: k, startEpoch: lo, endEpoch: hi, values: vals,
                                                      objective: num(v["objective"]?.value) ?? .nan)
            case "exploit":
                guard let epoch = int(v["epoch"]?.value), let r = int(v["recipient"]?.value), let d = int(v["donor"]?.value),
                      let from = values(v["from"]?.value), let to = values(v["to"]?.value) else { continue }
                exploits["\(epoch)/\(r)"] = PBTExploit(epoch: epoch, recipient: r, donor: d, from: from, to: to)
            case "boundary":
                if let k = int(v["interval"]?.value) { idleByInterval[k] = num(v["idle_seconds"]?.value) ?? 0 }
            default:
                continue
            }
        }
        idle = idleByInterval.values.reduce(0, +)
        // A damaged line must not make the report draw (or allocate) a billion intervals or members: a
        // real run has `population` segments per interval, so an interval number is below the number of
        // segments, and a slot below the population its start line declares.
        let count = segments.count
        let inRange = { (slot: Int) in population == 0 || slot < population }
        segments = segments.filter { $0.value.interval < count && inRange($0.value.slot) }
        exploits = exploits.filter { inRange($0.value.recipient) && inRange($0.value.donor) }
        guard !segments.isEmpty else { return nil }
        let segs = segments.values.sorted { ($0.interval, $0.slot) < ($1.interval, $1.slot) }
        let exps = exploits.values.sorted { ($0.epoch, $0.recipient) < ($1.epoch, $1.recipient) }
        population = max(population, (segs.map(\.slot).max() ?? -1) + 1)
        return PBTHistory(population: min(population, 4096), intervalEpochs: intervalEpochs,
                          epochs: segs.map(\.endEpoch).max() ?? 0, segments: segs, exploits: exps, idleSeconds: idle,
                          objective: objective)
    }
}

extension SearchSession {
    /// The hash a search's journal and snapshots are tied to (the spec without `trials` and `description`).
    public static func specHash(_ spec: SearchSpec) -> String { hash(spec) }
}
