// `lrsearch run SPEC`: the search. Trials on all cores, progress on stderr, the ranked table at the end.

import Dispatch
import Foundation
import JSON5
import Reporting
import Search

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
            loses no finished trial and --resume runs only what is missing. Ctrl-C stops handing \
            out trials and waits for the running ones; a second Ctrl-C abandons them. Either way the \
            ranking of what finished is written, and the exit code is 130.
            """,
        positionals: [PositionalSpec("SPEC", help: "The search spec (JSON5).")],
        options: [
            OptionSpec("--jobs", "N", help: "Concurrent trials (default: the number of active cores)."),
            OptionSpec("--out", "DIR", help: "Results folder (default: results/<name>)."),
            OptionSpec("--resume", help: "Continue the search in the results folder; run only missing trials."),
            OptionSpec("--force", help: "With --resume: continue even if the spec has changed."),
            OptionSpec("--overwrite", help: "Delete the results folder's journal and start over."),
            OptionSpec("--trials", "N", help: "Override the spec's number of trials."),
            OptionSpec("--epochs", "E", help: "Override the epochs of every trial."),
            OptionSpec("--seed", "S", help: "Override the spec's seed."),
            OptionSpec("--shard", "I/N", help: "Run only trials whose index is I modulo N (0 ≤ I < N)."),
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
        do throws(CLIError) {
            try SpecFile.check(options.epochs.map { spec.overriding(epochs: $0) } ?? spec, file: path, data: data)
        } catch {
            // The spec's ranges were written for its own run length; say that the override changed it.
            guard let epochs = options.epochs else { throw error }
            throw CLIError.input(error.message + "\n(--epochs \(epochs) changed the run length these values are "
                                    + "checked against; without it the spec's own epochs apply)")
        }

        let session: SearchSession
        do {
            session = try SearchSession(spec: spec, options: options) { s throws(ConfigError) in
                try s.findAutoLRRange(data: data)
            }
        } catch {
            switch error {
            case .journal(.io): throw CLIError(error.description, code: .failure)
            case .config(let e): throw CLIError.input(e.rendered(file: path))
            default: throw CLIError.input(error.description)
            }
        }
        let executor = TrialExecutor(session: session, data: data)
        let runner = Runner(units: session.pending, jobs: options.jobs, cores: executor.cores, execute: { id in try executor.run(id) },
                            finished: { record in try session.record(record) })
        if session.alreadyComplete {
            writeStderr("\(options.outDir)/ already holds this search, finished; showing its ranking "
                        + "(--overwrite runs it again).\n")
        } else if !quiet {
            writeStderr(banner(session, options: options))
        }
        let progress = quiet ? nil : ProgressDisplay { progressLine(session, runner.progress) }
        let interrupts = InterruptHandler(
            first: {
                let running = runner.progress.running
                progress?.note("Stopping: waiting for \(running) running trial\(running == 1 ? "" : "s") to finish (Ctrl-C again to abandon them)")
                runner.stop()
            },
            second: {
                progress?.note("Abandoning the running trials.")
                runner.abandon()
            })

        var failure: (any Error)?
        var ending = Runner.Ending.completed
        let started = Date()
        do {
            ending = try runner.run()
        } catch {
            failure = error
        }
        interrupts.cancel()
        progress?.finish()
        do {
            try session.finish(wallSeconds: Date().timeIntervalSince(started))
        } catch {
            failure = failure ?? error
        }
        try ResultsWriter.write(session: session, outDir: options.outDir, top: top, data: data, quiet: quiet)
        if let failure {
            throw CLIError("the search stopped: \(failure)", code: .failure)
        }
        if ending != .completed {
            let done = session.records.count, total = session.units.count
            let out = args.string("--out").map { " --out \($0)" } ?? ""
            writeStderr("interrupted: \(done) of \(total) trials are in \(session.journalPath); "
                        + "`lrsearch run \(path) --resume\(out)` runs the other \(total - done)\n")
        }
        return ending == .completed ? .success : .interrupted
    }

    static func runOptions(_ args: ParsedArguments, spec: SearchSpec) throws(CLIError) -> RunOptions {
        let jobs = try args.int("--jobs", min: 1) ?? ProcessInfo.processInfo.activeProcessorCount
        var options = RunOptions(jobs: jobs, outDir: args.string("--out") ?? "results/\(spec.name)")
        options.resume = args.flag("--resume")
        options.force = args.flag("--force")
        options.overwrite = args.flag("--overwrite")
        if options.force && !options.resume { throw CLIError("--force only applies with --resume") }
        if options.overwrite && options.resume { throw CLIError("--overwrite and --resume contradict each other") }
        options.trials = try args.int("--trials", min: 1)
        options.epochs = try args.int("--epochs", min: 1)
        if let s = try args.int("--seed", min: 0) { options.seed = UInt64(s) }
        if let text = args.string("--shard") {
            let parts = text.split(separator: "/").map { Int($0) }
            guard parts.count == 2, let i = parts[0], let n = parts[1], n >= 1, (0..<n).contains(i) else {
                throw CLIError("--shard expects I/N with 0 <= I < N, got '\(text)'")
            }
            options.shard = (i, n)
        }
        return options
    }

    static func banner(_ session: SearchSession, options: RunOptions) -> String {
        let spec = session.spec
        let families = Set(spec.schedules.map(\.family)).count
        var text = "Searching '\(spec.name)': \(session.units.count) trial\(session.units.count == 1 ? "" : "s")"
        if spec.repeats > 1 { text += " (\(session.units.count / spec.repeats) configurations × \(spec.repeats) seeds)" }
        text += ", \(families) famil\(families == 1 ? "y" : "ies"), \(spec.sampler.rawValue) sampler, \(options.jobs) job\(options.jobs == 1 ? "" : "s")"
        if let shard = options.shard { text += ", shard \(shard.index)/\(shard.count)" }
        if let range = spec.lrRange { text += "\n  " + range.summary }
        text += "\n  → \(options.outDir)/"
        let resumed = session.units.count - session.pending.count
        if resumed > 0 { text += "  (resuming: \(resumed) finished, \(session.pending.count) to run)" }
        return text + "\n"
    }

    static func progressLine(_ session: SearchSession, _ p: Runner.Progress) -> String {
        let finishedBefore = session.units.count - session.pending.count
        let done = finishedBefore + p.done
        let elapsed = Date().timeIntervalSince(p.started)
        var line = "[\(done)/\(session.units.count)] running \(p.running)"
        if let best = rank(session.records, objective: session.spec.objective).first, best.mean.isFinite {
            line += " · best \(formatNumber(best.mean)) (\(best.representative.family), trial \(best.index))"
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

/// Ctrl-C handling: the first SIGINT calls `first`, the second `second`; default handling returns
/// when cancelled.
final class InterruptHandler: @unchecked Sendable {  // `count` is touched on `source`'s queue only
    private let source: DispatchSourceSignal
    private var count = 0

    init(first: @escaping @Sendable () -> Void, second: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue(label: "lrsearch.sigint"))
        source.setEventHandler { [unowned self] in
            count += 1
            if count == 1 { first() } else if count == 2 { second() }
        }
        source.resume()
    }

    func cancel() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
