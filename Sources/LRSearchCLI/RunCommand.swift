// `lrsearch run SPEC`: the search. Trials on all cores, progress on stderr, the ranked table at the end.

import Dispatch
import Foundation
import JSON5
import LRSearchKit
import Reporting
import Search
import Trainer

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LRSearch {
    static let run = CommandSpec(
        name: "run", abstract: "Run a search: train every sampled schedule and rank them.",
        discussion: """
            Trials run concurrently, one per worker; each finished trial is appended to \
            <out>/trials.jsonl and fsynced before the next is reported, so an interrupted search \
            loses no finished trial and --resume runs only what is missing. Ctrl-C (or SIGTERM) stops \
            handing out trials and waits for the running ones; a second one abandons them; later ones \
            are ignored until the results are written. Either way the ranking of what finished is \
            written, and the exit code is 130 after SIGINT, 143 after SIGTERM (128 + the first signal; \
            SIGHUP, a closed terminal, likewise gives 129).

            The ranking and every file in the folder cover every trial in its journal: --trials N \
            chooses which trials run (0 to N-1), not which are ranked, so --resume --trials 3 on a \
            folder of 8 finished trials runs nothing and still ranks all 8, as 'lrsearch report' does.

            --shard I/N (or --shard auto in a Slurm job array or a Kubernetes Indexed Job) runs one \
            shard of a random, grid or sobol search into its own folder, resuming that folder's journal \
            when it is re-run (a replaced pod, a requeued task); 'lrsearch merge' then ranks the shards \
            together. Shards share nothing, so a tpe sampler or a pruner is refused with --shard \
            (exit 64): run such a search as peers with --join instead.

            A run holds a lock on its results folder (<out>/.lrsearch-run.lock) until it exits; a \
            second run, --resume or --overwrite on the same folder is refused (exit 1) with the \
            holder's pid and start time. The lock goes with the process, even after kill -9.

            A spec with strategy: { kind: "pbt", population, interval_epochs, quantile, \
            resample_probability, factors, hyperparameters } runs population-based training instead \
            (docs/PBT.md): members train interval_epochs at a time on --jobs workers, the worst copy \
            the best and perturb lr, momentum, lambda_new; <out>/pbt.jsonl logs segments and exploits, \
            <out>/pbt-snapshot.bin is replaced atomically at every boundary (--resume continues from \
            it, to the same bits), and best.json replays the winner with 'lrsearch train'. --trials N \
            sets the population (2 to 1024); --shard and --join do not apply; Ctrl-C stops at the next boundary.

            --join makes this process one peer of a search shared by every process that runs the same \
            spec with --join --out DIR (on one machine, or on many through a shared filesystem: NFS, \
            Lustre, a Kubernetes ReadWriteMany volume). Peers append claims, heartbeats, rung values and \
            results to DIR/trials.jsonl under a lock file, read each other's records, and each decides \
            locally (TPE with the spec's lag, ASHA/Hyperband/median from the journal), so the ranking \
            equals a single-process run. A peer silent for --join-timeout seconds is taken for dead and \
            its trials are run again by the others with the same configuration and seed; a lock file \
            older than --lock-grace seconds is broken. Every peer returns when the whole search is \
            finished, and writes the results. Peers hold the folder lock shared: a plain run, --resume \
            or --overwrite is refused while any peer works. Protocol: docs/journal.md.
            """,
        positionals: [PositionalSpec("SPEC", help: "The search spec (JSON5).")],
        options: [
            OptionSpec("--jobs", "N", help: "Concurrent trials (default: the number of active cores)."),
            OptionSpec("--out", "DIR", help: "Results folder (default: results/<name>)."),
            OptionSpec("--resume", help: "Continue the search in the results folder; run only missing trials."),
            OptionSpec("--force", help: "With --resume: continue even if the spec has changed."),
            OptionSpec("--overwrite", help: "Delete the results folder's journal and start over."),
            OptionSpec("--trials", "N", help: "Override the spec's number of trials (which trials run; all journaled ones are ranked)."),
            OptionSpec("--epochs", "E", help: "Override the epochs of every trial."),
            OptionSpec("--seed", "S", help: "Override the spec's seed."),
            OptionSpec("--shard", "I/N|auto", help: "Run only trials whose index is I modulo N (0 ≤ I < N); auto reads "
                       + "the Slurm array task or Kubernetes JOB_COMPLETION_INDEX with LRSEARCH_SHARDS. Resumes the "
                       + "shard's own journal; default --out results/<name>/shard-I-of-N. Not with tpe or a pruner."),
            OptionSpec("--join", help: "Be one peer of a search shared through --out DIR's journal (start it or join it)."),
            OptionSpec("--join-timeout", "S", help: "With --join: seconds of silence after which a peer counts as dead (default 60)."),
            OptionSpec("--lock-grace", "S", help: "With --join: age in seconds after which a journal lock is broken (default 30)."),
            OptionSpec("--top", "K", help: "Rows of the ranked table to print (default 20)."),
            OptionSpec("--quiet", help: "No progress on stderr."),
        ],
        run: { args in try RunCommand.run(args) })
}

