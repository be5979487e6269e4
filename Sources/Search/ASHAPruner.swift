// Asynchronous successive halving (ASHA): compare trials at geometrically spaced rungs.

/// Asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter
/// Tuning", MLSys 2020). Rungs sit at epochs `minEpochs · η^k` below `maxEpochs`. A trial reaching a
/// rung goes on only if its value is among the best ⌊n/η⌋ (at least 1) of the n values at that rung:
/// its own and those of its peers that reached the rung (NaN counts as +∞).
///
/// - Complexity: O(p log p) per decision for p peers.
public struct ASHAPruner: Pruner, Equatable {
    public let minEpochs: Int
    public let reductionFactor: Int
    public let maxEpochs: Int
    /// Epochs at which trials are compared.
    public let rungs: [Int]

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

    public func checkpoint(trial: TrialID, epoch: Int) -> PruneCheckpoint? {
        rungs.contains(epoch) ? .reached : nil
    }

    public func shouldPrune(trial: TrialID, epoch: Int, value: Double, peers: [PrunePeer]) -> Bool {
        guard rungs.contains(epoch), epoch >= 1 else { return false }
        let v = value.isNaN ? .infinity : value
        var values = peers.compactMap { $0.values.count >= epoch ? $0.values[epoch - 1] : nil }.map { $0.isNaN ? .infinity : $0 }
        values.append(v)
        values.sort()
        let keep = max(1, values.count / reductionFactor)
        return v > values[keep - 1]
    }
}
