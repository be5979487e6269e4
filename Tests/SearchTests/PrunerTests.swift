// What every pruner shares: objective curves, and the board that chooses a trial's peers by index.

import Foundation
@testable import Search
import Synchronization
import Testing
import Trainer

@Suite struct PrunerTests {
    func id(_ i: Int, _ r: Int = 0) -> TrialID { TrialID(index: i, repeat: r) }

    @Test func objectiveCurvesAreOrientedLowerIsBetter() {
        let epochs = [EpochMetrics(epoch: 1, lr: 0.1, trainLoss: 2, valLoss: 1.5, valAccuracy: 0.5, seconds: 0),
                      EpochMetrics(epoch: 2, lr: 0.1, trainLoss: 1, valLoss: 1.7, valAccuracy: 0.6, seconds: 0)]
        #expect(Objective.finalValLoss.curve(epochs) == [1.5, 1.7])
        #expect(Objective.bestValLoss.curve(epochs) == [1.5, 1.5])
        #expect(Objective.finalValAccuracy.curve(epochs) == [-0.5, -0.6])
    }

    @Test func peersAreTheTrialsAtLeastLagPlusOneBelow() throws {
        let board = TrialBoard(lag: 2, units: try TrialUnits(configurations: 10, repeats: 1))
        #expect(Array(board.peerIndices(of: 0)).isEmpty)
        #expect(Array(board.peerIndices(of: 2)).isEmpty)   // 2 − 1 − 2 < 0
        #expect(Array(board.peerIndices(of: 3)) == [0])
        #expect(Array(board.peerIndices(of: 9)) == [0, 1, 2, 3, 4, 5, 6])
        let shard = TrialBoard(lag: 4, units: try TrialUnits(configurations: 20, repeats: 1, shard: (1, 3)))
        #expect(Array(shard.peerIndices(of: 13)) == [1, 4, 7])  // ≤ 8, ≡ 1 mod 3
        let none = TrialBoard(lag: 0, units: try TrialUnits(configurations: 3, repeats: 1))
        #expect(Array(none.peerIndices(of: 1_000)) == [0, 1, 2])  // only configurations that exist
    }

    @Test func firstRepeatsFinishedFollowsTheLowestUnfinishedIndex() throws {
        let board = TrialBoard(lag: 1, units: try TrialUnits(configurations: 6, repeats: 2))
        #expect(board.firstRepeatsFinished(before: 1))   // no peers
        #expect(!board.firstRepeatsFinished(before: 2))  // needs trial 0
        board.finish(id(1), values: [1], complete: true)
        #expect(!board.firstRepeatsFinished(before: 3))  // 0 still missing
        board.finish(id(0), values: [1], complete: true)
        #expect(board.firstRepeatsFinished(before: 3))   // 0 and 1 (repeat 0 is what TPE learns from)
        #expect(!board.firstRepeatsFinished(before: 4))
        for i in 2..<6 { board.finish(id(i), values: [1], complete: true) }
        #expect(board.firstRepeatsFinished(before: 100))
    }

    /// A trial at a rung waits for a peer still short of it, and then judges against its value at the
    /// rung whatever order the trials report in.
    @Test func gateWaitsForPeersShortOfTheRung() async throws {
        let board = TrialBoard(lag: 0, units: try TrialUnits(configurations: 3, repeats: 1))
        let gate = PruningGate(pruner: ASHAPruner(minEpochs: 1, reductionFactor: 2, maxEpochs: 4), board: board)
        let decided = Mutex<Bool?>(nil)
        let waiter = Thread {  // trial 1 reaches rung 1 first: it must wait for trial 0
            let d = gate.shouldPrune(trial: TrialID(index: 1, repeat: 0), epoch: 1, value: 0.6)
            decided.withLock { $0 = d }
        }
        waiter.start()
        try await Task.sleep(nanoseconds: 50_000_000)
        #expect(decided.withLock { $0 } == nil)
        #expect(!gate.shouldPrune(trial: id(0), epoch: 1, value: 0.5))  // no peers: goes on
        for _ in 0..<200 where decided.withLock({ $0 }) == nil { try await Task.sleep(nanoseconds: 10_000_000) }
        #expect(decided.withLock { $0 } == true)  // n = 2, keep 1: 0.6 > 0.5
    }

    @Test func aFinishedPeerShortOfTheRungIsNotWaitedFor() throws {
        let board = TrialBoard(lag: 0, units: try TrialUnits(configurations: 3, repeats: 1))
        let gate = PruningGate(pruner: ASHAPruner(minEpochs: 1, reductionFactor: 2, maxEpochs: 8), board: board)
        board.finish(id(0), values: [0.1], complete: false)  // pruned at epoch 1
        board.finish(id(1), values: [0.9, 0.9], complete: false)
        #expect(!gate.shouldPrune(trial: id(2), epoch: 2, value: 0.5))  // rung 2 holds 0.9 and 0.5: keep 1
    }

    @Test func cancelReleasesWaitsAndMarksTheTrial() throws {
        let board = TrialBoard(lag: 0, units: try TrialUnits(configurations: 2, repeats: 1))
        let gate = PruningGate(pruner: MedianPruner(warmupEpochs: 0, minTrials: 1), board: board)
        board.cancel()
        #expect(gate.shouldPrune(trial: id(1), epoch: 1, value: 0.5))  // stops rather than waits
        #expect(board.wasReleased(id(1)))
        #expect(!board.wasReleased(id(0)))
    }
}
