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
        options: [OptionSpec("--trials", "N", help: "Reference trials to time (default 3; the best is reported); with "
                                + "--idle-cores, runs on each thread count (default 5; median and min are reported)."),
                  OptionSpec("--skip-gemm", help: "Only time the reference trial."),
                  OptionSpec("--data", help: "Instead: CSV loading speed and peak memory on ROWS generated rows."),
                  OptionSpec("--idle-cores", help: "Instead: the digits trial with hidden [1024, 1024] (3 epochs) on 1 "
                                + "thread vs 2 (median of --trials runs each, target ≥ 1.7×), and GEMM times on 1 vs 2 threads by size."),
                  OptionSpec("--search", "SPEC", help: "Instead: random vs TPE vs random+ASHA on SPEC over several seeds."),
                  OptionSpec("--pbt", "SPEC", help: "Instead: PBT (SPEC has strategy pbt) vs random search over nine families, same epochs."),
                  OptionSpec("--seeds", "N", help: "With --search or --pbt: search seeds 1…N (default 5)."),
                  OptionSpec("--peers", "N", help: "With --search: instead, SPEC run by N 'run --join' processes vs one "
                                + "process (wall times, each peer's lock waits and replay cost, same ranking); --jobs J workers per peer (default 1)."),
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
            if let spec = args.string("--pbt") {
                return try PBTBench.run(specPath: spec, seeds: try args.int("--seeds", min: 1) ?? 5,
                                        jobs: try args.int("--jobs", min: 1))
            }
            if let spec = args.string("--search"), let peers = try args.int("--peers", min: 1, max: 64) {
                return try PeersBench.run(specPath: spec, peers: peers, jobs: try args.int("--jobs", min: 1) ?? 1)
            }
            if args.string("--peers") != nil { throw CLIError("--peers only applies with --search") }
            if let spec = args.string("--search") {
                return try SearchBench.run(specPath: spec, seeds: try args.int("--seeds", min: 1) ?? 5,
                                           jobs: try args.int("--jobs", min: 1),
                                           only: try SearchBench.variants(args.string("--variants")))
            }
            if args.flag("--idle-cores") {
                return try BenchCommand.idleCores(trials: try args.int("--trials", min: 1) ?? 5, gemm: !args.flag("--skip-gemm"))
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
        let loadBefore = loadAverage()
        var runs: [[TrainingResult]] = [[], []]
        for _ in 0..<trials {
            for (i, threads) in [1, 2].enumerated() {
                // A pause first: the helper thread parks (as between the trials of a search), and a run
                // under real-time priority (`chrt`, to keep other processes off the cores) does not hit
                // the kernel's real-time throttling, which stops such tasks for 50 ms per busy second.
                Thread.sleep(forTimeInterval: 0.1)
                runs[i].append(Training.run(config: config, dataset: dataset, schedule: try LRScheduler(spec),
                                           cores: CoreBudget(threads: threads, limit: threads)))
            }
        }
        let loadAfter = loadAverage()
        // Training alone: the epochs' own time (steps and validation), without the model's setup.
        func training(_ r: TrainingResult) -> Double { r.epochs.reduce(0) { $0 + $1.seconds } }
        let whole = runs.map { Summary($0.map(\.seconds)) }
        let train = runs.map { Summary($0.map(training)) }
        let setup = runs.map { Summary($0.map { $0.seconds - training($0) }) }
        let epoch = runs.map { Summary($0.flatMap { $0.epochs.map(\.seconds) }) }
        let same = Set(runs.flatMap { $0.map { $0.epochs.map(\.valLoss) } }).count == 1
        print("Idle cores: digits, [1024, 1024] ReLU, SGD 0.9, batch 64, 3 epochs, cosine 0.05 "
              + "(\(trials) runs on each, alternating; median, min in brackets)")
        for (i, label) in ["1 thread: ", "2 threads:"].enumerated() {
            print("  " + label + String(format: " %.3f s [%.3f] (training %.3f s [%.3f] + setup %.3f s [%.3f]; epoch %.3f s [%.3f])",
                         whole[i].median, whole[i].min, train[i].median, train[i].min, setup[i].median,
                         setup[i].min, epoch[i].median, epoch[i].min))
        }
        print(String(format: "  speed-up:  %.2f× whole run (median; target ≥ 1.7×), %.2f× of the fastest runs, "
                     + "%.2f× training only; ", whole[0].median / whole[1].median, whole[0].min / whole[1].min,
                     train[0].median / train[1].median)
              + (same ? "metrics bit-identical" : "METRICS DIFFER"))
        print("  load average before / after: \(loadBefore) / \(loadAfter) (other processes take cores from both runs)")
        return same ? .success : .failure
    }

    /// Median and minimum of a sample (NaN when empty).
    struct Summary {
        let median: Double
        let min: Double
        init(_ values: [Double]) {
            let v = values.sorted()
            min = v.first ?? .nan
            median = v.isEmpty ? .nan : v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
        }
    }

    /// The 1-minute load average of /proc/loadavg ("?" where there is none).
    static func loadAverage() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8),
              let first = text.split(separator: " ").first else { return "?" }
        return String(first)
    }
}
