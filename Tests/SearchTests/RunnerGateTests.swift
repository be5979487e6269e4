// The runner with a gate: units start only when what they depend on has finished, and an error
// releases every wait instead of hanging.

import Foundation
@testable import Search
import Synchronization
import Testing

/// Unit i is ready once the board has every unit below i − lag finished (TPE's rule).
struct BoardGate: TrialGate {
    let board: TrialBoard
    func isReady(_ id: TrialID) -> Bool { board.firstRepeatsFinished(before: id.index) }
    func cancel() { board.cancel() }
}

/// Hands every unit out at once, and releases the board's waits on an error (pruning's case).
struct ReleaseGate: TrialGate {
    let board: TrialBoard
    func isReady(_ id: TrialID) -> Bool { true }
    func cancel() { board.cancel() }
}

@Suite struct RunnerGateTests {
    struct Boom: Error {}

    @Test(arguments: [1, 2, 4])
    func aUnitStartsOnlyAfterTheUnitsItDependsOnFinished(jobs: Int) throws {
        let board = TrialBoard(lag: 1, units: try TrialUnits(configurations: 30, repeats: 1))
        let violations = Mutex<[Int]>([])
        let finished = Mutex<[Int]>([])
        let runner = Runner(units: (0..<30).map { TrialID(index: $0, repeat: 0) }, jobs: jobs, gate: BoardGate(board: board),
                            execute: { id in
            // Every unit below id − 1 must have finished before id starts.
            let done = Set(finished.withLock { $0 })
            if !(0..<max(0, id.index - 1)).allSatisfy(done.contains) { violations.withLock { $0.append(id.index) } }
            Thread.sleep(forTimeInterval: Double(id.index % 3) / 1000)
            return RunnerTests.fakeTrial(id)
        }, finished: { r in
            finished.withLock { $0.append(r.id.index) }
            board.finish(r.id, values: [r.objective(.finalValLoss)], complete: true)
        })
        #expect(try runner.run() == .completed)
        #expect(violations.withLock { $0 }.isEmpty)
        #expect(finished.withLock { $0 }.count == 30)
    }

    @Test func aFailedUnitReleasesTheWaitsOfLaterOnesAndTheRunThrows() throws {
        let board = TrialBoard(lag: 0, units: try TrialUnits(configurations: 4, repeats: 1))
        let released = Mutex<[Int]>([])
        let started = Mutex(false)
        let runner = Runner(units: (0..<4).map { TrialID(index: $0, repeat: 0) }, jobs: 2, gate: ReleaseGate(board: board),
                            execute: { id in
            if id.index == 0 {
                // Fail only once unit 1 runs (a safety bound of 60 s, never reached).
                for _ in 0..<60_000 where !started.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.001) }
                throw Boom()
            }
            started.withLock { $0 = true }
            // Waits for unit 0 to finish, which it never does: only the cancel lets it go.
            if board.peers(of: id, epoch: 1, checkpoint: .finished) == nil { released.withLock { $0.append(id.index) } }
            return RunnerTests.fakeTrial(id)
        }, finished: { r in board.finish(r.id, values: [r.objective(.finalValLoss)], complete: true) })
        #expect(throws: Boom.self) { try runner.run() }
        #expect(released.withLock { $0 } == [1])
        #expect(board.wasReleased(TrialID(index: 1, repeat: 0)))
    }

    @Test func stopLetsAWaitingUnitFinishOnceItsPeerDoes() throws {
        let board = TrialBoard(lag: 0, units: try TrialUnits(configurations: 10, repeats: 1))
        let box = Mutex<Runner?>(nil)
        let runner = Runner(units: (0..<10).map { TrialID(index: $0, repeat: 0) }, jobs: 2, gate: nil, execute: { id in
            if id.index == 1 { box.withLock { $0?.stop() } }
            if id.index == 0 { Thread.sleep(forTimeInterval: 0.02) }
            _ = board.peers(of: id, epoch: 1, checkpoint: .finished)
            return RunnerTests.fakeTrial(id)
        }, finished: { r in board.finish(r.id, values: [r.objective(.finalValLoss)], complete: true) })
        box.withLock { $0 = runner }
        #expect(try runner.run() == .stopped)
        #expect(!board.wasReleased(TrialID(index: 1, repeat: 0)))  // it waited for 0 and decided normally
    }
}
