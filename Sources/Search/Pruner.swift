// Early stopping of hopeless trials: asynchronous successive halving (ASHA) and the median rule.

import Synchronization
import Trainer

/// Decides after each epoch whether a running trial goes on. Implementations keep what they have
/// seen behind a lock, since trials report from several workers at once.
public protocol Pruner: Sendable {
    /// Records `value` (the objective at `epoch`, oriented so that lower is better) for `trial`
    /// and says whether the trial should stop now.
    func shouldPrune(trial: TrialID, epoch: Int, value: Double) -> Bool
    /// Learns from a trial that ran to its end while this pruner watched (its epochs were reported).
    func trialCompleted(trial: TrialID, values: [Double])
    /// Learns from a trial replayed from the journal on resume (its epochs were never reported here);
    /// `complete` is false for a pruned or diverged trial.
    func replayed(trial: TrialID, values: [Double], complete: Bool)
}

/// Asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter
/// Tuning", MLSys 2020). Rungs sit at epochs `minEpochs · η^k` below `maxEpochs`. A trial reaching a
/// rung goes on only if its value is among the best ⌊n/η⌋ (at least 1) of the n values recorded at
/// that rung so far, itself included — so no worker ever waits for a rung to fill.
public final class ASHAPruner: Pruner {
    public let minEpochs: Int
    public let reductionFactor: Int
    public let maxEpochs: Int
    /// Epochs at which trials are compared.
    public let rungs: [Int]
    private let recorded = Mutex<[Int: [Double]]>([:])

    public init(minEpochs: Int, reductionFactor: Int, maxEpochs: Int) {
        precondition(minEpochs >= 1 && reductionFactor >= 2, "validate the pruner before building it")
        self.minEpochs = minEpochs
        self.reductionFactor = reductionFactor
        self.maxEpochs = maxEpochs
        var rungs: [Int] = []
        var e = minEpochs
        while e < maxEpochs {
            rungs.append(e)
            guard e <= Int.max / reductionFactor else { break }
            e *= reductionFactor
        }
        self.rungs = rungs
    }

    public func shouldPrune(trial: TrialID, epoch: Int, value: Double) -> Bool {
        guard rungs.contains(epoch) else { return false }
        let v = value.isNaN ? .infinity : value
        return recorded.withLock { r in
            r[epoch, default: []].append(v)
            let values = r[epoch, default: []].sorted()
            let keep = max(1, values.count / reductionFactor)
            return v > values[keep - 1]
        }
    }

    public func trialCompleted(trial: TrialID, values: [Double]) {}  // its rung values were recorded as it ran

    public func replayed(trial: TrialID, values: [Double], complete: Bool) {
        recorded.withLock { r in
            for e in rungs where e <= values.count {
                let v = values[e - 1]
                r[e, default: []].append(v.isNaN ? .infinity : v)
            }
        }
    }
}

/// Hyperband over ASHA brackets (Li et al. 2018, asynchronous form of Li et al. 2020), for when the
/// right minimum budget is unknown: bracket b runs ASHA with minimum `minEpochs · η^b`, and trial i
/// belongs to bracket i mod `brackets`. Bracket 0 prunes hardest; the last prunes least.
public final class HyperbandPruner: Pruner {
    public let brackets: [ASHAPruner]

    public init(minEpochs: Int, reductionFactor: Int, maxEpochs: Int, brackets: Int) {
        var list: [ASHAPruner] = []
        var m = minEpochs
        for _ in 0..<max(1, brackets) where m < maxEpochs {
            list.append(ASHAPruner(minEpochs: m, reductionFactor: reductionFactor, maxEpochs: maxEpochs))
            let (next, overflow) = m.multipliedReportingOverflow(by: reductionFactor)
            if overflow { break }
            m = next
        }
        if list.isEmpty { list.append(ASHAPruner(minEpochs: minEpochs, reductionFactor: reductionFactor, maxEpochs: maxEpochs)) }
        self.brackets = list
    }

    func bracket(_ trial: TrialID) -> ASHAPruner { brackets[trial.index % brackets.count] }

    public func shouldPrune(trial: TrialID, epoch: Int, value: Double) -> Bool {
        bracket(trial).shouldPrune(trial: trial, epoch: epoch, value: value)
    }

    public func trialCompleted(trial: TrialID, values: [Double]) {}

    public func replayed(trial: TrialID, values: [Double], complete: Bool) {
        bracket(trial).replayed(trial: trial, values: values, complete: complete)
    }
}

/// The median rule (Golovin et al., "Google Vizier", KDD 2017): after `warmupEpochs`, stop a trial
/// whose value at epoch e is worse than the median of the values of finished trials at e, once at
/// least `minTrials` trials have finished.
public final class MedianPruner: Pruner {
    public let warmupEpochs: Int
    public let minTrials: Int
    private let finished = Mutex<[[Double]]>([])

    public init(warmupEpochs: Int, minTrials: Int) {
        self.warmupEpochs = warmupEpochs
        self.minTrials = minTrials
    }

    public func shouldPrune(trial: TrialID, epoch: Int, value: Double) -> Bool {
        guard epoch > warmupEpochs else { return false }
        let others = finished.withLock { $0 }.compactMap { $0.count >= epoch ? $0[epoch - 1] : nil }
        guard others.count >= minTrials else { return false }
        let sorted = others.map { $0.isNaN ? .infinity : $0 }.sorted()
        let mid = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        return (value.isNaN ? .infinity : value) > median
    }

    public func trialCompleted(trial: TrialID, values: [Double]) {
        finished.withLock { $0.append(values) }
    }

    public func replayed(trial: TrialID, values: [Double], complete: Bool) {
        if complete { trialCompleted(trial: trial, values: values) }
    }
}

extension Objective {
    /// The objective after each epoch of `epochs`, oriented so that lower is better (accuracy negated).
    public func curve(_ epochs: [EpochRecord]) -> [Double] {
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
