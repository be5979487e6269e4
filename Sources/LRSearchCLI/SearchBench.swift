// `lrsearch bench --search SPEC`: what TPE and ASHA buy over random search at the same budget.

import Foundation
import JSON5
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

/// `lrsearch bench --search SPEC --peers N`: what sharing one search among N `run --join` processes
/// costs: wall times against one process with as many workers, and each peer's lock waits and replay.
enum PeersBench {
    static func run(specPath: String, peers: Int, jobs: Int) throws -> ExitCode {
        let spec = try SpecFile.load(specPath)
        try SpecFile.check(spec, file: specPath, data: DataCache())
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let dir = NSTemporaryDirectory() + "lrsearch-peers-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        print("Peers benchmark: \(spec.name), \(spec.trials) trials, \(spec.sampler.rawValue) sampler, "
              + "\(peers) peers × \(jobs) job\(jobs == 1 ? "" : "s") vs 1 process × \(peers * jobs) jobs")
        func launch(_ extra: [String], out: String) throws -> Process {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = ["run", specPath, "--quiet", "--out", dir + "/" + out] + extra
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        var started = Date()
        let single = try launch(["--jobs", String(peers * jobs)], out: "single")
        single.waitUntilExit()
        let singleWall = Date().timeIntervalSince(started)
        guard single.terminationStatus == 0 else { throw CLIError("the single-process run failed (exit \(single.terminationStatus))", code: .failure) }
        started = Date()
        let processes = try (0..<peers).map { _ in try launch(["--join", "--jobs", String(jobs)], out: "shared") }
        for p in processes { p.waitUntilExit() }
        let peersWall = Date().timeIntervalSince(started)
        guard processes.allSatisfy({ $0.terminationStatus == 0 }) else { throw CLIError("a peer failed", code: .failure) }

        let journal = dir + "/shared/trials.jsonl"
        guard let shared = try Journal.replay(path: journal), let one = try Journal.replay(path: dir + "/single/trials.jsonl") else {
            throw CLIError("no journal was written", code: .failure)
        }
        func ranking(_ r: Journal.Replay) -> [String] {
            rank(r.records, objective: spec.objective).map { "\($0.index) \($0.state) \($0.mean)" }
        }
        let same = ranking(shared) == ranking(one)
        print(String(format: "  1 process:  %.2f s wall", singleWall))
        print(String(format: "  %d peers:    %.2f s wall; %d trial records for %d trials; ranking %@ the single run's",
                     peers, peersWall, shared.records.count, Set(shared.records.map(\.id)).count, same ? "equals" : "DIFFERS FROM"))
        print("\n  peer  trials  seconds  writes  lock wait  per write  replay   read KB")
        var totalWait = 0.0, totalReplay = 0.0, totalSeconds = 0.0
        let text = (try? String(contentsOfFile: journal, encoding: .utf8)) ?? ""
        var n = 0
        for line in text.split(separator: "\n") where line.contains("\"op\":\"leave\"") {
            guard let node = try? JSON5Parser.parse(String(line)) else { continue }
            func number(_ key: String) -> Double {
                if case .number(let x)? = node.value[key]?.value { return x }
                return 0
            }
            n += 1
            let writes = max(1, number("transactions"))
            totalWait += number("lock_wait")
            totalReplay += number("replay")
            totalSeconds += number("seconds")
            print("  " + TrainCommand.pad(String(n), 4, left: true) + TrainCommand.pad(String(Int(number("trials"))), 8, left: true)
                  + TrainCommand.pad(String(format: "%.2f", number("seconds")), 9, left: true)
                  + TrainCommand.pad(String(Int(writes)), 8, left: true)
                  + TrainCommand.pad(String(format: "%.3f s", number("lock_wait")), 11, left: true)
                  + TrainCommand.pad(String(format: "%.2f ms", 1000 * number("lock_wait") / writes), 11, left: true)
                  + TrainCommand.pad(String(format: "%.3f s", number("replay")), 9, left: true)
                  + TrainCommand.pad(String(format: "%.0f", number("bytes_read") / 1024), 10, left: true))
        }
        if totalSeconds > 0 {
            print(String(format: "\n  overhead: lock waits %.3f s + replay %.3f s = %.2f%% of the peers' %.2f s; wall %+.1f%% vs one process",
                         totalWait, totalReplay, 100 * (totalWait + totalReplay) / totalSeconds, totalSeconds,
                         100 * (peersWall / singleWall - 1)))
        }
        return same ? .success : .failure
    }
}
