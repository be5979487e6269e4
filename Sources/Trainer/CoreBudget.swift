// How many threads a trial may use: the cores a search leaves idle, shared by the running trials.

import Foundation
import Synchronization

/// The threads a trial may spread its large matrix products over, read by the training loop once per
/// step. A search's runner sets it as trials start and finish: while every worker is busy it is 1,
/// and in the tail of a search (or when there are fewer trials than `--jobs`) the idle workers are
/// shared among the running trials. `lrsearch train` and `find-lr` give their one trial every core.
///
/// The thread count changes only the speed of a run, never its numbers: the parallel GEMM splits the
/// output columns into fixed chunks and computes each element exactly as the single-threaded kernel does.
///
/// `LRSEARCH_THREADS=N` in the environment caps the threads of every trial (1 turns the sharing off).
public final class CoreBudget: Sendable {
    private let threads: Atomic<Int>
    /// The most threads one trial may use.
    public let limit: Int

    /// A budget of `threads` per trial (at most `limit`).
    public init(threads: Int = 1, limit: Int = CoreBudget.threadLimit) {
        self.limit = max(1, limit)
        self.threads = Atomic(min(max(1, threads), self.limit))
    }

    /// A budget that gives one trial every active core (up to `LRSEARCH_THREADS`).
    public static func allCores() -> CoreBudget {
        CoreBudget(threads: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// One thread, always: the default of `Training.run`.
    public static let single = CoreBudget(threads: 1, limit: 1)

    /// The threads a trial should use now (≥ 1).
    public var threadsPerTrial: Int { threads.load(ordering: .relaxed) }

    /// Shares `idle` workers among `running` trials: each gets 1 + ⌊idle / running⌋ threads.
    public func share(idle: Int, running: Int) {
        let extra = running > 0 ? max(0, idle) / running : 0
        threads.store(min(limit, 1 + extra), ordering: .relaxed)
    }

    /// `LRSEARCH_THREADS` when it holds a positive integer, else the number of active cores.
    public static var threadLimit: Int {
        if let text = ProcessInfo.processInfo.environment["LRSEARCH_THREADS"], let n = Int(text), n > 0 {
            return min(n, 1024)
        }
        return ProcessInfo.processInfo.activeProcessorCount
    }
}

/// Runs `body(c)` for every chunk c in `0..<chunks`, on up to `threads` threads: the calling thread
/// and up to `threads` − 1 free helpers of `HelperPool`, each taking the next undone chunk from a shared
/// counter until none is left. Returns when every chunk is done.
///
/// Why chunks taken on demand rather than one fixed share per thread: on a machine that also runs
/// other work, a helper may wake late or lose its core for milliseconds. With fixed shares the step
/// waits for that helper's whole share; here the other threads take over the chunks it has not
/// started, and the wait is at most one chunk (a helper that has not started when the chunks run out
/// is not waited for at all). Which thread computes a chunk never changes the result when the chunks
/// write disjoint outputs computed the same way (every caller's case).
///
/// Why persistent helpers rather than `DispatchQueue.concurrentPerform`: a training step has about ten
/// parallel regions a few hundred µs apart. Dispatch parks its workers between them, and waking a
/// parked thread on an idle virtual CPU costs tens of µs each time; the helpers spin between regions
/// and park only after `HelperThread.spinLimit` without work (between trials, or while the budget is
/// one thread).
@inline(__always)
func forEachChunk(_ chunks: Int, threads: Int, _ body: @Sendable (Int) -> Void) {
    if threads <= 1 || chunks <= 1 {
        for c in 0..<chunks { body(c) }
        return
    }
    let wanted = Swift.min(threads, chunks) - 1
    withUnsafeTemporaryAllocation(of: HelperThread?.self, capacity: wanted) { slots in
        guard let base = slots.baseAddress else { return }
        let count = HelperPool.take(wanted, into: base)
        guard count > 0, let lead = base[0] else {
            for c in 0..<chunks { body(c) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            withUnsafePointer(to: escaping) { fp in
                lead.next.store(0, ordering: .relaxed)
                for i in 0..<count { base[i]?.post(body: UnsafeRawPointer(fp), chunks: chunks, counter: lead) }
                while true {
                    let c = lead.next.wrappingAdd(1, ordering: .relaxed).oldValue
                    if c >= chunks { break }
                    fp.pointee(c)
                }
                for i in 0..<count { base[i]?.finish() }
            }
        }
        for i in 0..<count {
            base[i]?.taken.store(false, ordering: .releasing)
            (base + i).deinitialize(count: 1)
        }
    }
}
