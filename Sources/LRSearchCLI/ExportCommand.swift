// `lrsearch export`: a trial's schedule and optimizer taken home, as a PyTorch module, a step,lr table or JSON.

import Foundation
import JSON5
import LRSchedules
import Search
import Trainer

/// `lrsearch export CONFIG_OR_RESULTS [--format pytorch|json|csv] [--steps N] [--trial N]`.
public enum ExportCommand {
    public static let spec = CommandSpec(
        name: "export",
        abstract: "Write a trial's optimizer and schedule as a PyTorch module, a step,lr CSV or JSON.",
        discussion: """
            CONFIG_OR_RESULTS is a trial config (best.json, or any file lrsearch train accepts) or a results \
            folder: its best.json, or with --trial N the config of trial N from its trials.jsonl.
            pytorch prints a self-contained Python module: build_optimizer(params), build_scheduler(optimizer), \
            before_optimizer_step(optimizer) and STEP_PER ("batch" | "epoch") (a PBT winner's hyperparameter_paths \
            also before_epoch(optimizer, epoch), which sets each epoch's momentum and lambda_new), using the torch.optim.lr_scheduler \
            class of the same family where PyTorch has one and a LambdaLR over the closed form otherwise.
            csv prints the LR after k scheduler steps for k = 0 … N-1 (step,lr, plus momentum when the schedule \
            cycles it); json prints the resolved schedule object (every parameter explicit, with its unit), which \
            lrsearch schedule and a spec's schedules accept.
            """,
        positionals: [PositionalSpec("CONFIG_OR_RESULTS", help: "A trial config (best.json) or a results folder.")],
        options: [
            OptionSpec("--format", "FORMAT", help: "pytorch (default), json or csv."),
            OptionSpec("--steps", "N", help: "csv: rows 0 to N-1 (default: the run's scheduler steps)."),
            OptionSpec("--trial", "N", help: "With a results folder: trial N's config instead of best.json."),
        ],
        run: run)

    enum Format: String, CaseIterable { case pytorch, json, csv }

    /// The config to export: its JSON, the file errors name, and where relative paths are read from.
    struct Input {
        var node: JSONNode
        var file: String
        var source: String
        var baseDirectory: String?
        var trainRows: Int?
    }

    static func run(_ args: ParsedArguments) throws -> ExitCode {
        let formatName = args.string("--format") ?? "pytorch"
        guard let format = Format(rawValue: formatName) else {
            throw CLIError("--format expects one of \(Format.allCases.map(\.rawValue).joined(separator: ", ")), "
                           + "got '\(escapingControlCharacters(formatName))'")
        }
        let steps = try args.int("--steps", min: 1, max: maxScheduleSteps)
        if steps != nil, format != .csv { throw CLIError("--steps applies to --format csv only") }
        let trial = try args.int("--trial", min: 0)
        let input = try resolve(args.positionals[0], trial: trial)
        if let external = try loadExternal(input) {
            // An external task's trial (task.command): its program owns the data, the run length is in the task.
            let config = external.exportable
            switch format {
            case .pytorch:
                let context = PyTorchExport.Context(source: input.source, schedulerSteps: external.totalSteps)
                print(PyTorchExport.module(config, context: context), terminator: "")
            case .json:
                print(JSONWriter.pretty(PyTorchExport.resolvedScheduleJSON(config)))
            case .csv:
                try writeCSV(config, rows: steps ?? external.totalSteps, file: input.file)
            }
            return .success
        }
        let config = try load(input)
        switch format {
        case .pytorch:
            let context = PyTorchExport.Context(source: input.source, schedulerSteps: try? schedulerSteps(config, input))
            print(PyTorchExport.module(config, context: context), terminator: "")
        case .json:
            print(JSONWriter.pretty(PyTorchExport.resolvedScheduleJSON(config)))
        case .csv:
            try writeCSV(config, rows: try steps ?? schedulerSteps(config, input), file: input.file)
        }
        return .success
    }

