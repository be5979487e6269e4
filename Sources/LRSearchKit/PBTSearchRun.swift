// A PBT search bound to its results folder: pbt.jsonl, a snapshot per boundary, trials.jsonl and the results at the end.

import Foundation
import JSON5
import Search
import Synchronization

/// Runs a spec with `strategy: { kind: "pbt" }` (see `PBTPopulation`) in its results folder.
///
/// Files: `pbt.jsonl` (append-only, fsynced: a `pbt_start` or `pbt_resume` line, then per interval
/// one `segment` line per member, one `exploit` line per copy and a `boundary` line with the idle
/// time), `pbt-snapshot.bin` (the population after each boundary, replaced atomically), and at the
/// end `trials.jsonl` with one record per member (its lineage's epochs and replay config), from which
/// the ranking, best.json and report.html are written as for any search. `--resume` after a kill
/// continues from the snapshot to the same bits as an uninterrupted run.
public final class PBTSearchRun: Sendable {
    public let spec: SearchSpec
    public let outDir: String
    public let data: DataCache
    public let journalPath: String
    let pbtJournalPath: String
    let specHash: String
    let options: RunOptions
    private let lock: RunLock
    private let state: Mutex<PBTPopulation>
    private let stopping = Atomic<Bool>(false)
    /// The folder already held this search, finished (records from its trials.jsonl).
    public let finishedRecords: [TrialRecord]?
    /// The interval the run resumed at (nil: started fresh).
    public let resumedAt: Int?

    public init(spec original: SearchSpec, options: RunOptions, data: DataCache = DataCache()) throws(SessionError) {
        var spec = original
        if let s = options.seed { spec.seed = s }
        if let e = options.epochs { spec = spec.overriding(epochs: e) }
        if let t = options.trials, spec.pbt != nil {  // --trials N: a population of N (at least 2)
            spec.pbt?.population = max(2, min(t, PBTSettings.maxPopulation))
            spec.trials = spec.pbt?.population ?? t
        }
        self.spec = spec
        self.options = options
        self.data = data
        outDir = options.outDir
        journalPath = (outDir as NSString).appendingPathComponent("trials.jsonl")
        pbtJournalPath = (outDir as NSString).appendingPathComponent("pbt.jsonl")
        specHash = SearchSession.specHash(spec)
        do {
            lock = try RunLock(folder: outDir)
        } catch {
            throw .busy(error)
        }
        let fm = FileManager.default
        let snapshotPath = (outDir as NSString).appendingPathComponent(PBTSnapshot.fileName)
        if options.overwrite {
            for p in [journalPath, pbtJournalPath, snapshotPath] { try? fm.removeItem(atPath: p) }
            ResultsFolder.removeOutputs(in: outDir)
        } else if !options.resume, fm.fileExists(atPath: pbtJournalPath) || fm.fileExists(atPath: journalPath) {
            let n = (try? Journal.replay(path: journalPath))?.records.count ?? 0
            throw .existingJournal(path: fm.fileExists(atPath: journalPath) ? journalPath : pbtJournalPath, trials: n)
        }
        var finished: [TrialRecord]?
        if options.resume, let replay = try? Journal.replay(path: journalPath) {
            // Another search's journal is never replaced by --resume.
            if let hash = replay.specHash, hash != specHash, !options.force {
                throw .journal(.io(file: journalPath, reason: "holds a different search (its spec hash differs); "
                                    + "use --out DIR, or --overwrite to start over"))
            }
            if replay.records.count == spec.pbt?.population { finished = replay.records }
        }
        finishedRecords = finished
        var population: PBTPopulation
        var resumed: Int?
        do {
            population = try PBTPopulation(spec: spec, data: data)
        } catch {
            throw .config(error)
        }
        if finished == nil, options.resume, let bytes = fm.contents(atPath: snapshotPath) {
            do {
                population = try PBTSnapshot.decode(Array(bytes), spec: spec, specHash: specHash, data: data, file: snapshotPath)
                resumed = population.interval
            } catch {
                throw .journal(.io(file: snapshotPath, reason: error.reason))
            }
        }
        resumedAt = resumed
        state = Mutex(population)
        if finished == nil {
            try? fm.removeItem(atPath: journalPath)  // a trials.jsonl cut short by a kill is rewritten whole
            do {
                let journal = try Journal(appendingTo: pbtJournalPath)
                let settings = spec.pbt ?? PBTSettings()
                var first: [(String, JSONValue)] = [
                    ("op", .string(resumed == nil ? "pbt_start" : "pbt_resume")), ("spec_hash", .string(specHash)),
                    ("population", .number(Double(settings.population))),
                    ("interval_epochs", .number(Double(settings.intervalEpochs))), ("jobs", .number(Double(options.jobs))),
                    ("hyperparameters", .array(settings.hyperparameters.map { JSONNode(.string($0.rawValue)) })),
                ]
                if let resumed { first.append(("interval", .number(Double(resumed)))) }
                try journal.append(Self.object(first))
            } catch {
                throw .journal(error)
            }
        }
    }

