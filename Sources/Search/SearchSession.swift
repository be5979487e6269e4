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

    public init(jobs: Int, outDir: String) {
        self.jobs = jobs
        self.outDir = outDir
    }
}

/// Problems setting a search up on disk.
public enum SessionError: Error, Equatable, CustomStringConvertible {
    case existingJournal(path: String, trials: Int)
    case journal(JournalError)
    case config(ConfigError)

    public var description: String {
        switch self {
        case .existingJournal(let path, let trials):
            return "\(path) already holds a search (\(trials) finished trial\(trials == 1 ? "" : "s")); "
                + "pass --resume to continue it, --overwrite to start over, or --out DIR to write elsewhere"
        case .journal(let e): return e.description
        case .config(let e): return e.description
        }
    }
}

/// A search bound to its results folder: the effective spec (overrides applied), its sampler, the
/// journal, the records of finished trials and the units still to run.
public final class SearchSession: Sendable {
    public let spec: SearchSpec
    public let sampler: StaticSampler
    public let specHash: String
    public let journalPath: String
    /// Every unit of this search (or shard), in hand-out order.
    public let units: [TrialID]
    /// The units not yet in the journal.
    public let pending: [TrialID]
    public let overrides: [(String, JSONValue)]
    /// The results folder already held this search, finished; nothing runs (no --resume was given).
    public let alreadyComplete: Bool
    private let journal: Journal
    private let finished: Mutex<[TrialRecord]>
    /// TPE's points of this run by configuration index (nil for the static samplers).
    private let tpe: TPESampler?
    private let suggested = Mutex<[Int: UnitPoint]>([:])

    /// - Parameter findLRRange: runs the range test for a spec with `lr: { auto: true }`; called only
    ///   when the journal does not already hold the range of this spec (a resumed search reuses it).
    public init(spec original: SearchSpec, options: RunOptions,
                findLRRange: (SearchSpec) throws(ConfigError) -> AutoLRRange = { spec throws(ConfigError) in
                    try spec.findAutoLRRange(data: DataCache())
                }) throws(SessionError) {
        var spec = original
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
        journalPath = (options.outDir as NSString).appendingPathComponent("trials.jsonl")
        if spec.lrAuto != nil {
            spec = try Self.resolveAutoLR(spec, journal: journalPath, overwrite: options.overwrite, find: findLRRange)
        }
        self.spec = spec
        self.overrides = overrides
        do {
            sampler = try StaticSampler(spec: spec, trials: options.trials)
        } catch {
            throw .config(error)
        }
        specHash = Self.hash(spec)
        var previous: [TrialRecord] = []
        var alreadyComplete = false
        do {
            if options.overwrite { try? FileManager.default.removeItem(atPath: journalPath) }
            if let replay = try Journal.replay(path: journalPath) {
                // Running a finished search again shows its ranking instead of refusing: the README's
                // first command should work twice. Anything else needs an explicit --resume.
                let done = Set(replay.records.map(\.id))
                let wanted = (0..<sampler.count).flatMap { i in (0..<spec.repeats).map { TrialID(index: i, repeat: $0) } }
                let complete = replay.specHash == specHash && wanted.allSatisfy { done.contains($0) }
                guard options.resume || complete else {
                    throw SessionError.existingJournal(path: journalPath, trials: replay.records.count)
                }
                alreadyComplete = complete && !options.resume
                if let h = replay.specHash, h != specHash, !options.force {
                    throw SessionError.journal(.specChanged(file: journalPath, journal: h, spec: specHash))
                }
                previous = replay.records
            }
            journal = try Journal(appendingTo: journalPath)
            if alreadyComplete {
                // Nothing to record: no trial will run.
            } else if previous.isEmpty && !options.resume {
                try journal.append(Journal.startRecord(specHash: specHash, name: spec.name, overrides: overrides,
                                                       objective: spec.objective, sampler: spec.sampler, jobs: options.jobs,
                                                       parameters: spec.plottedParameters, lrRange: spec.lrRange))
            } else {
                try journal.append(Journal.resumeRecord(specHash: specHash, jobs: options.jobs))
            }
        } catch let e as SessionError {
            throw e
        } catch let e as JournalError {
            throw .journal(e)
        } catch {
            throw .journal(.io(file: journalPath, reason: "\(error)"))
        }
        self.alreadyComplete = alreadyComplete
        let all = (0..<sampler.count).flatMap { i in (0..<spec.repeats).map { TrialID(index: i, repeat: $0) } }
        units = options.shard.map { s in all.filter { $0.index % s.count == s.index } } ?? all
        let done = Set(previous.map(\.id))
        pending = units.filter { !done.contains($0) }
        finished = Mutex(previous.filter { Set(all).contains($0.id) })
        tpe = spec.sampler == .tpe ? TPESampler(spec: spec) : nil
    }

