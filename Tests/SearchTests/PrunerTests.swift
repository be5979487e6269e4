// ASHA and the median rule on hand-built sequences of results, including asynchronous arrival.

@testable import Search
import Testing

@Suite struct PrunerTests {
    func id(_ i: Int) -> TrialID { TrialID(index: i, repeat: 0) }

    @Test func ashaRungsSitAtMinTimesFactorPowers() {
        #expect(ASHAPruner(minEpochs: 1, reductionFactor: 3, maxEpochs: 30).rungs == [1, 3, 9, 27])
        #expect(ASHAPruner(minEpochs: 2, reductionFactor: 2, maxEpochs: 16).rungs == [2, 4, 8])  // 16 is the end, not a rung
    }

    @Test func ashaKeepsTheTopThirdOfWhatHasArrived() {
        let asha = ASHAPruner(minEpochs: 1, reductionFactor: 3, maxEpochs: 9)
        // Arrivals at rung 1, one at a time: a trial goes on if it is within the best max(1, n/3) so far.
        #expect(!asha.shouldPrune(trial: id(0), epoch: 1, value: 0.5))  // n=1: best of one
        #expect(asha.shouldPrune(trial: id(1), epoch: 1, value: 0.7))   // n=2: keep 1, 0.7 > 0.5
        #expect(!asha.shouldPrune(trial: id(2), epoch: 1, value: 0.4))  // n=3: keep 1, 0.4 is the best
        #expect(asha.shouldPrune(trial: id(3), epoch: 1, value: 0.45))  // n=4: keep 1 (0.4)
        #expect(asha.shouldPrune(trial: id(4), epoch: 1, value: 0.6))   // n=5: keep 1
        #expect(!asha.shouldPrune(trial: id(5), epoch: 1, value: 0.42)) // n=6: keep 2 (0.4, 0.42)
        #expect(!asha.shouldPrune(trial: id(0), epoch: 2, value: 9))    // not a rung: never pruned
        #expect(!asha.shouldPrune(trial: id(0), epoch: 3, value: 0.3))  // first arrival at rung 3
        #expect(asha.shouldPrune(trial: id(2), epoch: 3, value: .nan))  // NaN counts as worst
    }

    @Test func ashaRemembersReplayedTrials() {
        let asha = ASHAPruner(minEpochs: 1, reductionFactor: 2, maxEpochs: 8)
        asha.replayed(trial: id(0), values: [0.3, 0.2], complete: false)  // a pruned trial from the journal, 2 epochs
        #expect(asha.shouldPrune(trial: id(1), epoch: 1, value: 0.35))  // n=2, keep 1: 0.3 is better
        #expect(!asha.shouldPrune(trial: id(2), epoch: 2, value: 0.1))  // n=2 at rung 2, keep 1: 0.1 < 0.2
    }

    @Test func medianStopsTrialsBelowTheMedianOfFinishedOnes() {
        let median = MedianPruner(warmupEpochs: 1, minTrials: 3)
        median.trialCompleted(trial: id(0), values: [1.0, 0.8, 0.5])
        median.trialCompleted(trial: id(0), values: [1.0, 0.6, 0.4])
        #expect(!median.shouldPrune(trial: id(9), epoch: 2, value: 5))  // only 2 finished: too few to judge
        median.trialCompleted(trial: id(0), values: [1.0, 0.7, 0.3])
        #expect(!median.shouldPrune(trial: id(9), epoch: 1, value: 5))  // warm-up epoch
        #expect(!median.shouldPrune(trial: id(9), epoch: 2, value: 0.7))  // median of 0.8, 0.6, 0.7 is 0.7: not worse
        #expect(median.shouldPrune(trial: id(9), epoch: 2, value: 0.71))
        #expect(median.shouldPrune(trial: id(9), epoch: 3, value: 0.45))  // median 0.4
    }

    @Test func hyperbandBracketsStartAtGrowingBudgetsAndRouteByIndex() {
        let hb = HyperbandPruner(minEpochs: 1, reductionFactor: 3, maxEpochs: 27, brackets: 3)
        #expect(hb.brackets.map(\.rungs) == [[1, 3, 9], [3, 9], [9]])  // min 1, 3, 9; rungs below 27
        let capped = HyperbandPruner(minEpochs: 1, reductionFactor: 3, maxEpochs: 5, brackets: 4)
        #expect(capped.brackets.map(\.minEpochs) == [1, 3])  // a bracket starting at 9 ≥ 5 epochs is dropped
        #expect(!hb.shouldPrune(trial: id(0), epoch: 1, value: 0.5))  // bracket 0, first at rung 1
        #expect(!hb.shouldPrune(trial: id(1), epoch: 1, value: 9))     // bracket 1 has no rung at epoch 1
        #expect(hb.shouldPrune(trial: id(3), epoch: 1, value: 0.6))    // bracket 0 again: 0.6 > 0.5
    }

    @Test func objectiveCurvesAreOrientedLowerIsBetter() {
        let epochs = [EpochRecord(epoch: 1, lr: 0.1, trainLoss: 2, valLoss: 1.5, valAccuracy: 0.5, seconds: 0),
                      EpochRecord(epoch: 2, lr: 0.1, trainLoss: 1, valLoss: 1.7, valAccuracy: 0.6, seconds: 0)]
        #expect(Objective.finalValLoss.curve(epochs) == [1.5, 1.7])
        #expect(Objective.bestValLoss.curve(epochs) == [1.5, 1.5])
        #expect(Objective.finalValAccuracy.curve(epochs) == [-0.5, -0.6])
    }
}
