// `lrsearch bench --search SPEC`: what TPE and ASHA buy over random search at the same budget.

import Foundation
import Search

enum SearchBench {
    /// One search's outcome: its best objective (oriented as the spec's) and the epochs it trained.
    struct Outcome {
        var best: Double
        var epochs: Int
        var seconds: Double
    }

    static func run(specPath: String, seeds: Int) throws -> ExitCode {
        let spec = try SpecFile.load(specPath)
        let data = DataCache()
        try SpecFile.check(spec, file: specPath, data: data)
        let jobs = ProcessInfo.processInfo.activeProcessorCount
        print("Search benchmark: \(spec.name), \(spec.trials) trials per search, seeds 1…\(seeds), \(jobs) jobs")
        print("  (objective \(spec.objective.rawValue); a pruned search counts only its complete trials)")
        var variants: [(String, SearchSpec)] = []
        var random = spec
        random.sampler = .random
        random.pruner = .none
        variants.append(("random", random))
        var tpe = random
        tpe.sampler = .tpe
        variants.append(("tpe", tpe))
        var asha = random
        asha.pruner = .asha(minEpochs: 3, reductionFactor: 3, maxEpochs: nil)
        variants.append(("random+asha(3,3)", asha))
        asha.pruner = .asha(minEpochs: 5, reductionFactor: 2, maxEpochs: nil)
        variants.append(("random+asha(5,2)", asha))
        print("\n  " + TrainCommand.pad("variant", 18) + "  seed  best objective   epochs   seconds")
        var results: [String: [Outcome]] = [:]
        for (name, variant) in variants {
            for seed in 1...seeds {
                let o = try search(variant, seed: UInt64(seed), jobs: jobs, data: data)
                results[name, default: []].append(o)
                print("  " + TrainCommand.pad(name, 18) + TrainCommand.pad(String(seed), 6, left: true)
                      + TrainCommand.pad(String(format: "%.5f", o.best), 16, left: true)
                      + TrainCommand.pad(String(o.epochs), 9, left: true) + TrainCommand.pad(String(format: "%.1f", o.seconds), 10, left: true))
            }
        }
        print("\n  " + TrainCommand.pad("variant", 18) + "  median best   total epochs")
        for (name, _) in variants {
            let outcomes = results[name] ?? []
            print("  " + TrainCommand.pad(name, 18) + TrainCommand.pad(String(format: "%.5f", median(outcomes.map(\.best))), 14, left: true)
                  + TrainCommand.pad(String(outcomes.reduce(0) { $0 + $1.epochs }), 15, left: true))
        }
        return .success
    }

    static func search(_ spec: SearchSpec, seed: UInt64, jobs: Int, data: DataCache) throws -> Outcome {
        let dir = NSTemporaryDirectory() + "lrsearch-bench-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = RunOptions(jobs: jobs, outDir: dir)
        options.seed = seed
        let session = try SearchSession(spec: spec, options: options)
        let executor = TrialExecutor(session: session, data: data)
        let start = Date()
        let runner = Runner(units: session.pending, jobs: jobs, execute: { try executor.run($0) },
                            finished: { try session.record($0) })
        _ = try runner.run()
        let records = session.records
        let best = rank(records, objective: spec.objective).first { $0.state == .ok }?.mean ?? .nan
        return Outcome(best: best, epochs: records.reduce(0) { $0 + $1.epochs.count },
                       seconds: Date().timeIntervalSince(start))
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