    /// `spec` with its auto LR resolved: to the range the journal's start record holds when the journal
    /// belongs to this spec (so a resumed or re-shown search samples exactly as before), otherwise to
    /// the range a fresh range test gives.
    static func resolveAutoLR(_ spec: SearchSpec, journal path: String, overwrite: Bool,
                              find: (SearchSpec) throws(ConfigError) -> AutoLRRange) throws(SessionError) -> SearchSpec {
        if !overwrite, let replay = try? Journal.replay(path: path), replay.specHash == hash(spec),
           let range = replay.lrRange {
            return spec.resolvingAutoLR(range)
        }
        do {
            return spec.resolvingAutoLR(try find(spec))
        } catch {
            throw .config(error)
        }
    }

    /// The configuration, seed and (for TPE) unit point of a unit. TPE suggests a configuration's
    /// point when its first repeat starts, from every result journaled so far and the points still
    /// running; later repeats and resumed runs reuse it.
    public func config(for id: TrialID) -> (config: JSONNode, seed: UInt64, point: UnitPoint?) {
        let seed = spec.trialSeed(id)
        guard let tpe else { return (spec.trialConfig(sampler.point(id.index), seed: seed), seed, nil) }
        let point = suggested.withLock { memo -> UnitPoint in
            let done = records
            if let p = memo[id.index] ?? done.first(where: { $0.id.index == id.index })?.point { return p }
            let finishedIndices = Set(done.map(\.id.index))
            let observations = done.compactMap { r -> TPESampler.Observation? in
                guard let p = r.point, r.id.repeat == 0 else { return nil }
                return (p, r.state == .diverged ? .nan : spec.objective.curve(r.epochs).last ?? .nan)
            }
            let running = memo.filter { !finishedIndices.contains($0.key) }.sorted { $0.key < $1.key }.map(\.value)
            let p = tpe.suggest(index: id.index, observations: observations, running: running)
            memo[id.index] = p
            return p
        }
        return (spec.trialConfig(spec.trialPoint(point, index: id.index), seed: seed), seed, point)
    }

    /// The spec's pruner, primed with the trials replayed from the journal (so a resumed search
    /// keeps its rungs and medians), or nil for `none`.
    public func makePruner() -> (any Pruner)? {
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
        for r in records { pruner.replayed(trial: r.id, values: spec.objective.curve(r.epochs), complete: r.state == .ok) }
        return pruner
    }

    /// Journals a finished trial (append + fsync) and keeps its record.
    public func record(_ r: TrialRecord) throws(JournalError) {
        try journal.append(r.json)
        finished.withLock { $0.append(r) }
    }

    /// Journals the end of this run after `wallSeconds` (nothing when the run had nothing to do).
    public func finish(wallSeconds: Double) throws(JournalError) {
        guard !alreadyComplete else { return }
        try journal.append(Journal.endRecord(seconds: wallSeconds))
    }

    /// Every finished trial of this search, the resumed ones included.
    public var records: [TrialRecord] { finished.withLock { $0 } }

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
