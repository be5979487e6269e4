// `lrsearch bench`: single-thread GEMM throughput and the time of the reference trial (or CSV loading, or searches).

import Foundation
import JSON5
import LRSchedules
import Search
import Trainer

extension LRSearch {
    static let bench = CommandSpec(
        name: "bench", abstract: "Print GEMM GFLOP/s and the reference trial's time (build with -c release).",
        discussion: """
            GEMM: C = op(A)·op(B) in Float32 for (M,K,N) in (64,64,256), (64,256,256), (256,256,256), \
            (512,512,512), forms A·B, Aᵀ·B and A·Bᵀ, single thread, best of 5. Reference trial: digits, \
            hidden [256, 256], ReLU, no BatchNorm, SGD momentum 0.9, batch 64, 20 epochs, cosine from lr 0.1.
            --data writes a CSV of ROWS rows × 30 Gaussian floats (%.6g) and an integer label to a temporary \
            folder, loads it three times (MB/s of the best, peak RSS from VmHWM) and times a whole \
            'lrsearch train' process on it (one epoch, hidden [8]; its peak RSS from wait4).
            """,
        positionals: [PositionalSpec("ROWS", help: "With --data: rows of the generated CSV (default 400000).", optional: true)],
        options: [OptionSpec("--trials", "N", help: "Reference trials to time (default 3; the best is reported)."),
                  OptionSpec("--skip-gemm", help: "Only time the reference trial."),
                  OptionSpec("--data", help: "Instead: CSV loading speed and peak memory on ROWS generated rows."),
                  OptionSpec("--idle-cores", help: "Instead: the digits trial with hidden [1024, 1024] (3 epochs) on 1 "
                                + "thread vs 2 (target ≥ 1.7×), and GEMM times on 1 vs 2 threads by size."),
                  OptionSpec("--search", "SPEC", help: "Instead: random vs TPE vs random+ASHA on SPEC over several seeds."),
                  OptionSpec("--seeds", "N", help: "With --search: search seeds 1…N (default 5)."),
                  OptionSpec("--jobs", "N", help: "With --search: workers per search (default: all cores; 1 makes TPE reproducible)."),
                  OptionSpec("--variants", "LIST", help: "With --search: a comma-separated subset of "
                                + SearchBench.variantNames.joined(separator: ", ") + " (default all).")],
        run: { args in
            if args.flag("--data") {
                let text = args.positionals.first ?? "400000"
                guard let rows = Int(text), rows >= 1, rows <= 100_000_000 else {
                    throw CLIError("ROWS: expected an integer from 1 to 100000000, got '\(text)'")
                }
                return try DataBench.run(rows: rows)
            }
            if !args.positionals.isEmpty { throw CLIError("ROWS is only used with --data") }
            if let spec = args.string("--search") {
                return try SearchBench.run(specPath: spec, seeds: try args.int("--seeds", min: 1) ?? 5,
                                           jobs: try args.int("--jobs", min: 1),
                                           only: try SearchBench.variants(args.string("--variants")))
            }
            if args.flag("--idle-cores") {
                return try BenchCommand.idleCores(trials: try args.int("--trials", min: 1) ?? 3, gemm: !args.flag("--skip-gemm"))
            }
            return try BenchCommand.run(trials: try args.int("--trials", min: 1) ?? 3, gemm: !args.flag("--skip-gemm"))
        })
}

enum BenchCommand {
    static func run(trials: Int, gemm: Bool) throws -> ExitCode {
        if gemm {
            print("GEMM, Float32, single thread (GFLOP/s)")
            print("  (M, K, N)           A·B     Aᵀ·B    A·Bᵀ")
            for s in Benchmark.gemmShapes {
                var line = TrainCommand.pad("  (\(s.m), \(s.k), \(s.n))", 18)
                for form in GEMMForm.allCases {
                    line += TrainCommand.pad(String(format: "%.1f", Benchmark.gemmGFLOPS(form, m: s.m, k: s.k, n: s.n)), 8, left: true)
                }
                print(line)
            }
            print("")
        }
        let dataset: Dataset
        do {
            dataset = try Dataset(try DatasetSpec.builtin("digits").load(), valFraction: 0.2, splitSeed: 0)
        } catch {
            throw CLIError(error.description, code: .failure)
        }
        let config = Benchmark.referenceConfig
        let spec = try ScheduleParser.parse(JSONNode(["family": "cosine", "lr": 0.1]), path: "schedule",
                                            defaults: ScheduleDefaults(totalSteps: config.epochs))
        var best: TrainingResult?
        for _ in 0..<trials {
            let r = Training.run(config: config, dataset: dataset, schedule: try LRScheduler(spec))
            if best.map({ r.seconds < $0.seconds }) ?? true { best = r }
        }
        guard let r = best else { return .failure }
        print("Reference trial (digits \(dataset.train.count)/\(dataset.validation.count), [256, 256] ReLU, SGD 0.9, batch 64, 20 epochs, cosine 0.1)")
        print(String(format: "  %.3f s per trial (best of %d), %.0f steps/s, final val accuracy %.4f, status ",
                     r.seconds, trials, Double(r.steps) / r.seconds, r.finalValAccuracy ?? .nan) + r.status.rawValue)
        return .success
    }

