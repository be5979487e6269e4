// `lrsearch validate SPEC`: parse and check a spec, print the expanded search space and the trial count.

import Foundation
import JSON5
import Search
import Trainer

extension LRSearch {
    static let validate = CommandSpec(
        name: "validate", abstract: "Check a search spec and print its expanded search space.",
        discussion: """
            Runs every check that 'lrsearch run' makes before its first trial: the JSON5 syntax, every \
            key and distribution, every family's configurations (probed at the ends and middle of each \
            range and at each choice), and the data set. All problems are reported at once.
            """,
        positionals: [PositionalSpec("SPEC", help: "The search spec (JSON5).")],
        options: [OptionSpec("--trials", "N", help: "Override the number of trials."),
                  OptionSpec("--epochs", "E", help: "Override the epochs of every trial.")],
        run: { args in try ValidateCommand.run(args) })
}

enum ValidateCommand {
    static func run(_ args: ParsedArguments) throws -> ExitCode {
        let path = args.positionals[0]
        var spec = try SpecFile.load(path)
        if let e = try args.int("--epochs", min: 1, max: maxTrialEpochs) { spec = spec.overriding(epochs: e) }
        let data = DataCache()
        let estimate = try SpecFile.check(spec, file: path, data: data)
        try SpecFile.checkMemory(estimate, jobs: 1, file: path)
        let trials = try args.int("--trials", min: 1)
        let sampler: StaticSampler
        do throws(ConfigError) {
            sampler = try StaticSampler(spec: spec, trials: trials)
        } catch {
            throw CLIError.input(error.rendered(file: path))
        }
        print(describe(spec, sampler: sampler, data: data))
        // PBT: --trials N sets the population, as it does for run.
        if let estimate { print(memoryLine(estimate, population: spec.pbt.map { trials ?? $0.population })) }
        return .success
    }

    /// The largest probe's memory estimate and what the default `--jobs` (one per core) needs; for PBT,
    /// what the population needs (every member in memory, twice at an interval boundary).
    static func memoryLine(_ e: MemoryEstimate, population: Int? = nil) -> String {
        let physical = MemoryEstimate.format(MemoryPlan.physicalMemory)
        if let population {
            return "memory: about \(e.summary);\n        a population of \(population) (twice at an interval boundary) needs about "
                + "\(MemoryEstimate.format(e.total(jobs: 2 * population))) of \(physical) physical"
        }
        let jobs = ProcessInfo.processInfo.activeProcessorCount
        return "memory: about \(e.summary);\n        \(jobs) job\(jobs == 1 ? "" : "s") (one per core) need about "
            + "\(MemoryEstimate.format(e.total(jobs: jobs))) of \(physical) physical"
    }

    static func describe(_ spec: SearchSpec, sampler: StaticSampler, data: DataCache) -> String {
        let goal = spec.objective.maximizes ? "maximised" : "minimised"
        var lines = ["\(spec.name): valid."]
        if let d = spec.description { lines.append(d) }
        lines.append("objective \(spec.objective.rawValue) (\(goal)), sampler \(spec.sampler.rawValue)"
                     + (spec.sampler == .grid ? " with \(spec.gridPoints) points per continuous range" : ""))
        let probe = spec.trialConfig(sampler.point(0), seed: 0)
        if spec.isExternal, let config = try? ExternalTrialConfig.parse(probe, baseDirectory: spec.directory) {
            let t = config.task
            lines.append("task: the program " + t.command.map { JSONWriter.string($0) }.joined(separator: " ")
                         + " (protocol v1, run in \(spec.directory ?? "."))")
            lines.append("      \(t.epochs) epochs of \(t.stepsPerEpoch) steps, schedule stepped per \(config.unit.rawValue)"
                         + (t.timeoutSeconds.map { ", timeout \(JSONWriter.number($0)) s" } ?? ""))
        } else if let (config, dataset) = try? data.prepare(probe) {
            let t = config.training
            lines.append("task: \(TrainCommand.describe(dataset))")
            lines.append("      \(t.epochs) epochs of \(t.stepsPerEpoch(trainRows: dataset.train.count)) steps "
                         + "(batch \(t.batchSize)), schedule stepped per \(t.scheduleUnit.rawValue)")
            lines += dataset.notes.map { "      " + $0 }
            if case .classification(let classes) = dataset.task {
                let counts = zip(classes, dataset.classCounts).prefix(20).map { "\($0) \($1)" }
                lines.append("      rows per class: " + counts.joined(separator: ", ") + (classes.count > 20 ? ", …" : ""))
            }
        }
        let common = spec.commonParameters
        if !common.isEmpty {
            lines += ["", "sampled for every family:"]
            let width = common.map(\.name.count).max() ?? 0
            for p in common {
                var text = p.distribution.summary
                if p.name == "lr", let auto = spec.lrAuto {
                    let span = JSONWriter.number(auto.span)
                    let k = auto.suggestion.rawValue
                    text = "auto: LR range test before the search, then loguniform(\(k)/√\(span), \(k)·√\(span))"
                }
                lines.append("  " + TrainCommand.pad(p.name, width + 2) + text)
            }
        }
        if let pbt = spec.pbt {
            lines += ["", "strategy pbt: population \(pbt.population), intervals of \(pbt.intervalEpochs) epochs, quantile "
                        + "\(pbt.quantile), resample_probability \(pbt.resampleProbability), factors "
                        + pbt.factors.map { JSONWriter.number($0) }.joined(separator: "/"),
                      "  exploring " + pbt.hyperparameters.map(\.rawValue).joined(separator: ", ")
                        + "; members start at a constant LR, the winner's path becomes a piecewise schedule (docs/PBT.md)",
                      "", "members: \(pbt.population)"]
            return lines.joined(separator: "\n")
        }
        lines += ["", "schedule families (\(spec.schedules.count)):"]
        let familyWidth = spec.schedules.map(\.family.rawValue.count).max() ?? 0
        for (i, s) in spec.schedules.enumerated() {
            var parts: [String] = []
            if case .object(let members) = s.template.template.value {
                for m in members where m.key != "family" {
                    let param = s.template.parameters.first { $0.path == [.key(m.key)] }
                    parts.append("\(m.key) " + (param?.distribution.summary ?? m.value.value.jsonText))
                }
            }
            let label = "[\(i)] " + (parts.isEmpty ? s.family.rawValue : TrainCommand.pad(s.family.rawValue, familyWidth))
            lines.append("  " + label + (parts.isEmpty ? "" : "  " + parts.joined(separator: ", ")))
            if let note = s.note { lines.append("      " + String(repeating: " ", count: label.count) + note) }
        }
        let (units, overflow) = sampler.count.multipliedReportingOverflow(by: spec.repeats)
        let runs = overflow ? "more than 2^63 runs" : "\(units) runs"
        lines += ["", "trials: \(sampler.count)" + (spec.repeats > 1 ? " configurations × \(spec.repeats) seeds = \(runs)" : "")]
        let f = spec.schedules.count
        if f > 1, spec.sampler == .random || spec.sampler == .sobol, sampler.count < 3 * f {
            // Stratified: every family gets ⌊n/F⌋ or ⌈n/F⌉ trials.
            let low = sampler.count / f, high = (sampler.count + f - 1) / f
            lines.append("note: \(sampler.count) trials over \(f) families give each \(low == high ? "\(low)" : "\(low) or \(high)"); "
                         + "a family's rank says little below 3 trials")
        }
        return lines.joined(separator: "\n")
    }
}