enum RunCommand {
    static func run(_ args: ParsedArguments) throws -> ExitCode {
        let path = args.positionals[0]
        let spec = try SpecFile.load(path)
        let options = try runOptions(args, spec: spec)
        let top = try args.int("--top", min: 1) ?? 20
        let quiet = args.flag("--quiet")
        let data = DataCache()
        var estimate: MemoryEstimate?
        do throws(CLIError) {
            estimate = try SpecFile.check(options.epochs.map { spec.overriding(epochs: $0) } ?? spec, file: path, data: data)
        } catch {
            // The spec's ranges were written for its own run length; say that the override changed it.
            guard let epochs = options.epochs else { throw error }
            throw CLIError.input(error.message + "\n(--epochs \(epochs) changed the run length these values are "
                                    + "checked against; without it the spec's own epochs apply)")
        }
        if let pbt = spec.pbt {  // every member is in memory at once, twice at a boundary (old and new states)
            if options.join {
                throw CLIError("--join does not apply to strategy pbt (the population trains together in one process; "
                               + "--resume continues it after a stop)")
            }
            if let e = options.epochs, pbt.intervalEpochs > e {
                throw CLIError("--epochs \(e) is shorter than one interval (strategy.interval_epochs = \(pbt.intervalEpochs) in "
                               + "\(path)): no member would ever copy another")
            }
            var population = pbt.population
            if let t = options.trials {
                guard t >= 2, t <= PBTSettings.maxPopulation else {
                    throw CLIError("--trials sets the population with strategy pbt: expected 2 to \(PBTSettings.maxPopulation), got \(t)")
                }
                population = t
            }
            try checkPBTMemory(estimate, population: population, file: path, byTrials: options.trials != nil)
            return try PBTRunCommand.run(spec: spec, options: options, path: path, top: top, quiet: quiet, data: data,
                                         outFlag: args.string("--out"))
        }
        try SpecFile.checkMemory(estimate, jobs: options.jobs, file: path)

        let run: SearchRun
        do {
            run = try SearchRun(spec: spec, options: options, data: data)
        } catch {
            switch error {
            case .journal(.io), .busy: throw CLIError(error.description, code: .failure)
            case .config(let e): throw CLIError.input(e.rendered(file: path))
            default: throw CLIError.input(error.description)
            }
        }
        let session = run.session
        let progress = quiet ? nil : ProgressDisplay { progressLine(session, run.progress) }
        // Installed before the first trial starts and never removed: from here on no SIGINT or
        // SIGTERM, at any moment, ends the process before the ranking is written.
        let interrupts = InterruptHandler(
            first: { name in
                let running = run.progress.running
                let message = "Stopping (\(name)): waiting for \(running) running trial\(running == 1 ? "" : "s") to finish (Ctrl-C again to abandon them)"
                if let progress { progress.note(message) } else { writeStderr(message + "\n") }
                run.stop()
            },
            second: {
                let message = "Abandoning the running trials; writing the ranking of the finished ones."
                if let progress { progress.note(message) } else { writeStderr(message + "\n") }
                run.abandon()
            },
            later: { writeStderr("Still writing the results; the process exits as soon as they are written.\n") })

        if session.alreadyComplete {
            writeStderr("\(escapingControlCharacters(options.outDir))/ already holds this search, finished; showing its ranking "
                        + "(--overwrite runs it again).\n")
        } else if !quiet {
            writeStderr(banner(session, options: options))
        }
        let outcome = run.run()
        progress?.finish()
        let ending = outcome.ending
        let written: ResultsFolder.Written
        do {
            written = try run.writeResults()
        } catch {
            throw CLIError(error.description, code: .failure)
        }
        let nothingRanked = ResultsWriter.print(written, spec: session.spec, outDir: options.outDir, top: top, quiet: quiet)
        if let failure = outcome.failure {
            throw CLIError("the search stopped: \(failure)", code: .failure)
        }
        if let nothingRanked {  // interrupted, the reason is said and 130 stands
            guard ending != .completed else { throw CLIError(nothingRanked, code: .failure) }
            writeStderr(nothingRanked + "\n")
        }
        let signal = interrupts.firstSignal
        if ending != .completed {
            let done = session.finishedUnits, total = session.units.count
            let out = args.string("--out").map { " --out \($0)" } ?? ""
            let again = options.join ? "--join" : "--resume"
            writeStderr(escapingControlCharacters(
                "interrupted: \(done) of \(total) trials are in \(session.journalPath); "
                    + "`lrsearch run \(path) \(again)\(out)` runs the other \(total - done)", keepingNewlines: false) + "\n")
        }
        // A signal that came only while the results were being written still says so in the exit code.
        if let signal { return signal == SIGTERM ? .terminated : signal == SIGHUP ? .hangup : .interrupted }
        return ending == .completed ? .success : .interrupted
    }

