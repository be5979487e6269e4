// Early stopping of hopeless trials: the protocol every pruner implements, and the gate that feeds it
// a deterministic set of peers (see PruningGate.swift).

import Trainer

/// What a pruner needs of a peer before it can judge a trial at an epoch.
public enum PruneCheckpoint: Sendable, Equatable {
    /// The peer has reached the epoch (its value there is known) or has stopped short of it.
    case reached
    /// The peer has finished (ran to its end, was pruned, or diverged).
    case finished
}

/// A peer of the trial being judged: an earlier trial, as far as it is known when the decision is due.
public struct PrunePeer: Sendable, Equatable {
    public var id: TrialID
    /// The objective after each epoch it ran so far (lower is better; NaN where it diverged).
    public var values: [Double]
    /// It has finished: `values` is its whole curve.
    public var finished: Bool
    /// It ran to its last epoch (finished and neither pruned nor diverged).
    public var complete: Bool

    public init(id: TrialID, values: [Double], finished: Bool, complete: Bool) {
        self.id = id
        self.values = values
        self.finished = finished
        self.complete = complete
    }
}

/// Decides after an epoch whether a trial goes on. A pruner is a pure value: its decision depends only
/// on the trial's value and the peers it is given, which `PruningGate` chooses by index (trials
/// 0 … i − 1 − lag), never by timing — so pruned searches reproduce at any `--jobs`.
public protocol Pruner: Sendable {
    /// What the pruner needs of each peer to judge `trial` at `epoch`, or nil when it never stops
    /// `trial` there (so nothing is waited for).
    func checkpoint(trial: TrialID, epoch: Int) -> PruneCheckpoint?
    /// Whether `trial`, whose objective at `epoch` is `value` (lower is better, NaN for diverged),
    /// stops now, judged against `peers` (each meets `checkpoint(trial:epoch:)`).
    func shouldPrune(trial: TrialID, epoch: Int, value: Double, peers: [PrunePeer]) -> Bool
    /// Whether `other` (an earlier trial) is compared with `trial` at all; those that are not are not
    /// waited for. Every earlier trial by default.
    func compares(_ trial: TrialID, with other: TrialID) -> Bool
}

extension Pruner {
    public func compares(_ trial: TrialID, with other: TrialID) -> Bool { true }
}

extension Objective {
    /// The objective after each epoch of `epochs`, oriented so that lower is better (accuracy negated).
    public func curve(_ epochs: [EpochMetrics]) -> [Double] {
        var best = Double.infinity
        return epochs.map { e in
            switch self {
            case .finalValLoss: return e.valLoss
            case .finalTrainLoss: return e.trainLoss
            case .bestValLoss:
                if e.valLoss.isFinite { best = min(best, e.valLoss) }
                return best
            case .finalValAccuracy: return -(e.valAccuracy ?? .nan)
            case .finalValR2: return -(e.valR2 ?? .nan)
            case .finalValMAE: return e.valMAE ?? .nan
            }
        }
    }
}
