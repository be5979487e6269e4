// Hyperband: ASHA brackets with growing minimum budgets, trials routed to a bracket by index.

/// Hyperband over ASHA brackets (Li et al. 2018, asynchronous form of Li et al. 2020), for when the
/// right minimum budget is unknown: bracket b runs ASHA with minimum `minEpochs · η^b`, and trial i
/// belongs to bracket i mod `brackets`. Bracket 0 prunes hardest; the last prunes least. A trial is
/// compared only with the peers of its own bracket.
public struct HyperbandPruner: Pruner, Equatable {
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

    /// The bracket of trial `index` (its index mod the number of brackets).
    public func bracketIndex(_ index: Int) -> Int { index % brackets.count }

    func bracket(_ trial: TrialID) -> ASHAPruner { brackets[bracketIndex(trial.index)] }

    public func checkpoint(trial: TrialID, epoch: Int) -> PruneCheckpoint? {
        bracket(trial).checkpoint(trial: trial, epoch: epoch)
    }

    public func compares(_ trial: TrialID, with other: TrialID) -> Bool {
        bracketIndex(trial.index) == bracketIndex(other.index)
    }

    public func shouldPrune(trial: TrialID, epoch: Int, value: Double, peers: [PrunePeer]) -> Bool {
        let b = bracketIndex(trial.index)
        return brackets[b].shouldPrune(trial: trial, epoch: epoch, value: value,
                                       peers: peers.filter { bracketIndex($0.id.index) == b })
    }
}
