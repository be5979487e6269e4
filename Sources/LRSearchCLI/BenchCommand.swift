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
            let r = Trainer.run(config: config, dataset: dataset, schedule: try LRScheduler(spec))
            if best.map({ r.seconds < $0.seconds }) ?? true { best = r }
        }
        guard let r = best else { return .failure }
        print("Reference trial (digits \(dataset.train.count)/\(dataset.validation.count), [256, 256] ReLU, SGD 0.9, batch 64, 20 epochs, cosine 0.1)")
        print(String(format: "  %.3f s per trial (best of %d), %.0f steps/s, final val accuracy %.4f, status ",
                     r.seconds, trials, Double(r.steps) / r.seconds, r.finalValAccuracy ?? .nan) + r.status.rawValue)
        return .success
    }
}