    /// The population now (between intervals while `run` is running).
    public var population: PBTPopulation { state.withLock { $0 } }

    /// Stops after the running interval (its boundary and snapshot are written).
    public func stop() { stopping.store(true, ordering: .relaxed) }

    /// Runs the remaining intervals; `onInterval` is called after each boundary. Returns whether it
    /// finished (false: stopped at a boundary; `--resume` continues).
    public func run(onInterval: (PBTPopulation) -> Void = { _ in }) throws -> Bool {
        if finishedRecords != nil { return true }
        let journal = try Journal(appendingTo: pbtJournalPath)
        var p = state.withLock { $0 }
        let started = Date()
        while !p.isFinished {
            if stopping.load(ordering: .relaxed) { return false }
            let idleBefore = p.idleSeconds
            let (segments, exploits) = p.step(jobs: options.jobs)
            for s in segments { try journal.append(Self.json(s)) }
            for e in exploits { try journal.append(Self.json(e)) }
            try journal.append(Self.object([("op", "boundary"), ("interval", .number(Double(p.interval))),
                                            ("idle_seconds", .number(p.idleSeconds - idleBefore))]))
            if !p.isFinished { try PBTSnapshot.write(PBTSnapshot.encode(p, specHash: specHash), to: outDir) }
            state.withLock { $0 = p }
            onInterval(p)
        }
        let trials = try Journal(appendingTo: journalPath)
        try trials.append(Journal.startRecord(specHash: specHash, name: spec.name, overrides: [], objective: spec.objective,
                                              sampler: spec.sampler, jobs: options.jobs, parameters: spec.plottedParameters))
        for r in p.records() { try trials.append(r.json) }
        try trials.append(Journal.endRecord(seconds: Date().timeIntervalSince(started)))
        // trials.jsonl now holds the outcome; the last boundary's snapshot is no longer needed.
        try? FileManager.default.removeItem(atPath: (outDir as NSString).appendingPathComponent(PBTSnapshot.fileName))
        return true
    }

    /// The members' records (from the finished folder, or the population once `run` has finished).
    public var records: [TrialRecord] { finishedRecords ?? population.records() }

    /// ranked.md, ranked.csv, best.json and report.html with its PBT section.
    @discardableResult
    public func writeResults() throws(ResultsFolderError) -> ResultsFolder.Written {
        let history = finishedRecords == nil ? population.history : nil
        return try ResultsFolder.write(spec: spec, records: records, journalPath: journalPath, to: outDir, data: data,
                                       pbt: history ?? PBTJournal.history(path: pbtJournalPath, objective: spec.objective))
    }

    static func object(_ members: [(String, JSONValue)]) -> JSONValue {
        .object(members.map { JSONMember(key: $0.0, value: JSONNode($0.1)) })
    }

    static func json(_ v: PBTValues) -> JSONValue {
        var m: [(String, JSONValue)] = [("lr", .number(v.lr))]
        if let x = v.momentum { m.append(("momentum", .number(x))) }
        if let x = v.lambdaNew { m.append(("lambda_new", .number(x))) }
        return object(m)
    }

    static func json(_ s: PBTSegment) -> JSONValue {
        object([("op", "segment"), ("slot", .number(Double(s.slot))), ("interval", .number(Double(s.interval))),
                ("epochs", .array([JSONNode(.number(Double(s.startEpoch))), JSONNode(.number(Double(s.endEpoch)))])),
                ("values", json(s.values)), ("objective", .number(s.objective))])
    }

    static func json(_ e: PBTExploit) -> JSONValue {
        object([("op", "exploit"), ("epoch", .number(Double(e.epoch))), ("recipient", .number(Double(e.recipient))),
                ("donor", .number(Double(e.donor))), ("from", json(e.from)), ("to", json(e.to))])
    }
}
