// The median rule against completed peers only, after the warm-up.

@testable import Search
import Testing

@Suite struct MedianPrunerTests {
    func peer(_ i: Int, _ values: [Double], complete: Bool = true) -> PrunePeer {
        PrunePeer(id: TrialID(index: i, repeat: 0), values: values, finished: true, complete: complete)
    }

    let me = TrialID(index: 9, repeat: 0)

    @Test func stopsTrialsWorseThanTheMedianOfCompletedPeers() {
        let median = MedianPruner(warmupEpochs: 1, minTrials: 3)
        let two = [peer(0, [1.0, 0.8, 0.5]), peer(1, [1.0, 0.6, 0.4])]
        #expect(!median.shouldPrune(trial: me, epoch: 2, value: 5, peers: two))  // only 2 completed: too few
        let three = two + [peer(2, [1.0, 0.7, 0.3])]
        #expect(median.checkpoint(trial: me, epoch: 1) == nil)                    // warm-up epoch
        #expect(median.checkpoint(trial: me, epoch: 2) == .finished)
        #expect(!median.shouldPrune(trial: me, epoch: 2, value: 0.7, peers: three))  // median of 0.8, 0.6, 0.7 is 0.7
        #expect(median.shouldPrune(trial: me, epoch: 2, value: 0.71, peers: three))
        #expect(median.shouldPrune(trial: me, epoch: 3, value: 0.45, peers: three))  // median 0.4
        #expect(!median.shouldPrune(trial: me, epoch: 3, value: 0.4, peers: three + [peer(3, [1, 0.1], complete: false)]))  // a pruned peer is left out
    }

    @Test func evenCountsTakeTheMeanOfTheMiddleTwo() {
        let median = MedianPruner(warmupEpochs: 0, minTrials: 1)
        let peers = [peer(0, [0.2]), peer(1, [0.4]), peer(2, [.nan]), peer(3, [0.1])]  // NaN sorts last: 0.1, 0.2, 0.4, ∞
        #expect(!median.shouldPrune(trial: me, epoch: 1, value: 0.3, peers: peers))  // median (0.2 + 0.4) / 2 = 0.3
        #expect(median.shouldPrune(trial: me, epoch: 1, value: 0.31, peers: peers))
    }
}
