// `lrsearch bench --search SPEC`: what TPE and ASHA buy over random search at the same budget.

import Foundation
import LRSearchKit
import Search

enum SearchBench {
    /// One search's outcome: its best objective (oriented as the spec's) and the epochs it trained.
    struct Outcome {
        var best: Double
        var epochs: Int
        var seconds: Double
        /// The family of the best trial.
        var family = ""
    }

    static let variantNames = ["random", "tpe", "random+asha(3,3)", "random+asha(5,2)"]

    /// The variants `--variants LIST` names (all when nil).
    static func variants(_ list: String?) throws(CLIError) -> Set<String> {
        guard let list else { return Set(variantNames) }
        let names = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for n in names where !variantNames.contains(n) {
            throw CLIError("--variants: unknown variant '\(n)'; valid: \(variantNames.joined(separator: ", "))")
        }
        return Set(names)
    }

    static func run(specPath: String, seeds: Int, jobs: Int?, only: Set<String>) throws -> ExitCode {
        let spec = try SpecFile.load(specPath)
        let data = DataCache()
        try SpecFile.check(spec, file: specPath, data: data)
        let jobs = jobs ?? ProcessInfo.processInfo.activeProcessorCount
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
        variants = variants.filter { only.contains($0.0) }
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
        summarize(variants.map(\.0), results)
        return .success
    }

    /// Per variant: median and mean best, epochs against random's, and how often the best is within 1%
    /// of random search's best with the same seed (the same configurations, for the ASHA variants).
    static func summarize(_ names: [String], _ results: [String: [Outcome]]) {
        let reference = results["random"] ?? []
        let referenceEpochs = reference.reduce(0) { $0 + $1.epochs }
        print("\n  " + TrainCommand.pad("variant", 18) + "  median best   mean best   epochs   vs random  within 1%  median gap")
        for name in names {
            let outcomes = results[name] ?? []
            let epochs = outcomes.reduce(0) { $0 + $1.epochs }
            let gaps = zip(outcomes, reference).map { $0.best / $1.best - 1 }
            var line = "  " + TrainCommand.pad(name, 18)
                + TrainCommand.pad(String(format: "%.5f", median(outcomes.map(\.best))), 13, left: true)
                + TrainCommand.pad(String(format: "%.5f", outcomes.map(\.best).reduce(0, +) / Double(max(1, outcomes.count))), 12, left: true)
                + TrainCommand.pad(String(epochs), 9, left: true)
            if referenceEpochs > 0, !gaps.isEmpty {
                line += TrainCommand.pad(String(format: "%.0f%%", 100 * Double(epochs) / Double(referenceEpochs)), 12, left: true)
                    + TrainCommand.pad("\(gaps.filter { $0 <= 0.01 }.count)/\(gaps.count)", 11, left: true)
                    + TrainCommand.pad(String(format: "%+.1f%%", 100 * median(gaps)), 12, left: true)
            }
            print(line)
        }
    }

    static func search(_ spec: SearchSpec, seed: UInt64, jobs: Int, data: DataCache) throws -> Outcome {
        let dir = NSTemporaryDirectory() + "lrsearch-bench-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = RunOptions(jobs: jobs, outDir: dir)
        options.seed = seed
        let outcome = try SearchRun(spec: spec, options: options, data: data).run()
        if let failure = outcome.failure { throw failure }
        let winner = outcome.ranked.first { $0.state == .ok }
        return Outcome(best: winner?.mean ?? .nan, epochs: outcome.records.reduce(0) { $0 + $1.epochs.count },
                       seconds: outcome.wallSeconds, family: winner?.representative.family.rawValue ?? "")
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
