// One search, run from code: open (or resume) its results folder, run the pending trials on `jobs` workers,
// journal each, and hand back the ranking. `lrsearch run` and `bench --search` are thin callers of it.

import Foundation
import JSON5
import Search
import Synchronization
import Trainer

/// A search bound to its results folder, ready to run.
///
/// `init` takes the folder's lock, replays the journal (for `--resume`), resolves an automatic LR
/// range and, with `overwrite`, clears the previous search's outputs. `run()` runs the pending trials
/// and journals the end of the run; `stop()` and `abandon()` may be called from any thread meanwhile
/// (a signal handler, say). `writeResults()` writes the results folder. The lock is held as long as
/// the `SearchRun` lives.
public final class SearchRun: Sendable {
    /// How a run ended.
    public struct Outcome {
        /// `.completed`, or how it was stopped.
        public var ending: Runner.Ending
        /// What stopped the search other than a signal (a trial that could not run, a journal write
        /// that failed), or nil.
        public var failure: (any Error)?
        /// Every finished trial of the journal (the resumed ones included).
        public var records: [TrialRecord]
        /// `records` ranked by the spec's objective.
        public var ranked: [RankedEntry]
        public var wallSeconds: Double
    }

    public let session: SearchSession
    public let data: DataCache
    private let runner: Runner
    /// For `--join`: this process's part of the shared search (run instead of `runner`).
    public let peer: JoinPeer?
    private let trials: any TrialRunner

    /// - Parameters:
    ///   - data: data sets shared with the caller (which may already have loaded them to check the spec).
    ///   - onTrial: called on a worker thread after each trial is journaled.
    /// - Throws: `SessionError` as `SearchSession` does (busy folder, journal that does not replay or
    ///   match, an existing search without `resume` or `overwrite`, a failed range test).
    public init(spec: SearchSpec, options: RunOptions, data: DataCache = DataCache(),
                onTrial: @escaping @Sendable (TrialRecord) -> Void = { _ in }) throws(SessionError) {
        let resolved = try AutoLRRange.resolve(spec, options: options, data: data)
        let session = try SearchSession(spec: resolved, options: options)
        if options.overwrite { ResultsFolder.removeOutputs(in: options.outDir) }  // under the session's lock
        self.session = session
        self.data = data
        self.outDir = options.outDir
        // The task picks the runner: the built-in trainer, or the task's command (protocol v1).
        let trials: any TrialRunner
        var cores: CoreBudget?
        if spec.isExternal {
            trials = ExternalTrialRunner(session: session, directory: spec.directory, outDir: options.outDir)
        } else {
            let executor = TrialExecutor(session: session, data: data)
            cores = executor.cores
            trials = executor
        }
        self.trials = trials
        // Failed trials in a row, in completion order (only external programs fail).
        let failures = Mutex(0)
        let finished: @Sendable (TrialRecord) throws -> Void = { record in
            try session.record(record)
            onTrial(record)
            let streak = failures.withLock { n in
                n = record.state == .failed ? n + 1 : 0
                return n
            }
            if streak >= RepeatedFailures.limit { throw RepeatedFailures(count: streak, last: record) }
        }
        peer = options.join ? JoinPeer(session: session, jobs: options.jobs, execute: { id in try trials.run(id) }, onTrial: onTrial) : nil
        runner = Runner(units: session.pending, jobs: options.jobs, cores: cores, gate: session,
                        execute: { id in try trials.run(id) }, finished: finished)
    }

    /// The results folder.
    public let outDir: String

    /// Trials of this run: to run, done, running; whether it is stopping.
    public var progress: Runner.Progress { peer?.progress ?? runner.progress }

    /// Hands out no more trials; the running ones finish and are journaled.
    public func stop() {
        runner.stop()
        peer?.stop()
    }

    /// Stops waiting for the running trials: `run()` returns as soon as it can.
    public func abandon() {
        runner.abandon()
        peer?.abandon()
        trials.cancelRunning()
    }

    /// Runs the pending trials (none when the folder already holds this search, finished) and
    /// journals the end of the run. A failure is returned, not thrown: the ranking of what finished
    /// is still worth writing.
    public func run() -> Outcome {
        var failure: (any Error)?
        var ending = Runner.Ending.completed
        let started = Date()
        do {
            if let peer, !session.alreadyComplete {
                ending = try peer.run()
            } else if peer == nil {
                ending = try runner.run()
            }
        } catch {
            failure = error
        }
        let wall = Date().timeIntervalSince(started)
        do {
            try session.finish(wallSeconds: wall)
        } catch {
            failure = failure ?? error
        }
        let records = session.records
        return Outcome(ending: ending, failure: failure, records: records,
                       ranked: rank(records, objective: session.spec.objective), wallSeconds: wall)
    }

    /// Writes ranked.md, ranked.csv, best.json and report.html for every trial in the journal.
    @discardableResult
    public func writeResults() throws(ResultsFolderError) -> ResultsFolder.Written {
        try ResultsFolder.write(spec: session.spec, records: session.records, journalPath: session.journalPath,
                                to: outDir, data: data)
    }
}
