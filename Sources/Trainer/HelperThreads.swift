// Persistent helper threads for `forEachChunk`: parked between trials, spinning between the parallel regions of a step.

import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One helper thread and its mailbox. A caller that owns it (`taken`) posts a job (`state` 0 → 1),
/// the helper claims it (1 → 2), takes chunks from the job's counter until none is left and reports
/// done (2 → 3); the caller then frees the mailbox (3 → 0). A caller that finished every chunk before
/// the helper woke takes the job back (1 → 0), so a helper that starts late never delays the caller.
///
/// Between jobs the helper spins on `state` for up to `spinLimit` (the parallel regions of a training
/// step are microseconds apart: a parked thread would need a wake-up, and a halted virtual CPU an exit
/// to the hypervisor, at every one of them), then parks on a condition variable until the next post.
final class HelperThread: @unchecked Sendable {
    /// 0 idle, 1 posted, 2 running, 3 done.
    let state = Atomic<Int>(0)
    /// Owned by a caller (only that caller posts to it).
    let taken = Atomic<Bool>(false)
    /// The helper is (about to be) blocked on `condition`.
    let sleeping = Atomic<Bool>(false)
    /// The thread was started.
    let started = Atomic<Bool>(false)
    /// The chunk counter of a job whose lead helper this is (`JobCounter.next` of the caller's job).
    let next = Atomic<Int>(0)

    // The job, written by the owning caller before `state` becomes 1 and read by the helper after it
    // claims the job (the atomic exchange orders the plain accesses).
    var body: UnsafeRawPointer?
    var chunks = 0
    unowned(unsafe) var counter: HelperThread?

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    /// How long an idle helper spins before it parks.
    static let spinLimit: Duration = .milliseconds(2)

    init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    /// Starts the thread once (the first time a caller takes this helper).
    func startIfNeeded() {
        guard started.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged
        else { return }
        let thread = Thread { [self] in self.loop() }
        thread.name = "lrsearch-helper"
        thread.start()
    }

    /// Posts the job `body` (a `(Int) -> Void` closure) over `chunks` chunks counted by `counter`.
    func post(body: UnsafeRawPointer, chunks: Int, counter: HelperThread) {
        self.body = body
        self.chunks = chunks
        self.counter = counter
        state.store(1, ordering: .sequentiallyConsistent)
        if sleeping.load(ordering: .sequentiallyConsistent) {
            pthread_mutex_lock(mutex)
            pthread_cond_signal(condition)
            pthread_mutex_unlock(mutex)
        }
    }

    /// After the caller ran out of chunks: takes the job back if the helper has not claimed it, else
    /// waits until the helper finished its last chunk. The mailbox is idle afterwards.
    func finish() {
        if state.compareExchange(expected: 1, desired: 0, ordering: .sequentiallyConsistent).exchanged { return }
        var spins = 0
        while state.load(ordering: .acquiring) != 3 {
            spins += 1
            if spins > 64 { sched_yield() }
        }
        state.store(0, ordering: .releasing)
    }

    private func loop() {
        let clock = ContinuousClock()
        while true {
            var idleSince = clock.now
            var spins = 0
            while state.load(ordering: .acquiring) != 1 {
                spins += 1
                // Past the first few checks, each one gives the core to any other runnable thread (a
                // no-op on an idle core): on a busy machine a spinning helper must not take turns from
                // the thread it is waiting for, or from other processes.
                if spins > 64 { sched_yield() }
                if spins & 63 == 0 && clock.now - idleSince > Self.spinLimit {
                    park()
                    idleSince = clock.now
                    spins = 0
                }
            }
            guard state.compareExchange(expected: 1, desired: 2, ordering: .sequentiallyConsistent).exchanged else {
                continue  // the caller took it back
            }
            run()
            state.store(3, ordering: .releasing)
        }
    }

    private func park() {
        pthread_mutex_lock(mutex)
        sleeping.store(true, ordering: .sequentiallyConsistent)
        while state.load(ordering: .sequentiallyConsistent) != 1 {
            pthread_cond_wait(condition, mutex)
        }
        sleeping.store(false, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
    }

    @inline(never)
    private func run() {
        guard let raw = body, let counter else { return }
        let f = raw.assumingMemoryBound(to: (@Sendable (Int) -> Void).self)
        let chunks = self.chunks
        while true {
            let c = counter.next.wrappingAdd(1, ordering: .relaxed).oldValue
            if c >= chunks { return }
            f.pointee(c)
        }
    }
}

/// The process's helper threads: one per core beyond the first (at least `LRSEARCH_THREADS` − 1, at
/// most 63), started the first time they are needed. Trials that run side by side take free helpers
/// as they find them; a caller that finds none does all its chunks itself.
enum HelperPool {
    static let helpers: [HelperThread] = {
        let count = Swift.min(63, Swift.max(ProcessInfo.processInfo.activeProcessorCount, CoreBudget.threadLimit) - 1)
        return (0..<Swift.max(0, count)).map { _ in HelperThread() }
    }()

    /// Takes up to `wanted` free helpers into `into` (a caller-owned buffer of at least `wanted` slots)
    /// and returns how many it took.
    static func take(_ wanted: Int, into slots: UnsafeMutablePointer<HelperThread?>) -> Int {
        var taken = 0
        for h in helpers where taken < wanted {
            if h.taken.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
                h.startIfNeeded()
                (slots + taken).initialize(to: h)
                taken += 1
            }
        }
        return taken
    }
}
