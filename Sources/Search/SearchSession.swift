// One search on disk: overrides applied, the journal opened or replayed, the trials still to run.

import Foundation
import JSON5
import Synchronization

/// How a search is run: the CLI's flags.
public struct RunOptions: Sendable {
    public var jobs: Int
    /// The folder the search writes (results/<name> by default).
    public var outDir: String
    public var resume = false
    /// Resume even when the journal was written by a different spec.
    public var force = false
    /// Delete an existing journal and start over.
    public var overwrite = false
    public var trials: Int?
    public var epochs: Int?
    public var seed: UInt64?
    /// Run only trials whose index ≡ shard.index (mod shard.count).
    public var shard: (index: Int, count: Int)?
    /// Be one peer of a search shared through the folder's journal (`run --join`, docs/journal.md).
    public var join = false
    /// With `join`: a peer from which no record has been read for this many seconds is taken for dead,
    /// and its claimed trials are run again by the others.
    public var joinTimeout = 60.0
    /// With `join`: a journal lock file older than this many seconds is broken (its holder died).
    public var lockGrace = 30.0

    public init(jobs: Int, outDir: String) {
        self.jobs = jobs
        self.outDir = outDir
    }
}

extension SearchSpec {
    /// The spec a run with `options` searches (`--epochs` and `--seed` applied), and the overrides its
    /// journal's start record keeps (`--trials` too, which only chooses how many units run).
    public func applying(_ options: RunOptions) -> (spec: SearchSpec, overrides: [(String, JSONValue)]) {
        var spec = self
        var overrides: [(String, JSONValue)] = []
        if let t = options.trials { overrides.append(("trials", .number(Double(t)))) }
        if let e = options.epochs {
            spec = spec.overriding(epochs: e)
            overrides.append(("epochs", .number(Double(e))))
        }
        if let s = options.seed {
            spec.seed = s
            overrides.append(("seed", .number(Double(s))))
        }
        return (spec, overrides)
    }
}

/// Problems setting a search up on disk.
public enum SessionError: Error, Equatable, CustomStringConvertible {
    case existingJournal(path: String, trials: Int)
    case journal(JournalError)
    case config(ConfigError)
    /// Another process is writing the results folder.
    case busy(RunLockError)

    public var description: String {
        switch self {
        case .existingJournal(let path, let trials):
            return "\(path) already holds a search (\(trials) finished trial\(trials == 1 ? "" : "s")); "
                + "pass --resume to continue it, --overwrite to start over, or --out DIR to write elsewhere"
        case .journal(let e): return e.description
        case .config(let e): return e.description
        case .busy(let e): return e.description
        }
    }
}

/// A search bound to its results folder: the effective spec (overrides applied), its sampler, the
/// journal, the records of finished trials and the units still to run.
///
/// The session holds the folder's `RunLock` from before the journal is read until it is released,
/// so no other process reads, replaces or appends to the journal meanwhile.
///
/// One source of truth: `records` is every trial of the journal (validated on replay) plus the
/// ones this run adds, whatever `--trials` or `--shard` say; they only choose which units run. So
/// `ranked.md`, `ranked.csv`, `best.json`, `report.html` and `lrsearch report` rank the same records.
public final class SearchSession: Sendable {
    public let spec: SearchSpec
    public let sampler: StaticSampler
    public let specHash: String
    public let journalPath: String
    /// Every unit of this search (or shard), in hand-out order, generated on demand.
    public let units: TrialUnits
    /// The units not yet in the journal when the session opened, in hand-out order.
    public let pending: TrialUnits
    public let overrides: [(String, JSONValue)]
    /// The results folder already held this search, finished; nothing runs (no --resume was given).
    public let alreadyComplete: Bool
    private let lock: RunLock
    /// The journal of a plain run (nil for a `--join` peer, which writes through `shared`).
    private let journal: Journal?
    /// The shared journal of a `--join` peer, and what it has read of it.
    public let shared: SharedJournal?
    let ledger: Mutex<PeerLedger>
    /// This peer's name in the shared journal (`host:pid:random`).
    public let peerID: String
    /// Seconds without a record after which a peer is taken for dead (`RunOptions.joinTimeout`).
    public let joinTimeout: Double
    /// Trials this process journaled (a `--join` peer's share).
    let ranHere = Atomic<Int>(0)
    let finished: Mutex<[TrialRecord]>
    /// TPE's points of this run by configuration index (nil for the static samplers).
    private let tpe: TPESampler?
    private let suggested = Mutex<[Int: UnitPoint]>([:])
    /// What adaptive decisions may see: trial i sees trials 0 … i − 1 − `spec.lag` (of this shard).
    public let board: TrialBoard

