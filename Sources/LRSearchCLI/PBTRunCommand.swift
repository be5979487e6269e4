// `lrsearch run` for a spec with `strategy: { kind: "pbt" }`: the population, its boundaries, the results.

import Foundation
import LRSearchKit
import Search

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum PBTRunCommand {
    static func run(spec: SearchSpec, options: RunOptions, path: String, top: Int, quiet: Bool, data: DataCache,
                    outFlag: String?) throws -> ExitCode {
        if options.shard != nil { throw CLIError("--shard does not apply to strategy pbt (the population trains together)") }
        let run: PBTSearchRun
        do {
            run = try PBTSearchRun(spec: spec, options: options, data: data)
        } catch {
            switch error {
            case .journal(.io(let file, _)) where (file as NSString).lastPathComponent == PBTSnapshot.fileName:
                throw CLIError.input(error.description)  // a damaged or foreign snapshot is bad input, as a damaged journal is
            case .journal(.io), .busy: throw CLIError(error.description, code: .failure)
            case .config(let e): throw CLIError.input(e.rendered(file: path))
            default: throw CLIError.input(error.description)
            }
        }
        let interrupts = InterruptHandler(
            first: { name in
                writeStderr("Stopping (\(name)) at the end of the running interval; its snapshot is written.\n")
                run.stop()
            },
            second: { run.stop() }, later: {})
        let settings = run.spec.pbt ?? PBTSettings()
        let total = run.population.intervals
        if !quiet {
            var text = "PBT '\(run.spec.name)': population \(settings.population), \(total) intervals of "
                + "\(settings.intervalEpochs) epochs, exploring \(settings.hyperparameters.map(\.rawValue).joined(separator: ", ")), "
                + "\(options.jobs) job\(options.jobs == 1 ? "" : "s")\n  → \(escapingControlCharacters(options.outDir))/"
            if let k = run.resumedAt { text += "  (resuming after interval \(k) of \(total))" }
            if run.finishedRecords != nil { text += "  (already finished; showing its ranking)" }
            writeStderr(text + "\n")
        }
        let completed: Bool
        do {
            completed = try run.run { p in
                if quiet { return }
                let best = p.members.map { p.spec.objective.curve($0.state.history).last ?? .nan }.filter(\.isFinite)
                let shown = (p.spec.objective.maximizes ? best.max() : best.min()).map { String(format: "%.6g", $0) } ?? "–"
                writeStderr("[interval \(p.interval)/\(total)] best \(p.spec.objective.rawValue) \(shown) · "
                            + "\(p.exploits.count) exploits · idle \(String(format: "%.2f", p.idleSeconds)) s\n")
            }
        } catch {
            throw CLIError("the search stopped: \(error)", code: .failure)
        }
        guard completed else {
            let out = outFlag.map { " --out \($0)" } ?? ""
            writeStderr(escapingControlCharacters("interrupted at an interval boundary: `lrsearch run \(path) --resume\(out)` "
                                                   + "continues from \(run.outDir)/\(PBTSnapshot.fileName)") + "\n")
            let signal = interrupts.firstSignal
            return signal == SIGTERM ? .terminated : signal == SIGHUP ? .hangup : .interrupted
        }
        let written: ResultsFolder.Written
        do {
            written = try run.writeResults()
        } catch {
            throw CLIError(error.description, code: .failure)
        }
        if let nothing = ResultsWriter.print(written, spec: run.spec, outDir: options.outDir, top: top, quiet: quiet) {
            throw CLIError(nothing, code: .failure)
        }
        if let signal = interrupts.firstSignal {
            return signal == SIGTERM ? .terminated : signal == SIGHUP ? .hangup : .interrupted
        }
        return .success
    }
}
