// ASHA on hand-built peers: rungs, the top 1/η, and NaN as the worst value.

@testable import Search
import Testing

@Suite struct ASHAPrunerTests {
    func peer(_ i: Int, _ values: [Double], finished: Bool = true) -> PrunePeer {
        PrunePeer(id: TrialID(index: i, repeat: 0), values: values, finished: finished, complete: false)
    }

    let me = TrialID(index: 99, repeat: 0)

    @Test func rungsSitAtMinTimesFactorPowers() {
        #expect(ASHAPruner(minEpochs: 1, reductionFactor: 3, maxEpochs: 30).rungs == [1, 3, 9, 27])
        #expect(ASHAPruner(minEpochs: 2, reductionFactor: 2, maxEpochs: 16).rungs == [2, 4, 8])  // 16 is the end, not a rung
        #expect(ASHAPruner(minEpochs: 1, reductionFactor: 3, maxEpochs: 30).checkpoint(trial: me, epoch: 2) == nil)
        #expect(ASHAPruner(minEpochs: 1, reductionFactor: 3, maxEpochs: 30).checkpoint(trial: me, epoch: 3) == .reached)
    }

    @Test func keepsTheTopThirdOfThePeersAtTheRung() {
        let asha = ASHAPruner(minEpochs: 1, reductionFactor: 3, maxEpochs: 9)
        let p = [peer(0, [0.5]), peer(1, [0.7]), peer(2, [0.4]), peer(3, [0.45]), peer(4, [0.6])]
        #expect(!asha.shouldPrune(trial: me, epoch: 1, value: 0.5, peers: []))           // n=1: best of one
        #expect(asha.shouldPrune(trial: me, epoch: 1, value: 0.7, peers: [p[0]]))       // n=2: keep 1, 0.7 > 0.5
        #expect(!asha.shouldPrune(trial: me, epoch: 1, value: 0.4, peers: Array(p[0..<2])))  // n=3: 0.4 is the best
        #expect(asha.shouldPrune(trial: me, epoch: 1, value: 0.45, peers: Array(p[0..<3])))  // n=4: keep 1 (0.4)
        #expect(!asha.shouldPrune(trial: me, epoch: 1, value: 0.42, peers: p))           // n=6: keep 2 (0.4, 0.42)
        #expect(!asha.shouldPrune(trial: me, epoch: 2, value: 9, peers: p))              // not a rung: never pruned
    }

    @Test func peersShortOfTheRungDoNotCountAndNaNIsWorst() {
        let asha = ASHAPruner(minEpochs: 1, reductionFactor: 2, maxEpochs: 8)
        // Peer 0 stopped at epoch 1; only peer 1 reached rung 2.
        let p = [peer(0, [0.1]), peer(1, [0.3, 0.2])]
        #expect(!asha.shouldPrune(trial: me, epoch: 2, value: 0.15, peers: p))  // n=2 at rung 2, keep 1: 0.15 < 0.2
        #expect(asha.shouldPrune(trial: me, epoch: 2, value: 0.25, peers: p))
        #expect(asha.shouldPrune(trial: me, epoch: 2, value: .nan, peers: p))   // NaN counts as +∞
        #expect(!asha.shouldPrune(trial: me, epoch: 2, value: 5, peers: [peer(1, [0.3, .nan])]))  // a NaN peer loses to anything
    }

    @Test func theDecisionIgnoresPeerOrder() {
        let asha = ASHAPruner(minEpochs: 1, reductionFactor: 3, maxEpochs: 9)
        let p = (0..<7).map { peer($0, [Double($0 * 37 % 11)]) }
        for v in stride(from: -1.0, through: 12, by: 0.5) {
            #expect(asha.shouldPrune(trial: me, epoch: 1, value: v, peers: p)
                    == asha.shouldPrune(trial: me, epoch: 1, value: v, peers: p.reversed()))
        }
    }
}
