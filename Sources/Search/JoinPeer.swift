// One peer of a shared search (`run --join`): workers that claim units through the shared journal,
// and a watchdog that reads the other peers' records, writes heartbeats and rescues dead peers' claims.

import Foundation
import Synchronization

/// Runs the units of a `--join` session together with the other peers of its folder.
///
/// `jobs` workers each claim the first unit no live peer has claimed (in hand-out order), wait until
/// it is ready (TPE: the results it learns from exist), run it and journal the result. A worker that
/// finds every unfinished unit claimed by live peers looks again every quarter second; it ends when
/// every unit of the search has its record, so every peer ends with the whole search finished.
///
/// The watchdog reads the journal every 20 ms (the board learns the others' results and rung values),
/// writes a heartbeat when this peer has written nothing for a quarter of the timeout, and — when every
/// worker here is busy (waiting, maybe, for a unit of a dead peer) — runs each unit claimed by a peer
/// silent for longer than the timeout on a thread of its own, with the same configuration and seed.
public final class JoinPeer: Sendable {
    private struct State {
        var stopping = false
        var abandoned = false
        var error: (any Error)?
        /// Workers and rescues holding a unit.
        var busy = 0
        var rescuing: Set<TrialID> = []
        var done = 0
    }

    public let session: SearchSession
    /// Worker threads: the `jobs` asked for, but no more than the search has units (as `Runner` does);
    /// `--jobs 100000` used to start as many threads and hang the peer.
    public let jobs: Int
    private let execute: @Sendable (TrialID) throws -> TrialRecord
    private let onTrial: @Sendable (TrialRecord) -> Void
    private let state = Mutex(State())
    private let threads = DispatchGroup()
    private let started = Date()
    /// Counts finished units at the start, for progress.
    private let finishedAtStart: Int

    /// - Parameters:
    ///   - execute: runs one trial (on a worker thread).
    ///   - onTrial: called after each result this peer journals.
    public init(session: SearchSession, jobs: Int, execute: @escaping @Sendable (TrialID) throws -> TrialRecord,
                onTrial: @escaping @Sendable (TrialRecord) -> Void) {
        self.session = session
        self.jobs = max(1, min(jobs, session.units.count))
        self.execute = execute
        self.onTrial = onTrial
        finishedAtStart = session.sharedFinished
    }

    public var progress: Runner.Progress {
        let (running, stopping) = state.withLock { ($0.busy, $0.stopping) }
        return Runner.Progress(total: session.pending.count, done: max(0, session.sharedFinished - finishedAtStart),
                               running: running, started: started, stopping: stopping)
    }

    /// Claims no more units; the running ones finish and are journaled.
    public func stop() { state.withLock { $0.stopping = true } }

    /// `run()` returns now; the running units' claims are left to the other peers.
    public func abandon() {
        state.withLock {
            $0.stopping = true
            $0.abandoned = true
        }
        session.cancel()
    }

    public func run() throws -> Runner.Ending {
        for _ in 0..<jobs { spawn { self.workLoop() } }
        let watchdog = Thread { self.watch() }
        watchdog.start()
        while threads.wait(timeout: .now() + 0.2) == .timedOut {
            if state.withLock({ $0.abandoned }) { break }
        }
        state.withLock { $0.stopping = true }  // ends the watchdog
        let (abandoned, error) = state.withLock { ($0.abandoned, $0.error) }
        if abandoned { return .abandoned }
        if let error { throw error }
        try? session.refresh()
        return session.sharedFinished == session.units.count ? .completed : .stopped
    }

    private func spawn(_ body: @escaping @Sendable () -> Void) {
        threads.enter()
        let thread = Thread {
            body()
            self.threads.leave()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    private var stopping: Bool { state.withLock { $0.stopping } }

    private func fail(_ error: any Error) {
        state.withLock {
            if $0.error == nil { $0.error = error }
            $0.stopping = true
        }
        session.cancel()
    }

    private func workLoop() {
        var claimed: PeerClaim?  // claimed with the last result
        while true {
            if stopping {
                if case .run(let id)? = claimed { session.abandonClaim(id) }
                return
            }
            let claim: PeerClaim
            do {
                claim = try claimed ?? session.claimNext()
            } catch {
                fail(error)
                return
            }
            claimed = nil
            switch claim {
            case .done: return
            case .wait: Thread.sleep(forTimeInterval: 0.25)
            case .run(let id): claimed = runUnit(id, claimNext: true)
            }
        }
    }

    /// Runs a claimed unit once it is ready and journals it; returns the unit claimed in the same
    /// append, if `claimNext`.
    private func runUnit(_ id: TrialID, claimNext: Bool) -> PeerClaim? {
        state.withLock { $0.busy += 1 }
        defer { state.withLock { $0.busy -= 1 } }
        while !session.isReady(id) {
            if stopping {
                session.abandonClaim(id)
                return nil
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
        do {
            let record = try execute(id)
            if state.withLock({ $0.abandoned }) { return nil }
            let next = try session.recordAndClaim(record, claimNext: claimNext && !stopping)
            onTrial(record)
            return next
        } catch {
            session.abandonClaim(id)
            fail(error)
            return nil
        }
    }

    private func watch() {
        while !stopping || state.withLock({ $0.busy > 0 && !$0.abandoned }) {
            do {
                if let failure = session.takeFailure() { throw failure }
                try session.refresh()
                try session.beatIfDue()
            } catch {
                fail(error)
                return
            }
            if state.withLock({ $0.busy >= jobs && !$0.abandoned }) {  // also when stopping: a running trial may wait for it
                for id in session.staleClaims() where state.withLock({ $0.rescuing.insert(id).inserted }) {
                    spawn {
                        defer { _ = self.state.withLock { $0.rescuing.remove(id) } }
                        do {
                            if case .run(let unit) = try self.session.claimNext(only: id) { _ = self.runUnit(unit, claimNext: false) }
                        } catch {
                            self.fail(error)
                        }
                    }
                }
            }
            Thread.sleep(forTimeInterval: Self.poll)
        }
    }

    /// Seconds between two reads of the journal: a remote result reaches a waiting trial this late at most.
    static let poll = 0.02
}