    static func runOptions(_ args: ParsedArguments, spec: SearchSpec) throws(CLIError) -> RunOptions {
        let jobs = try args.int("--jobs", min: 1) ?? ProcessInfo.processInfo.activeProcessorCount
        let shard = try args.string("--shard").map { text throws(CLIError) in try parseShard(text) }
        let out = args.string("--out") ?? "results/\(spec.name)" + (shard.map { "/shard-\($0.index)-of-\($0.count)" } ?? "")
        try checkOutFolder(out)
        var options = RunOptions(jobs: jobs, outDir: out)
        // A shard re-run (a requeued task, a replaced pod) continues its own journal.
        options.resume = args.flag("--resume") || (shard != nil && !args.flag("--overwrite"))
        options.force = args.flag("--force")
        options.overwrite = args.flag("--overwrite")
        if options.force && !options.resume { throw CLIError("--force only applies with --resume") }
        if options.overwrite && options.resume { throw CLIError("--overwrite and --resume contradict each other") }
        options.trials = try args.int("--trials", min: 1)
        options.epochs = try args.int("--epochs", min: 1, max: maxTrialEpochs)
        if let s = try args.int("--seed", min: 0, max: Int.max) { options.seed = UInt64(s) }
        if let shard { options.shard = (shard.index, shard.count) }
        options.join = args.flag("--join")
        if let t = try args.double("--join-timeout") {
            guard options.join else { throw CLIError("--join-timeout only applies with --join") }
            guard t.isFinite, t >= 1, t <= 86_400 else { throw CLIError("--join-timeout expects seconds between 1 and 86400, got \(t)") }
            options.joinTimeout = t
        }
        if let g = try args.double("--lock-grace") {
            guard options.join else { throw CLIError("--lock-grace only applies with --join") }
            guard g.isFinite, g >= 1, g <= 86_400 else { throw CLIError("--lock-grace expects seconds between 1 and 86400, got \(g)") }
            options.lockGrace = g
        }
        if options.join {
            if options.shard != nil { throw CLIError("--join and --shard contradict each other: peers share every trial of one journal") }
            if options.overwrite { throw CLIError("--overwrite cannot be used with --join: peers never delete the shared journal") }
            // A peer waits up to the grace for a dead holder's lock and then writes: a silence of
            // that long must not make it look dead.
            guard options.joinTimeout >= 2 * options.lockGrace else {
                throw CLIError("--join-timeout (\(formatNumber(options.joinTimeout)) s) must be at least twice --lock-grace "
                               + "(\(formatNumber(options.lockGrace)) s): a peer waiting for a dead peer's lock would look dead")
            }
        }
        return options
    }

    /// Refuses (exit 64) a population whose members (all in memory, twice at a boundary) exceed physical
    /// memory, naming the population (`--jobs` does not change what PBT holds).
    static func checkPBTMemory(_ estimate: MemoryEstimate?, population: Int, file: String, byTrials: Bool) throws(CLIError) {
        guard let estimate else { return }
        let physical = MemoryPlan.physicalMemory
        do {
            try MemoryPlan.check(estimate, jobs: 2 * population, physical: physical)
        } catch {
            guard error.field == "--jobs" else { throw CLIError.input("\(file): \(error)") }
            let what = byTrials ? "--trials \(population)" : "\(file): strategy.population"
            let fit = Int(max(0, ((physical - estimate.dataset) / estimate.perTrial / 2).rounded(.down)))
            throw CLIError.input("\(what): \(population) members are all in memory at once (twice at an interval boundary): "
                                 + "about \(MemoryEstimate.format(estimate.total(jobs: 2 * population))) (\(2 * population) × "
                                 + "\(estimate.summary)), more than this machine's \(MemoryEstimate.format(physical)) of physical "
                                 + "memory; a population of at most \(fit) fits")
        }
    }

