// The runner shares idle workers with the running trials through a CoreBudget.

import Search
import Synchronization
import Testing
import Trainer

@Suite struct CoreBudgetTests {
    /// What `threadsPerTrial` said inside each trial, by unit index.
    func observed(units: Int, jobs: Int) throws -> [Int] {
        let cores = CoreBudget(threads: 1, limit: 8)
        let seen = Mutex<[Int: Int]>([:])
        let runner = Runner(units: (0..<units).map { TrialID(index: $0, repeat: 0) }, jobs: jobs, cores: cores,
                            execute: { id in
                                seen.withLock { $0[id.index] = cores.threadsPerTrial }
                                return TrialRecord(id: id, seed: 0, sampled: [:], family: .constant, state: .ok, epochs: [], seconds: 0)
                            }, finished: { _ in })
        _ = try runner.run()
        #expect(cores.threadsPerTrial == 1, "nothing runs any more: back to one thread")
        return seen.withLock { m in (0..<units).map { m[$0] ?? 0 } }
    }

    @Test func aLoneTrialGetsEveryIdleWorker() throws {
        #expect(try observed(units: 1, jobs: 5) == [5])   // 1 + 4 idle workers
        #expect(try observed(units: 1, jobs: 1) == [1])
        #expect(try observed(units: 3, jobs: 1) == [1, 1, 1])  // one worker: never idle
    }

    @Test func sharingIsCappedAndSplitAmongRunningTrials() {
        let cores = CoreBudget(threads: 1, limit: 3)
        cores.share(idle: 6, running: 1)
        #expect(cores.threadsPerTrial == 3)  // 1 + 6, capped at 3
        cores.share(idle: 3, running: 2)
        #expect(cores.threadsPerTrial == 2)  // 1 + ⌊3/2⌋
        cores.share(idle: 0, running: 4)
        #expect(cores.threadsPerTrial == 1)
        #expect(CoreBudget.single.threadsPerTrial == 1)
    }
}