    /// - Parameter spec: a spec whose `lr: { auto: true }`, if any, is resolved (`AutoLRRange.resolve`).
    /// - Throws: `.busy` when another process holds the folder's lock; `.journal(.corrupt)` naming
    ///   the line when the journal does not replay or (without `force`) does not match the spec;
    ///   `.config` for an auto `lr` left unresolved.
    public init(spec original: SearchSpec, options: RunOptions) throws(SessionError) {
        let (spec, overrides) = original.applying(options)
        if let auto = spec.lrAuto, spec.lrRange == nil {
            throw .config(ConfigError(path: "lr", location: auto.location,
                                      message: "is { auto: true }, but its range was not resolved (AutoLRRange.resolve)"))
        }
        journalPath = (options.outDir as NSString).appendingPathComponent("trials.jsonl")
        // Before the folder is created: a refused shard leaves nothing behind.
        if options.shard != nil, let problem = spec.shardingProblem { throw .config(problem) }
        do {
            lock = try RunLock(folder: options.outDir, shared: options.join)
        } catch {
            throw .busy(error)
        }
        self.spec = spec
        self.overrides = overrides
        let units: TrialUnits
        do {
            sampler = try StaticSampler(spec: spec, trials: options.trials)
            units = try TrialUnits(configurations: sampler.count, repeats: spec.repeats, shard: options.shard)
            self.units = units
        } catch {
            throw .config(error)
        }
        specHash = Self.hash(spec)
        var previous: [TrialRecord] = []
        var alreadyComplete = false
        peerID = "\(Self.host):\(getpid()):\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        joinTimeout = max(1, options.joinTimeout)
        var sharedLines: [String] = []
        if options.join {
            let shared = SharedJournal(path: journalPath, grace: options.lockGrace)
            let (journalPath, peerID, specHash) = (journalPath, peerID, specHash)
            self.shared = shared
            journal = nil
            do {
                try shared.transact { lines in
                    sharedLines = lines
                    let replay = try Journal.replay(text: lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n", file: journalPath)
                    let join = Self.peerRecord("join", peer: peerID, extra: [("jobs", .number(Double(options.jobs)))])
                    guard replay.info != nil else {
                        // The search's size, as a plain run records it: `merge` lists missing trials from it.
                        return [Self.withUnits(Journal.startRecord(specHash: specHash, name: spec.name, overrides: overrides,
                                                                   objective: spec.objective, sampler: spec.sampler, jobs: options.jobs,
                                                                   parameters: spec.plottedParameters, lrRange: spec.lrRange,
                                                                   version: Journal.sharedVersion), units), join]
                    }
                    try Self.check(replay, spec: spec, hash: specHash, file: journalPath, force: options.force)
                    previous = replay.records
                    alreadyComplete = replay.records.filter({ units.contains($0.id) }).count == units.count
                    return alreadyComplete ? [] : [join]
                }
            } catch {
                throw Self.sessionError(error, journal: journalPath)
            }
        } else {
            // A plain run: this process holds the folder alone.
            shared = nil
            do {
                if options.overwrite { try? FileManager.default.removeItem(atPath: journalPath) }
                // A journal without its start record is an empty file (killed before the first write).
                var replay = try Journal.replay(path: journalPath)
                if replay?.info == nil { replay = nil }
                if let replay {
                    try Self.check(replay, spec: spec, hash: specHash, file: journalPath, force: options.force)
                    // Running a finished search again shows its ranking instead of refusing: the README's
                    // first command should work twice. Anything else needs an explicit --resume.
                    let complete = replay.specHash == specHash && replay.records.filter({ units.contains($0.id) }).count == units.count
                    guard options.resume || complete else {
                        throw SessionError.existingJournal(path: journalPath, trials: replay.records.count)
                    }
                    alreadyComplete = complete && !options.resume
                    previous = replay.records
                }
                let journal = try Journal(appendingTo: journalPath)
                self.journal = journal
                if alreadyComplete {
                    // Nothing to record: no trial will run.
                } else if replay == nil {
                    try journal.append(Self.withUnits(Journal.startRecord(specHash: specHash, name: spec.name, overrides: overrides,
                                                                          objective: spec.objective, sampler: spec.sampler, jobs: options.jobs,
                                                                          parameters: spec.plottedParameters, lrRange: spec.lrRange),
                                                      units))
                } else {
                    try journal.append(Self.withUnits(Journal.resumeRecord(specHash: specHash, jobs: options.jobs), units))
                }
            } catch {
                throw Self.sessionError(error, journal: journalPath)
            }
        }
        self.alreadyComplete = alreadyComplete
        do {
            pending = try TrialUnits(configurations: sampler.count, repeats: spec.repeats, shard: options.shard,
                                     done: Set(previous.map(\.id)))
        } catch {
            throw .config(error)
        }
        finished = Mutex(previous)
        tpe = spec.sampler == .tpe ? TPESampler(spec: spec) : nil
        board = TrialBoard(lag: spec.lag, units: units)
        for r in previous where units.contains(r.id) {
            board.finish(r.id, values: spec.objective.curve(r.epochs), complete: r.state == .ok)
        }
        ledger = Mutex(PeerLedger(known: Set(previous.map(\.id)), lines: 0))
        if shared != nil {
            do {
                try absorb(sharedLines, after: 0)
            } catch {
                throw .journal(error)
            }
        }
    }

    /// Checks a replayed journal against the spec before anything is run or ranked: its spec hash
    /// (unless `force`), and each trial's repeat, seed and configuration against what this spec gives
    /// that index (a static sampler's point, or for TPE the point the record carries) — so a record
    /// edited or relabelled with another index is refused, with its line, instead of being ranked.
    /// With `force` (a changed spec resumed on purpose) only what replay itself relies on is checked.
    static func check(_ replay: Journal.Replay, spec: SearchSpec, hash: String, file: String, force: Bool) throws(SessionError) {
        if replay.specHash != hash, !force {
            // A start record without a hash gives nothing to compare: treat it as another spec's.
            throw .journal(.specChanged(file: file, journal: replay.specHash ?? "none recorded", spec: hash))
        }
        let checkConfigs = replay.specHash == hash && !force
        // The grid's full size bounds the indices that exist; random and Sobol points exist for any index.
        let checker = try? StaticSampler(spec: spec, trials: spec.sampler == .grid ? nil : Int.max)
        for (record, line) in zip(replay.records, replay.lines) {
            func refuse(_ reason: String) -> SessionError {
                .journal(.corrupt(file: file, line: line, reason: "trial \(record.id.index) repeat \(record.id.repeat): " + reason))
            }
            // Refusals that --force may override (a journal of an older lrsearch whose configs differ, say).
            func mismatch(_ reason: String) -> SessionError { refuse(reason + "; --resume --force trusts the journal anyway") }
            if spec.sampler == .tpe, let p = record.point, let problem = spec.unitPointProblem(p) { throw refuse(problem) }
            guard checkConfigs else { continue }
            guard record.id.repeat < spec.repeats else {
                throw refuse("the spec has repeats \(spec.repeats), so repeat \(record.id.repeat) cannot be one of its trials")
            }
            guard record.seed == spec.trialSeed(record.id) else {
                throw mismatch("seed \(record.seed) is not the seed this spec gives that trial (\(spec.trialSeed(record.id))); "
                             + "the record was edited or belongs to another search")
            }
            let expected: JSONNode
            if spec.sampler == .tpe {
                guard let p = record.point else { continue }  // nothing to rebuild the configuration from
                expected = spec.trialConfig(spec.trialPoint(p, index: record.id.index), seed: record.seed)
            } else {
                guard let checker, record.id.index < checker.count else {
                    throw refuse("the spec's grid has \(checker?.count ?? 0) points, so index \(record.id.index) is not one of them")
                }
                expected = spec.trialConfig(checker.point(record.id.index), seed: record.seed)
            }
            guard JSONWriter.compact(expected.value) == JSONWriter.compact(record.sampled) else {
                throw mismatch("its config is not the one this spec gives trial \(record.id.index); "
                             + "the record was edited or relabelled with another index")
            }
        }
    }

    /// A failure while opening the journal, as the session reports it.
    private static func sessionError(_ error: any Error, journal path: String) -> SessionError {
        if let e = error as? SessionError { return e }
        if let e = error as? JournalError { return .journal(e) }
        return .journal(.io(file: path, reason: "\(error)"))
    }

    /// The configuration, seed and (for TPE) unit point of a unit.
    ///
    /// TPE's point for configuration i is a pure function of the spec, the seed and what trial i may
    /// see: the objectives of the first repeats of trials 0 … i − 1 − lag (of this shard) as
    /// observations, and the points of trials i − lag … i − 1 as running (the constant liar) — whether
    /// or not they have finished meanwhile. The runner hands unit i out only once those results exist
    /// (`isReady`), so the point never depends on timing; a journaled point is reused.
    public func config(for id: TrialID) -> (config: JSONNode, seed: UInt64, point: UnitPoint?) {
        let seed = spec.trialSeed(id)
        guard let tpe else { return (spec.trialConfig(sampler.point(id.index), seed: seed), seed, nil) }
        let done = records
        let point = suggested.withLock { memo in tpePoint(id.index, tpe: tpe, records: done, memo: &memo) }
        return (spec.trialConfig(spec.trialPoint(point, index: id.index), seed: seed), seed, point)
    }

    /// TPE's point of configuration `index`, suggesting first (in index order) the points of earlier
    /// configurations it needs as liars and does not know yet.
    private func tpePoint(_ index: Int, tpe: TPESampler, records: [TrialRecord], memo: inout [Int: UnitPoint]) -> UnitPoint {
        var journaled: [Int: UnitPoint] = [:]
        var observed: [(index: Int, observation: TPESampler.Observation)] = []
        for r in records where units.contains(r.id) {
            guard let p = r.point else { continue }
            journaled[r.id.index] = p
            if r.id.repeat == 0 {
                observed.append((r.id.index, (p, r.state == .diverged ? .nan : spec.objective.curve(r.epochs).last ?? .nan)))
            }
        }
        observed.sort { $0.index < $1.index }
        let lag = board.lag, step = units.shardCount
        func known(_ i: Int) -> UnitPoint? { memo[i] ?? journaled[i] }
        if let p = known(index) { return p }
        // The configurations to suggest, from `index` down to the first run of `lag` known ones.
        var missing: [Int] = []
        var i = index, knownRun = 0
        while i >= units.shardIndex, knownRun < max(1, lag) || i == index {
            if known(i) == nil { missing.append(i); knownRun = 0 } else { knownRun += 1 }
            i -= step
        }
        for j in missing.reversed() {
            let visible = observed.prefix { $0.index < j - lag }.map(\.observation)
            let liars = stride(from: j - step, through: max(units.shardIndex, j - lag), by: -step).reversed().compactMap { known($0) }
            memo[j] = tpe.unitPoint(trial: j, history: SamplerHistory(observations: visible, running: liars))
        }
        return known(index) ?? tpe.unitPoint(trial: index, history: .empty)  // never nil: `index` was suggested above
    }

    /// The spec's pruner, fed by the board (which holds the journal's finished trials, so a resumed
    /// search keeps its rungs and medians), or nil for `none`.
    public func makePruner() -> PruningGate? {
        let pruner: any Pruner
        switch spec.pruner {
        case .none:
            return nil
        case .asha(let minEpochs, let factor, let maxEpochs):
            pruner = ASHAPruner(minEpochs: minEpochs, reductionFactor: factor, maxEpochs: maxEpochs ?? spec.fixedEpochs ?? 20)  // 20: the trainer's default epochs
        case .hyperband(let minEpochs, let factor, let maxEpochs, let brackets):
            pruner = HyperbandPruner(minEpochs: minEpochs, reductionFactor: factor,
                                     maxEpochs: maxEpochs ?? spec.fixedEpochs ?? 20, brackets: brackets)
        case .median(let warmup, let minTrials):
            pruner = MedianPruner(warmupEpochs: warmup, minTrials: minTrials)
        }
        guard shared != nil else { return PruningGate(pruner: pruner, board: board) }
        // Peers read a trial's rung values from the journal: publish them at each checkpoint.
        return PruningGate(pruner: pruner, board: board) { [weak self] id, curve in self?.publishProgress(id, curve: curve) }
    }

    /// Journals a finished trial (append + fsync) and keeps its record.
    public func record(_ r: TrialRecord) throws(JournalError) {
        // A trial whose pruning wait was cut short by an error decided without its peers: leave it out,
        // so a resumed search runs it again and decides as it should.
        guard !board.wasReleased(r.id) else { return }
        if shared != nil {
            try recordShared(r)
            return
        }
        try journal?.append(r.json)
        finished.withLock { $0.append(r) }
        board.finish(r.id, values: spec.objective.curve(r.epochs), complete: r.state == .ok)
    }

    /// Journals the end of this run after `wallSeconds` (nothing when the run had nothing to do).
    public func finish(wallSeconds: Double) throws(JournalError) {
        guard !alreadyComplete else { return }
        if let shared {
            do {
                let t = shared.stats
                let extra: [(String, JSONValue)] = [
                    ("seconds", .number(wallSeconds)), ("trials", .number(Double(ranHere.load(ordering: .relaxed)))),
                    ("transactions", .number(Double(t.transactions + 1))), ("lock_wait", .number(t.lockWait)),
                    ("replay", .number(t.replay)), ("bytes_read", .number(Double(t.bytesRead))),
                    ("appended", .number(Double(t.appended + 1))), ("broken_locks", .number(Double(t.brokenLocks))),
                ]
                try shared.transact { [peerID] _ in [Self.peerRecord("leave", peer: peerID, extra: extra)] }
            } catch let e as JournalError {
                throw e
            } catch {
                throw .io(file: journalPath, reason: "\(error)")
            }
            return
        }
        try journal?.append(Journal.endRecord(seconds: wallSeconds))
    }

    /// Every finished trial of this search, the resumed ones included.
    public var records: [TrialRecord] { finished.withLock { $0 } }

    /// How many of this run's units (`units`) are finished now.
    public var finishedUnits: Int { finished.withLock { $0.filter { units.contains($0.id) }.count } }

    /// `record` with the run's units: `configurations` and `repeats` (what `lrsearch merge` counts
    /// missing trials against) and, for a shard, `shard: [index, count]`.
    static func withUnits(_ record: JSONValue, _ units: TrialUnits) -> JSONValue {
        guard case .object(var members) = record else { return record }
        members.append(JSONMember(key: "configurations", value: JSONNode(.number(Double(units.configurations)))))
        members.append(JSONMember(key: "repeats", value: JSONNode(.number(Double(units.repeats)))))
        if units.shardCount > 1 {
            members.append(JSONMember(key: "shard", value: JSONNode(.array([JSONNode(.number(Double(units.shardIndex))),
                                                                            JSONNode(.number(Double(units.shardCount)))]))))
        }
        return .object(members)
    }

    /// FNV-1a (64-bit) of the spec's compact JSON with `trials` left out (a resumed search may
    /// raise its budget) and the effective seed and epochs folded in.
    static func hash(_ spec: SearchSpec) -> String {
        var source = spec.source.value
        if case .object(let members) = source {
            source = .object(members.filter { $0.key != "trials" && $0.key != "description" })
        }
        let text = JSONWriter.compact(source) + "|seed=\(spec.seed)|task=" + JSONWriter.compact(spec.task.template.value)
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

extension SearchSession: TrialGate {
    /// A unit may start when the results TPE's suggestion for it depends on exist: the first repeats
    /// of trials 0 … i − 1 − lag. Static samplers depend on nothing (pruning waits inside the trial).
    public func isReady(_ id: TrialID) -> Bool {
        tpe == nil || board.firstRepeatsFinished(before: id.index)
    }

    public func cancel() { board.cancel() }
}

extension SearchSpec {
    /// Why a journaled unit point (TPE's) cannot be a point of this spec's space, or nil when it can;
    /// checked before a resumed TPE search learns from it or rebuilds a configuration from it.
    func unitPointProblem(_ p: UnitPoint) -> String? {
        guard schedules.indices.contains(p.schedule) else {
            return "point.schedule is \(p.schedule), but the spec has \(schedules.count) schedule entries"
        }
        let family = schedules[p.schedule].template.parameters.count
        guard p.common.count == commonParameters.count, p.family.count == family else {
            return "point has \(p.common.count) common and \(p.family.count) family values, "
                + "but the spec samples \(commonParameters.count) and \(family)"
        }
        guard (p.common + p.family).allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
            return "point values must lie in [0, 1]"
        }
        return nil
    }
}