    /// `I/N`, or `auto`: the shard from the Slurm or Kubernetes variables of this process.
    static func parseShard(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(CLIError) -> ShardAssignment {
        if text == "auto" {
            do {
                return try ShardAssignment.fromEnvironment(environment)
            } catch {
                throw CLIError("--shard auto: \(error.message)")
            }
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2, let i = parts[0], let n = parts[1], n >= 1, (0..<n).contains(i) else {
            throw CLIError("--shard expects I/N with 0 <= I < N, or auto, got '\(text)'")
        }
        return ShardAssignment(index: i, count: n, source: "--shard \(text)")
    }

    /// `--out` must name a folder: not empty (that would write into the working directory), not a
    /// file, and free of NUL.
    static func checkOutFolder(_ out: String) throws(CLIError) {
        guard !out.isEmpty else {
            throw CLIError("--out expects a results folder, got an empty string (use --out . for the current folder)")
        }
        guard !out.unicodeScalars.contains("\0") else { throw CLIError("--out contains a NUL character") }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDir), !isDir.boolValue {
            throw CLIError("--out '\(escapingControlCharacters(out))' is a file; it must be a results folder (or a path to create one)")
        }
    }

    static func banner(_ session: SearchSession, options: RunOptions) -> String {
        let spec = session.spec
        let families = Set(spec.schedules.map(\.family)).count
        var text = "Searching '\(spec.name)': \(session.units.count) trial\(session.units.count == 1 ? "" : "s")"
        if spec.repeats > 1 { text += " (\(session.units.count / spec.repeats) configurations × \(spec.repeats) seeds)" }
        text += ", \(families) famil\(families == 1 ? "y" : "ies"), \(spec.sampler.rawValue) sampler, \(options.jobs) job\(options.jobs == 1 ? "" : "s")"
        if let shard = options.shard { text += ", shard \(shard.index)/\(shard.count)" }
        if options.join { text += ", joined (peer \(escapingControlCharacters(session.peerID)))" }
        if let range = spec.lrRange { text += "\n  " + range.summary }
        text += "\n  → \(escapingControlCharacters(options.outDir))/"
        let resumed = session.units.count - session.pending.count
        if resumed > 0 { text += "  (resuming: \(resumed) finished, \(session.pending.count) to run)" }
        let beyond = session.records.count - resumed
        if beyond > 0 {
            text += "\n  the journal also holds \(beyond) finished trial\(beyond == 1 ? "" : "s") outside these; "
                + "the ranking covers them too"
        }
        return text + "\n"
    }

    static func progressLine(_ session: SearchSession, _ p: Runner.Progress) -> String {
        let finishedBefore = session.units.count - session.pending.count
        let done = finishedBefore + p.done
        let elapsed = Date().timeIntervalSince(p.started)
        var line = "[\(done)/\(session.units.count)] running \(p.running)"
        if let best = rank(session.records, objective: session.spec.objective).first, best.mean.isFinite {
            line += " · best \(formatNumber(best.mean)) (\(best.representative.family.rawValue), trial \(best.index))"
        }
        line += " · \(formatDuration(elapsed))"
        if p.done > 0, !p.stopping {
            let remaining = Double(p.total - p.done) * elapsed / Double(p.done)
            line += " · ETA \(formatDuration(remaining))"
        }
        if p.stopping { line += " · stopping" }
        return line
    }
}

/// SIGINT, SIGTERM and SIGHUP handling for a run: the first calls `first` (with the signal's name), the
/// second `second`, every later one `later`. Both signals stay ignored by default action from `init`
/// until the process exits — the handler is never removed, so a signal at any moment (between
/// two trials, right after the first, while the ranking is written) cannot end the process before
/// the results are written. `firstSignal` is the first one received (it decides the exit code).
final class InterruptHandler: @unchecked Sendable {  // `count` and `first` are touched on `queue` only, read after under it
    private let queue = DispatchQueue(label: "lrsearch.signals")
    private var sources: [DispatchSourceSignal] = []
    private var count = 0
    private var received: Int32?

    init(first: @escaping @Sendable (String) -> Void, second: @escaping @Sendable () -> Void,
         later: @escaping @Sendable () -> Void) {
        // A closed stderr or stdout (`lrsearch run … 2>&1 | head -1`) must not end the run by SIGPIPE
        // either: writes to it fail quietly instead, and the results folder is still written.
        signal(SIGPIPE, SIG_IGN)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            // The dispatch source still sees an ignored signal; the default action never runs. A
            // SIGHUP already ignored (`nohup lrsearch run …`) stays ignored.
            let previous = signal(sig, SIG_IGN)
            if sig == SIGHUP, unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) { continue }
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            // Strong on purpose: the handler lives until the process exits, whatever the caller keeps.
            source.setEventHandler { [self] in
                // Signals that arrive together are merged into one event; `data` counts them.
                for _ in 0..<max(1, Int(source.data)) {
                    count += 1
                    if received == nil { received = sig }
                    switch count {
                    case 1: first(sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP, the terminal closed" : "Ctrl-C")
                    case 2: second()
                    default: if count == 3 { later() }
                    }
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// The first signal received so far, if any.
    var firstSignal: Int32? { queue.sync { received } }
}
