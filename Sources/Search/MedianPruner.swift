// The median stopping rule: stop a trial doing worse than the median of finished trials.

/// The median rule (Golovin et al., "Google Vizier", KDD 2017): after `warmupEpochs`, stop a trial
/// whose value at epoch e is worse than the median of the values at e of its peers that ran to their
/// end, once at least `minTrials` of them have. (Peers pruned or diverged are left out, as Vizier
/// uses completed trials; so the rule waits for its peers to finish.)
public struct MedianPruner: Pruner, Equatable {
    public let warmupEpochs: Int
    public let minTrials: Int

    public init(warmupEpochs: Int, minTrials: Int) {
        self.warmupEpochs = warmupEpochs
        self.minTrials = minTrials
    }

    public func checkpoint(trial: TrialID, epoch: Int) -> PruneCheckpoint? {
        epoch > warmupEpochs ? .finished : nil
    }

    public func shouldPrune(trial: TrialID, epoch: Int, value: Double, peers: [PrunePeer]) -> Bool {
        guard epoch > warmupEpochs, epoch >= 1 else { return false }
        let others = peers.filter(\.complete).compactMap { $0.values.count >= epoch ? $0.values[epoch - 1] : nil }
        guard others.count >= max(1, minTrials) else { return false }
        let sorted = others.map { $0.isNaN ? .infinity : $0 }.sorted()
        let mid = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        return (value.isNaN ? .infinity : value) > median
    }
}
