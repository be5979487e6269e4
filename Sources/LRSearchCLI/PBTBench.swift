// `lrsearch bench --pbt SPEC`: PBT against random search over the schedule families, at the same epochs trained.

import Foundation
import JSON5
import LRSearchKit
import Search

enum PBTBench {
    /// The families random search draws from (epoch-unit spaces scaled to the run's `epochs`).
    static func families(epochs e: Int) -> String {
        let lo = max(1, e / 10), mid = max(2, e / 4), hi = max(2, e / 2)
        return """
            [
              { family: "constant" },
              { family: "step", step_size: { int: [\(lo), \(hi)] }, gamma: { uniform: [0.1, 0.7] } },
              { family: "exponential", gamma: { loguniform: [0.7, 0.98] } },
              { family: "cosine" },
              { family: "sgdr", t_0: { int: [\(lo), \(mid)] }, t_mult: { choice: [1, 2] } },
              { family: "onecycle", pct_start: { uniform: [0.2, 0.4] } },
              { family: "linear", start_factor: 1, end_factor: { loguniform: [0.01, 0.3] } },
              { family: "polynomial", power: { uniform: [0.5, 3] } },
              { family: "cyclic", step_size_up: { int: [1, \(mid)] }, mode: "triangular2" },
            ]
            """
    }

    /// The random-search twin of a PBT spec: the same task, optimizer and lr space, the families above,
    /// `population` trials of the full run each (so it trains the same number of epochs).
    static func randomTwin(_ spec: SearchSpec) throws -> SearchSpec {
        guard case .object(let members) = spec.source.value, let pbt = spec.pbt else { throw CLIError("not a PBT spec") }
        var m = members.filter { $0.key != "strategy" && $0.key != "trials" && $0.key != "schedules" }
        m.append(JSONMember(key: "trials", value: JSONNode(.number(Double(pbt.population)))))
        m.append(JSONMember(key: "schedules", value: try JSON5Parser.parse(families(epochs: spec.fixedEpochs ?? 20))))
        return try SearchSpec.parse(JSONNode(.object(m)), defaultName: spec.name + "-random")
    }

    static func run(specPath: String, seeds: Int, jobs: Int?) throws -> ExitCode {
        let spec = try SpecFile.load(specPath)
        guard let settings = spec.pbt else { throw CLIError.input("\(specPath): --pbt needs a spec with strategy: { kind: \"pbt\" }") }
        let data = DataCache()
        try SpecFile.check(spec, file: specPath, data: data)
        let random = try randomTwin(spec)
        let jobs = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        print("PBT benchmark: \(spec.name), population \(settings.population) vs random search over "
              + "\(random.schedules.count) families (\(random.schedules.map(\.family.rawValue).joined(separator: ", "))) with "
              + "\(random.trials) trials; seeds 1…\(seeds), \(jobs) jobs; objective \(spec.objective.rawValue)")
        print("\n  variant   seed  best objective   epochs   seconds  best family")
        var pbtBest: [Double] = [], randomBest: [Double] = [], pbtEpochs = 0, randomEpochs = 0
        var familyWins: [String: Int] = [:]
        for seed in 1...seeds {
            var s = spec
            s.seed = UInt64(seed)
            let t0 = Date()
            var p = try PBTPopulation(spec: s, data: data)
            while !p.isFinished { _ = p.step(jobs: jobs) }
            let best = rank(p.records(), objective: s.objective).first { $0.state == .ok }?.mean ?? .nan
            pbtBest.append(best)
            pbtEpochs += p.epochsTrained
            print(row("pbt", seed, best, p.epochsTrained, Date().timeIntervalSince(t0), "piecewise (discovered)"))
            let o = try SearchBench.search(random, seed: UInt64(seed), jobs: jobs, data: data)
            randomBest.append(o.best)
            randomEpochs += o.epochs
            familyWins[o.family, default: 0] += 1
            print(row("random", seed, o.best, o.epochs, o.seconds, o.family))
        }
        let sign = spec.objective.maximizes ? -1.0 : 1.0
        let wins = zip(pbtBest, randomBest).filter { sign * $0 < sign * $1 }.count
        print("\n  variant   median best   mean best   epochs")
        for (name, xs, e) in [("pbt", pbtBest, pbtEpochs), ("random", randomBest, randomEpochs)] {
            print("  " + TrainCommand.pad(name, 8) + TrainCommand.pad(String(format: "%.5f", SearchBench.median(xs)), 13, left: true)
                  + TrainCommand.pad(String(format: "%.5f", xs.reduce(0, +) / Double(max(1, xs.count))), 12, left: true)
                  + TrainCommand.pad(String(e), 9, left: true))
        }
        let families = familyWins.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)×" }.joined(separator: ", ")
        print("\n  PBT's discovered schedule beat the best family's best trial on \(wins) of \(seeds) seeds "
              + "(random search's winning family: \(families)).")
        return .success
    }

    static func row(_ name: String, _ seed: Int, _ best: Double, _ epochs: Int, _ seconds: Double, _ family: String) -> String {
        "  " + TrainCommand.pad(name, 8) + TrainCommand.pad(String(seed), 6, left: true)
            + TrainCommand.pad(String(format: "%.5f", best), 16, left: true) + TrainCommand.pad(String(epochs), 9, left: true)
            + TrainCommand.pad(String(format: "%.1f", seconds), 10, left: true) + "  " + family
    }
}