    /// Finds the config: a file, a folder's best.json, or a folder's trial N.
    static func resolve(_ path: String, trial: Int?) throws(CLIError) -> Input {
        var isDirectory: ObjCBool = false
        let shown = escapingControlCharacters(path)
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CLIError.input("'\(shown)' does not exist (expected a trial config such as best.json, or a results folder)")
        }
        guard isDirectory.boolValue else {
            if trial != nil { throw CLIError("--trial needs a results folder, but '\(shown)' is a file") }
            let text = try SpecFile.readText(path, what: "config")
            return Input(node: try parse(text, file: path), file: path, source: escapingControlCharacters(path),
                         baseDirectory: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        }
        guard let trial else {
            let best = (path as NSString).appendingPathComponent("best.json")
            var bestIsFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: best, isDirectory: &bestIsFolder), !bestIsFolder.boolValue else {
                throw CLIError.input("\(shown) has no best.json file (no trial finished ok); pick one with --trial N")
            }
            return try resolve(best, trial: nil)
        }
        let journal = (path as NSString).appendingPathComponent("trials.jsonl")
        let replay: Journal.Replay?
        do {
            replay = try Journal.replay(path: journal)
        } catch {
            throw CLIError.input("\(error)")
        }
        guard let replay else { throw CLIError.input("\(shown) has no trials.jsonl (not a results folder)") }
        guard let record = replay.records.first(where: { $0.id.index == trial }) else {
            let indices = Set(replay.records.map(\.id.index))
            throw CLIError.input("\(escapingControlCharacters(journal)) has no trial \(trial) (trials "
                                 + (indices.isEmpty ? "none" : "\(indices.min() ?? 0)…\(indices.max() ?? 0)") + ")")
        }
        // A search's configs name csv paths relative to the folder it ran from: the working directory.
        return Input(node: JSONNode(record.sampled), file: "\(journal) trial \(trial)", source: "\(shown) --trial \(trial)",
                     baseDirectory: nil, trainRows: record.trainRows)
    }

    static func parse(_ bytes: [UInt8], file: String) throws(CLIError) -> JSONNode {
        do {
            return try JSON5Parser.parse(utf8: bytes)
        } catch {
            throw CLIError.input("\(file):\(error.location): \(error.message)")
        }
    }

    /// The typed config. Without its data set when the config states every run length (best.json does);
    /// otherwise through the data loader, whose errors name the file and the field.
    static func load(_ input: Input) throws(CLIError) -> TrialConfig {
        if let config = try? TrialConfig.parse(input.node, trainRows: input.trainRows, baseDirectory: input.baseDirectory) {
            return config
        }
        return try loadWithData(input).0
    }

    /// The config of an external task's trial (its task has `command`), or nil for a built-in one.
    static func loadExternal(_ input: Input) throws(CLIError) -> ExternalTrialConfig? {
        guard input.node.value["task"]?.value["command"] != nil else { return nil }
        do {
            return try ExternalTrialConfig.parse(input.node, baseDirectory: input.baseDirectory)
        } catch {
            throw CLIError.input(error.rendered(file: input.file))
        }
    }

    static func loadWithData(_ input: Input) throws(CLIError) -> (TrialConfig, Dataset) {
        do {
            return try DataCache().load(input.node, baseDirectory: input.baseDirectory)
        } catch {
            switch error {
            case .config(let e): throw CLIError.input(e.rendered(file: input.file))
            case .dataset(let e):
                let at = ConfigError(input.node.value["task"]?.value["dataset"], path: "task.dataset", e.description)
                throw CLIError.input(at.rendered(file: input.file))
            }
        }
    }

    /// The scheduler steps of the run: epochs, or epochs × steps per epoch (from the data set) per batch.
    static func schedulerSteps(_ config: TrialConfig, _ input: Input) throws(CLIError) -> Int {
        let t = config.training
        guard PyTorchExport.steppedPerBatch(config) else { return t.epochs }
        let rows: Int
        if let known = input.trainRows { rows = known } else { rows = try loadWithData(input).1.train.count }
        let (product, overflow) = t.epochs.multipliedReportingOverflow(by: t.stepsPerEpoch(trainRows: rows))
        guard !overflow, product <= maxScheduleSteps else {
            throw CLIError.input("\(input.file): task.epochs × steps per epoch is more than 2^53 scheduler steps; give --steps N")
        }
        return product
    }

    /// step,lr (and momentum when cycled) for rows 0…rows−1, written as they are computed.
    static func writeCSV(_ config: TrialConfig, rows: Int, file: String) throws(CLIError) {
        var scheduler: LRScheduler
        do {
            scheduler = try LRScheduler(config.schedule)
        } catch {
            throw CLIError.input("\(file): schedule: \(error)")
        }
        if scheduler.needsMetric {
            throw CLIError.input("\(file): schedule: plateau's LR depends on the validation loss, so it has no table; "
                                 + "use lrsearch schedule @FILE --steps N --metrics FILE with the losses of a run")
        }
        let momentum = scheduler.momentum != nil
        var csv = CSVStream()
        csv.append(momentum ? "step,lr,momentum\n" : "step,lr\n")
        for k in 0..<rows {
            if k > 0 { scheduler.step() }
            csv.append(momentum ? "\(k),\(scheduler.learningRate),\(scheduler.momentum ?? .nan)\n"
                                : "\(k),\(scheduler.learningRate)\n")
        }
        csv.flush()
    }
}
