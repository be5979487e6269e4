// Hyperband: brackets with growing minimum budgets, trials routed and compared within their bracket.

@testable import Search
import Testing

@Suite struct HyperbandPrunerTests {
    func peer(_ i: Int, _ values: [Double]) -> PrunePeer {
        PrunePeer(id: TrialID(index: i, repeat: 0), values: values, finished: true, complete: false)
    }

    @Test func bracketsStartAtGrowingBudgets() {
        let hb = HyperbandPruner(minEpochs: 1, reductionFactor: 3, maxEpochs: 27, brackets: 3)
        #expect(hb.brackets.map(\.rungs) == [[1, 3, 9], [3, 9], [9]])
        let capped = HyperbandPruner(minEpochs: 1, reductionFactor: 3, maxEpochs: 5, brackets: 4)
        #expect(capped.brackets.map(\.rungs) == [[1, 3], [3]])  // 9 ≥ 5: no third bracket
    }

    @Test func trialsAreRoutedByIndexAndComparedWithinTheirBracket() {
        let hb = HyperbandPruner(minEpochs: 1, reductionFactor: 3, maxEpochs: 27, brackets: 3)
        #expect(hb.checkpoint(trial: TrialID(index: 1, repeat: 0), epoch: 1) == nil)  // bracket 1 has no rung at 1
        #expect(hb.checkpoint(trial: TrialID(index: 3, repeat: 0), epoch: 1) == .reached)
        let peers = [peer(0, [0.5]), peer(1, [0.1]), peer(2, [0.1])]
        // Trial 3 is in bracket 0 with trial 0 only: n=2, keep 1, 0.6 > 0.5.
        #expect(hb.shouldPrune(trial: TrialID(index: 3, repeat: 0), epoch: 1, value: 0.6, peers: peers))
        #expect(!hb.shouldPrune(trial: TrialID(index: 3, repeat: 0), epoch: 1, value: 0.4, peers: peers))
        #expect(!hb.shouldPrune(trial: TrialID(index: 4, repeat: 0), epoch: 1, value: 9, peers: peers))  // bracket 1
        // So trials of other brackets are not waited for.
        #expect(hb.compares(TrialID(index: 3, repeat: 0), with: TrialID(index: 0, repeat: 0)))
        #expect(!hb.compares(TrialID(index: 3, repeat: 0), with: TrialID(index: 1, repeat: 0)))
        #expect(ASHAPruner(minEpochs: 1, reductionFactor: 3, maxEpochs: 9).compares(TrialID(index: 3, repeat: 0), with: TrialID(index: 1, repeat: 0)))
    }
}
