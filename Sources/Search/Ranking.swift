// Ranking: configurations ordered by the objective's mean over their seed repeats.

import Foundation
import Trainer

/// One configuration of the ranking: its repeats, the mean and spread of the objective, its state.
public struct RankedEntry: Sendable, Equatable {
    public var rank: Int
    public var index: Int
    /// The finished repeats of this configuration, by repeat number.
    public var records: [TrialRecord]
    /// The worst state among the repeats (one diverged seed makes the configuration diverged).
    public var state: TrialStatus
    /// Mean of the objective over the repeats (NaN when a repeat has no finite value).
    public var mean: Double
    /// Sample standard deviation over the repeats (0 for a single repeat).
    public var std: Double

    /// The first repeat's record: the configuration, family and curves shown for the entry.
    public var representative: TrialRecord { records[0] }
    public var seconds: Double { records.reduce(0) { $0 + $1.seconds } }
}

/// Ranks finished trials by `objective`: complete configurations with a finite mean first, then
/// pruned ones with a finite mean, then the rest (complete, pruned, diverged, in that order; a
/// diverged configuration's value is not a result whatever it is), so a missing value (NaN) never
/// ranks above a number. Within a group by the mean objective (ascending for losses, descending
/// for accuracy), ties broken by configuration index so that the order is the same however the
/// trials were scheduled.
///
/// - Complexity: O(n log n) in the number of records.
public func rank(_ records: [TrialRecord], objective: Objective) -> [RankedEntry] {
    let groups = Dictionary(grouping: records, by: \.id.index)
    var entries: [RankedEntry] = groups.map { index, group in
        let repeats = group.sorted { $0.id.repeat < $1.id.repeat }
        let values = repeats.map { $0.objective(objective) }
        let state = repeats.map(\.state).max { $0.rankOrder < $1.rankOrder } ?? .ok
        let mean = values.reduce(0, +) / Double(values.count)
        var std = 0.0
        if values.count > 1, mean.isFinite {
            std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
        }
        return RankedEntry(rank: 0, index: index, records: repeats, state: state, mean: mean, std: std)
    }
    /// 0 complete with a value, 1 pruned with a value, 2 everything else (diverged and failed last).
    func group(_ e: RankedEntry) -> Int {
        e.state == .diverged || e.state == .failed || !e.mean.isFinite ? 2 : e.state.rankOrder
    }
    entries.sort { a, b in
        if group(a) != group(b) { return group(a) < group(b) }
        if a.state.rankOrder != b.state.rankOrder { return a.state.rankOrder < b.state.rankOrder }
        switch (a.mean.isFinite, b.mean.isFinite) {
        case (true, false): return true
        case (false, true): return false
        case (true, true) where a.mean != b.mean:
            return objective.maximizes ? a.mean > b.mean : a.mean < b.mean
        default: return a.index < b.index
        }
    }
    for i in entries.indices { entries[i].rank = i + 1 }
    return entries
}
