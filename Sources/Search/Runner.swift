// The concurrent executor: a pool of Dispatch workers that take trials as they free up.

import Dispatch
import Foundation
import Synchronization
import Trainer

/// Runs units of work on `jobs` Dispatch workers. Each worker takes the next unit when it is free,
/// so a slow trial holds up nobody. Results are handed to `finished` one at a time, under the
/// runner's lock, in completion order (that is where the journal is appended and fsynced).
///
/// `stop()` (the first Ctrl-C) stops handing out work and lets running trials finish; `abandon()`
/// (the second) makes `run()` return at once. A unit that throws stops the search: no new work is
/// handed out, and `run()` throws that error once the running units are done.
public final class Runner: Sendable {
    /// How a run ended.
    public enum Ending: Sendable, Equatable {
        case completed
        case stopped
        case abandoned
    }

    /// A snapshot for progress display.
    public struct Progress: Sendable {
        public var total: Int
        public var done: Int
        public var running: Int
        public var started: Date
        public var stopping: Bool
    }

    private struct State {
        /// The units not yet handed out, generated on demand.
        var queue: any IteratorProtocol<TrialID> & Sendable
        /// The next unit to hand out, drawn one ahead so that the last hand-out knows it is the last
        /// (and the idle workers can be shared at once).
        var next: TrialID?
        /// Every unit has been handed out.
        var exhausted = false
        var running = 0
        var done = 0
        var stopping = false
        var abandoned = false
        var error: (any Error)?
    }

    private let total: Int
    private let jobs: Int
    private let execute: @Sendable (TrialID) throws -> TrialRecord
    private let finished: @Sendable (TrialRecord) throws -> Void
    private let state: Mutex<State>
    private let cores: CoreBudget?
    private let wake = DispatchSemaphore(value: 0)
    private let started = Date()

    /// - Parameters:
    ///   - units: the trials to run, in the order they are handed out; taken one at a time, so a lazy
    ///     sequence (`TrialUnits`) of a billion trials starts at once. Its `underestimatedCount` is
    ///     the total shown in progress (exact for arrays and `TrialUnits`).
    ///   - jobs: the number of workers (≥ 1); each trial runs on one thread.
    ///   - execute: runs one trial (called on a worker).
    ///   - finished: receives each result, serialized (called on the worker that ran it).
    ///   - cores: kept up to date with the workers left idle once no trial is waiting (the tail of the
    ///     search, or fewer trials than jobs), shared among the running trials (`CoreBudget.share`).
    public init<Units: Sequence<TrialID> & Sendable>(
        units: Units, jobs: Int, cores: CoreBudget? = nil,
        execute: @escaping @Sendable (TrialID) throws -> TrialRecord,
        finished: @escaping @Sendable (TrialRecord) throws -> Void
    ) where Units.Iterator: Sendable {
        total = units.underestimatedCount
        var queue = units.makeIterator()
        let first = queue.next()
        state = Mutex(State(queue: queue, next: first, exhausted: first == nil))
        self.jobs = max(1, jobs)
        self.cores = cores
        self.execute = execute
        self.finished = finished
    }

    public var progress: Progress {
        state.withLock { s in
            Progress(total: total, done: s.done, running: s.running, started: started, stopping: s.stopping)
        }
    }

    /// Stop handing out trials; running ones finish.
    public func stop() {
        state.withLock { $0.stopping = true }
        wake.signal()
    }

    /// Stop waiting for running trials: `run()` returns `.abandoned` now.
    public func abandon() {
        state.withLock {
            $0.stopping = true
            $0.abandoned = true
        }
        wake.signal()
    }

    /// Runs every unit (or until stopped) and returns how it ended.
    public func run() throws -> Ending {
        let workers = max(1, min(jobs, total))  // at least one, to find an empty queue empty
        for _ in 0..<workers {
            DispatchQueue.global(qos: .userInitiated).async { self.workLoop() }
        }
        while true {
            let (finishedAll, abandoned, error, stopping) = state.withLock { s in
                (s.running == 0 && (s.exhausted || s.stopping), s.abandoned, s.error, s.stopping && !s.exhausted && s.done < total)
            }
            if abandoned { return .abandoned }
            if finishedAll {
                if let error { throw error }
                return stopping ? .stopped : .completed
            }
            wake.wait()
        }
    }

    private func workLoop() {
        while true {
            let unit: TrialID? = state.withLock { s in
                guard !s.stopping, let unit = s.next else { return nil }
                s.next = s.queue.next()
                s.exhausted = s.next == nil
                s.running += 1
                shareIdleCores(s)  // after the last hand-out, the idle workers go to the running trials
                return unit
            }
            guard let unit else {
                wake.signal()
                return
            }
            let outcome = Result { try execute(unit) }
            state.withLock { s in
                s.running -= 1
                shareIdleCores(s)
                switch outcome {
                case .success(let record):
                    guard !s.abandoned else { return }
                    do {
                        try finished(record)
                        s.done += 1
                    } catch {
                        if s.error == nil { s.error = error }
                        s.stopping = true
                    }
                case .failure(let error):
                    if s.error == nil { s.error = error }
                    s.stopping = true
                }
            }
            wake.signal()
        }
    }

    /// Idle workers exist only once no unit waits: then jobs − running of them go to the running trials.
    private func shareIdleCores(_ s: State) {
        guard let cores else { return }
        let idle = s.exhausted || s.stopping ? jobs - s.running : 0
        cores.share(idle: idle, running: s.running)
    }
}