    /// `bench --idle-cores`: the threaded GEMM by size, and a whole `lrsearch train` run on 1 and 2 threads
    /// (the same trial as `LRSEARCH_THREADS=1 lrsearch train` vs `LRSEARCH_THREADS=2 lrsearch train`).
    static func idleCores(trials: Int, gemm: Bool) throws -> ExitCode {
        if gemm {
            print("GEMM, Float32, fastest of 400 calls on 1 vs 2 threads (µs); split threshold: M·N·K ≥ "
                  + "\(GEMM<Float>.parallelThreshold)")
            print("  (M, K, N)             M·N·K   form       1       2   ratio")
            for s in Benchmark.threadShapes {
                for form in GEMMForm.allCases {
                    let one = Benchmark.gemmBestCallSeconds(form, m: s.m, k: s.k, n: s.n, threads: 1) * 1e6
                    let two = Benchmark.gemmBestCallSeconds(form, m: s.m, k: s.k, n: s.n, threads: 2) * 1e6
                    print(TrainCommand.pad("  (\(s.m), \(s.k), \(s.n))", 18)
                          + TrainCommand.pad(String(s.m * s.k * s.n), 12, left: true) + "   " + form.rawValue
                          + String(format: "%8.1f%8.1f%8.2f", one, two, one / two))
                }
            }
            print("")
        }
        let dataset: Dataset
        do {
            dataset = try Dataset(DatasetSpec.builtin("digits").load(), valFraction: 0.2, splitSeed: 0)
        } catch {
            throw CLIError(error.description, code: .failure)
        }
        let config = Benchmark.idleCoresConfig
        let spec = try ScheduleParser.parse(JSONNode(["family": "cosine", "lr": 0.05]), path: "schedule",
                                            defaults: ScheduleDefaults(totalSteps: config.epochs))
        // Runs alternate between 1 and 2 threads so that a busy spell of the machine hits both alike.
        var runs: [[TrainingResult]] = [[], []]
        for _ in 0..<trials {
            for (i, threads) in [1, 2].enumerated() {
                runs[i].append(Training.run(config: config, dataset: dataset, schedule: try LRScheduler(spec),
                                           cores: CoreBudget(threads: threads, limit: threads)))
            }
        }
        let whole = runs.map { $0.map(\.seconds).min() ?? .nan }
        let epoch = runs.map { $0.flatMap { $0.epochs.map(\.seconds) }.min() ?? .nan }
        // Training alone: the epochs' own time (steps and validation), without the model's setup.
        let training = runs.map { $0.map { $0.epochs.reduce(0) { $0 + $1.seconds } }.min() ?? .nan }
        let setup = runs.map { $0.map { $0.seconds - $0.epochs.reduce(0) { $0 + $1.seconds } }.min() ?? .nan }
        let same = Set(runs.flatMap { $0.map { $0.epochs.map(\.valLoss) } }).count == 1
        print("Idle cores: digits, [1024, 1024] ReLU, SGD 0.9, batch 64, 3 epochs, cosine 0.05 (best of \(trials))")
        print(String(format: "  1 thread:  %.3f s (fastest epoch %.3f s; training %.3f s + setup %.3f s)\n"
                     + "  2 threads: %.3f s (fastest epoch %.3f s; training %.3f s + setup %.3f s)\n",
                     whole[0], epoch[0], training[0], setup[0], whole[1], epoch[1], training[1], setup[1])
              + String(format: "  speed-up:  %.2f× whole run, %.2f× fastest epoch (target ≥ 1.7×); ",
                       whole[0] / whole[1], epoch[0] / epoch[1])
              + (same ? "metrics bit-identical" : "METRICS DIFFER"))
        return same ? .success : .failure
    }
}
