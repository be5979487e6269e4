// The concurrent executor: a pool of Dispatch workers that take trials as they free up.

import Dispatch
import Foundation
import Synchronization
import Trainer

/// What the runner asks before handing a unit out, for searches whose trials depend on earlier ones.
public protocol TrialGate: Sendable {
    /// Whether unit `id` may start now (what it depends on has finished). Called under the runner's
    /// lock each time a worker is free and after each result: keep it cheap, and never call the runner.
    func isReady(_ id: TrialID) -> Bool
    /// The search stops on an error: release every wait inside running trials (their dependencies
    /// may never finish).
    func cancel()
}

/// Runs units of work on `jobs` Dispatch workers. Each worker takes the next unit when it is free,
/// so a slow trial holds up nobody. Results are handed to `finished` one at a time, under the
/// runner's lock, in completion order (that is where the journal is appended and fsynced).
///
/// `stop()` (the first Ctrl-C) stops handing out work and lets running trials finish; `abandon()`
/// (the second) makes `run()` return at once. A unit that throws stops the search: no new work is
/// handed out, and `run()` throws that error once the running units are done.
///
/// With a `gate`, units are still handed out in order, but the next one waits until the gate says it
/// is ready (TPE's trial i waits for the results of trials 0 … i − 1 − lag); a free worker sleeps
/// until a result comes in. A unit depends only on units handed out before it, so this cannot
/// deadlock: the one with the lowest index always runs.
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
        /// (and the idle workers can be shared at once); it waits here until it is ready (`TrialGate`).
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
    private let gate: (any TrialGate)?
    private let wake = DispatchSemaphore(value: 0)
    /// Free workers wait on it for the next unit to become ready.
    private let handOut = NSCondition()
    private let started = Date()

    /// - Parameters:
    ///   - units: the trials to run, in the order they are handed out; taken one at a time, so a lazy
    ///     sequence (`TrialUnits`) of a billion trials starts at once. Its `underestimatedCount` is
    ///     the total shown in progress (exact for arrays and `TrialUnits`).
    ///   - jobs: the number of workers (≥ 1); each trial runs on one thread.
    ///   - gate: says when the next unit may start (nil: at once).
    ///   - execute: runs one trial (called on a worker).
    ///   - finished: receives each result, serialized (called on the worker that ran it).
    ///   - cores: kept up to date with the workers left idle once no trial is waiting (the tail of the
    ///     search, or fewer trials than jobs), shared among the running trials (`CoreBudget.share`).
    public init<Units: Sequence<TrialID> & Sendable>(
        units: Units, jobs: Int, cores: CoreBudget? = nil, gate: (any TrialGate)? = nil,
        execute: @escaping @Sendable (TrialID) throws -> TrialRecord,
        finished: @escaping @Sendable (TrialRecord) throws -> Void
    ) where Units.Iterator: Sendable {
        total = units.underestimatedCount
        var queue = units.makeIterator()
        let first = queue.next()
        state = Mutex(State(queue: queue, next: first, exhausted: first == nil))
        self.jobs = max(1, jobs)
        self.cores = cores
        self.gate = gate
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
        wakeAll()
    }

    /// Stop waiting for running trials: `run()` returns `.abandoned` now.
    public func abandon() {
        state.withLock {
            $0.stopping = true
            $0.abandoned = true
        }
        gate?.cancel()
        wakeAll()
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

    private func wakeAll() {
        wake.signal()
        handOut.lock()
        handOut.broadcast()
        handOut.unlock()
    }

    private enum Take {
        case unit(TrialID)
        case wait
        case none
    }

    /// The next unit to run, once it is ready, or nil when there is nothing more to hand out.
    private func take() -> TrialID? {
        handOut.lock()
        defer { handOut.unlock() }
        while true {
            let take: Take = state.withLock { s in
                guard !s.stopping, !s.exhausted, let unit = s.next else { return .none }
                if let gate, !gate.isReady(unit) { return .wait }
                s.next = s.queue.next()
                s.exhausted = s.next == nil
                s.running += 1
                shareIdleCores(s)  // after the last hand-out, the idle workers go to the running trials
                return .unit(unit)
            }
            switch take {
            case .unit(let unit): return unit
            case .none: return nil
            case .wait: _ = handOut.wait(until: Date(timeIntervalSinceNow: 1))  // woken by each result; the timeout is a safety net
            }
        }
    }

    private func workLoop() {
        while true {
            guard let unit = take() else {
                wake.signal()
                return
            }
            let outcome = Result { try execute(unit) }
            let failed: Bool = state.withLock { s in
                s.running -= 1
                shareIdleCores(s)
                switch outcome {
                case .success(let record):
                    guard !s.abandoned else { return false }
                    do {
                        try finished(record)
                        s.done += 1
                        return false
                    } catch {
                        if s.error == nil { s.error = error }
                        s.stopping = true
                        return true
                    }
                case .failure(let error):
                    if s.error == nil { s.error = error }
                    s.stopping = true
                    return true
                }
            }
            if failed { gate?.cancel() }
            wakeAll()
        }
    }

    /// Idle workers exist only once no unit waits: then jobs − running of them go to the running trials.
    private func shareIdleCores(_ s: State) {
        guard let cores else { return }
        let idle = s.exhausted || s.stopping ? jobs - s.running : 0
        cores.share(idle: idle, running: s.running)
    }
}
