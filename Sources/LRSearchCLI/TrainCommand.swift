// `lrsearch train CONFIG`: one trial from a config file (the format of best.json), with a per-epoch table.

import Foundation
import JSON5
import LRSchedules
import Search
import Trainer

extension LRSearch {
    static let train = CommandSpec(
        name: "train", abstract: "Train one trial from a config file and print its per-epoch figures.",
        discussion: """
            CONFIG is a JSON5 file with top-level keys seed, task, optimizer and schedule — the format \
            of the best.json a search writes. A relative csv path is resolved against CONFIG's directory. \
            A trial that diverges is a result: it exits 0 and says so.
            """,
        positionals: [PositionalSpec("CONFIG", help: "The trial config (JSON5).")],
        options: [OptionSpec("--json", help: "Print the trial record as JSON instead of the table.")],
        run: { args in try TrainCommand.run(path: args.positionals[0], json: args.flag("--json")) })
}

enum TrainCommand {
    static func run(path: String, json: Bool) throws -> ExitCode {
        let (config, dataset) = try load(path: path)
        var scheduler: LRScheduler
        do {
            scheduler = try LRScheduler(config.schedule)
        } catch {
            throw CLIError("\(path): schedule: \(error)")
        }
        if !json {
            print(describe(dataset))
            print(header)
        }
        let result = Training.run(config: config.training, dataset: dataset, schedule: scheduler,
                                 cores: .allCores()) { m in
            if !json { print(row(m)) }
            return .continue
        }
        if json {
            print(JSONWriter.pretty(record(config, result).json))
        } else {
            print(summary(result, divergenceFactor: config.training.divergenceFactor))
        }
        return .success
    }

    /// Reads, parses and validates the config, then loads its data. Every problem is a usage error
    /// (exit 64) located in CONFIG or in the CSV.
    static func load(path: String) throws(CLIError) -> (TrialConfig, Dataset) {
        let node = try SpecFile.parse(path, what: "config", showsUsage: true)
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let (config, dataset) = try loadConfig(node, baseDirectory: base, file: path)
        try SpecFile.checkMemory(MemoryEstimate(config: config.training, dataset: dataset), jobs: 1, file: path)
        return (config, dataset)
    }

    /// The library's one loader (`DataCache.load`), its errors as usage errors (exit 64) located in `file`.
    static func loadConfig(_ node: JSONNode, baseDirectory: String, file: String,
                           showsUsage: Bool = true) throws(CLIError) -> (TrialConfig, Dataset) {
        do {
            return try DataCache().load(node, baseDirectory: baseDirectory)
        } catch {
            switch error {
            case .config(let e): throw CLIError(e.rendered(file: file), showsUsage: showsUsage)
            case .dataset(let e):  // both places: the config's key and the data file's line:field
                let at = ConfigError(node.value["task"]?.value["dataset"], path: "task.dataset", e.description)
                throw CLIError(at.rendered(file: file), showsUsage: showsUsage)
            }
        }
    }

    static func describe(_ d: Dataset) -> String {
        let task: String
        switch d.task {
        case .classification(let classes): task = "classification, \(classes.count) classes"
        case .regression(let outputs): task = "regression, \(outputs) output\(outputs == 1 ? "" : "s")"
        }
        return "dataset \(d.name): \(d.train.count) train / \(d.validation.count) val rows, \(d.features) features, \(task)"
    }

    static let header = "epoch  lr            train loss    val loss      val acc   seconds"

    static func row(_ m: EpochMetrics) -> String {
        func num(_ x: Double) -> String { pad(String(format: "%.6g", x), 12) }
        let acc = m.valAccuracy.map { String(format: "%.4f", $0) } ?? "-"
        return pad(String(m.epoch), 5, left: true) + "  " + num(m.lr) + "  " + num(m.trainLoss) + "  "
            + num(m.valLoss) + "  " + pad(acc, 8) + "  " + String(format: "%.3f", m.seconds)
    }

    static func summary(_ r: TrainingResult, divergenceFactor: Double) -> String {
        let tail = "\(r.epochs.count) epochs, \(r.steps) steps, \(String(format: "%.2f", r.seconds)) s"
        switch r.status {
        case .ok: return "status: ok (\(tail))"
        case .pruned: return "status: pruned (\(tail))"
        case .diverged:
            return "status: diverged at epoch \(r.epochs.count): a loss was NaN/Inf or above "
                + "\(JSONWriter.number(divergenceFactor))× the first epoch's (\(tail))"
        }
    }

    static func record(_ config: TrialConfig, _ r: TrainingResult) -> TrialRecord {
        TrialRecord(id: TrialID(index: 0, repeat: 0), seed: config.training.seed, config: config, state: r.status,
                    epochs: r.epochs, seconds: r.seconds)
    }

    static func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - s.count))
        return left ? fill + s : s + fill
    }
}
