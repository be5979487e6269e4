// One trial's full configuration (the format of best.json and of `lrsearch train CONFIG`), parsed and written back.

import JSON5
import LRSchedules
import Trainer

/// Everything one training run needs: data, model, optimizer, schedule and seeds.
///
/// ```json5
/// {
///   seed: 0,                                   // trial seed: initialisation and shuffles (default 0)
///   task: {
///     dataset: "digits",                       // built-in | { csv: "x.csv", target: "label", task? }
///                                              //          | { name: "spirals", n?, noise?, classes?, features?, seed? }
///     model: { hidden: [128], activation: "relu", batch_norm: false },
///     epochs: 20, batch_size: 64, val_fraction: 0.2, schedule_unit: "epoch", split_seed: 0,
///   },
///   optimizer: { kind: "sgd", momentum: 0.9, weight_decay: { mode: "coupled", lambda: 5e-4 } },
///   schedule: { family: "cosine", lr: 0.1 },   // t_max etc. default to the run length;
///                                              // `unit: "step"` here overrides task.schedule_unit
/// }
/// ```
/// Defaults — task: `model` {hidden [128], relu, no BatchNorm}, `epochs` 20, `batch_size` 64,
/// `val_fraction` 0.2, `schedule_unit` "epoch", `split_seed` 0. model: `batch_norm_affine` true,
/// `batch_norm_momentum` 0.1, `batch_norm_eps` 1e-5, `bias` true, `init` he (xavier for tanh),
/// `freeze_output` false. optimizer: `kind` sgd, `momentum` 0, `dampening` 0, `nesterov` false,
/// `betas` [0.9, 0.999], `eps` 1e-8, `weight_decay` none (adamw: decoupled 0.01), `grad_clip` none.
/// `weight_decay` may be a number: coupled for sgd/adam, decoupled for adamw.
/// The most epochs a trial may train for (`task.epochs`).
public let maxTrialEpochs = 1_000_000

public struct TrialConfig: Sendable, Equatable {
    public var dataset: DatasetSpec
    public var valFraction: Double
    public var splitSeed: UInt64
    /// Model, optimizer, epochs, batch size, schedule unit and the trial seed.
    public var training: TrainingConfig
    public var schedule: ScheduleSpec
    /// Momentum and λnew per segment of epochs (a PBT winner's; TrialConfig+Paths.swift), or nil.
    public var paths: HyperparameterPaths? = nil

    public init(dataset: DatasetSpec, valFraction: Double = 0.2, splitSeed: UInt64 = 0, training: TrainingConfig,
                schedule: ScheduleSpec) {
        self.dataset = dataset
        self.valFraction = valFraction
        self.splitSeed = splitSeed
        self.training = training
        self.schedule = schedule
    }

    /// The part of a config needed before the data is loaded.
    public struct Task: Sendable, Equatable {
        public var dataset: DatasetSpec
        public var valFraction: Double
        public var splitSeed: UInt64
    }

    /// Reads only `task.dataset`, `task.val_fraction` and `task.split_seed` (to load the data first).
    public static func parseTask(_ node: JSONNode) throws(ConfigError) -> Task {
        var root = try ObjectReader(node, path: "")
        var t = try ObjectReader(try root.required("task"), path: "task")
        let dataset = try parseDataset(try t.required("dataset"), path: "task.dataset")
        let vf = try t.double("val_fraction") ?? 0.2
        guard vf > 0 && vf < 1 else {
            throw ConfigError(t.node("val_fraction"), path: "task.val_fraction", "must be in (0, 1), got \(JSONWriter.number(vf))")
        }
        if case .csv(_, _, _, _, .some) = dataset, let given = t.node("val_fraction") {
            throw ConfigError(given, path: "task.val_fraction",
                              "does not apply with task.dataset.val_csv (that file is the validation set); remove one of them")
        }
        return Task(dataset: dataset, valFraction: vf, splitSeed: try seed(&t, "split_seed"))
    }

    /// Parses a whole config. `trainRows` (the training split's size) gives step-unit schedules their
    /// default run length, epochs × steps per epoch; without it a step-unit schedule must state its length.
    /// The schedule's own `unit` ("epoch" | "step") overrides `task.schedule_unit`. `baseDirectory` is
    /// where a relative `table` `csv` path is read from (nil: the working directory).
    public static func parse(_ node: JSONNode, trainRows: Int? = nil, baseDirectory: String? = nil)
        throws(ConfigError) -> TrialConfig
    {
        try parse(node, task: nil, trainRows: trainRows, baseDirectory: baseDirectory)
    }

    /// `parse`, given the task part when the caller has read it already (to load the data first).
    static func parse(_ node: JSONNode, task given: Task?, trainRows: Int?, baseDirectory: String?)
        throws(ConfigError) -> TrialConfig
    {
        var root = try ObjectReader(node, path: "")
        let trialSeed = try seed(&root, "seed")
        let task: Task
        if let given { task = given } else { task = try parseTask(node) }
        var t = try ObjectReader(try root.required("task"), path: "task")
        _ = t.node("dataset"); _ = t.node("val_fraction"); _ = t.node("split_seed")
        let model = try parseModel(t.node("model"), path: "task.model")
        let epochs = try positive(&t, "epochs", default: 20)
        guard epochs <= maxTrialEpochs else {
            throw ConfigError(t.node("epochs"), path: "task.epochs", "must be at most 1000000, got \(epochs)")
        }
        let batchSize = try positive(&t, "batch_size", default: 64)
        if model.batchNorm && batchSize < 2 {
            throw ConfigError(t.node("batch_size"), path: "task.batch_size", "must be >= 2 with batch_norm, got 1")
        }
        let taskUnit = try t.choice("schedule_unit", as: ScheduleUnit.self) ?? .epoch
        let (scheduleNode, entryUnit) = try ScheduleParser.splitUnit(try root.required("schedule"), path: "schedule")
        let unit = entryUnit?.unit ?? taskUnit
        try t.finish(allowed: ["dataset", "model", "epochs", "batch_size", "val_fraction", "schedule_unit", "split_seed"])
        let optimizer = try parseOptimizer(root.node("optimizer"), path: "optimizer")
        var training = TrainingConfig(model: model, optimizer: optimizer, epochs: epochs, batchSize: batchSize,
                                      scheduleUnit: unit, seed: trialSeed)
        var total: Int? = epochs
        if unit == .step {
            total = nil
            if let rows = trainRows {
                let perEpoch = training.stepsPerEpoch(trainRows: rows)
                let (product, overflow) = epochs.multipliedReportingOverflow(by: perEpoch)
                guard !overflow, product <= maxScheduleSteps else {
                    throw ConfigError(t.node("epochs"), path: "task.epochs",
                                      "epochs × steps per epoch (\(epochs) × \(perEpoch)) must be at most 2^53 "
                                        + "optimizer steps for a step-unit schedule")
                }
                total = product
            }
        }
        let schedule = try parseSchedule(scheduleNode, entryUnit: entryUnit, unit: unit, totalSteps: total, optimizer: optimizer,
                                         optimizerNode: root.node("optimizer"), taskUnitNode: t.node("schedule_unit"),
                                         baseDirectory: baseDirectory)
        if schedule.isWeightDecayConversion { training.optimizer.weightDecay = .none }
        let paths = try root.node("hyperparameter_paths").map { n throws(ConfigError) in
            try HyperparameterPaths.parse(n, optimizer: optimizer, epochs: epochs)
        }
        try root.finish(allowed: ["seed", "task", "optimizer", "schedule", "hyperparameter_paths"])
        training.seed = trialSeed
        var config = TrialConfig(dataset: task.dataset, valFraction: task.valFraction, splitSeed: task.splitSeed,
                                 training: training, schedule: schedule)
        config.paths = paths
        return config
    }

    /// explr, equivalent_explr and texp replace the optimizer's weight decay (which the trial then
    /// drops), so they need the SGD it is equivalent for: heavy ball with their momentum, no Nesterov,
    /// no dampening, and a schedule stepped once per optimizer step.
    /// The trial's schedule with the run's defaults filled in (run length, the optimizer's momentum and
    /// weight decay, the config's folder for a table's CSV), and a weight-decay conversion checked
    /// against the optimizer and unit: what built-in and external trial configs share.
    static func parseSchedule(_ scheduleNode: JSONNode, entryUnit: (unit: ScheduleUnit, node: JSONNode)?, unit: ScheduleUnit,
                              totalSteps: Int?, optimizer: OptimizerConfig, optimizerNode: JSONNode?, taskUnitNode: JSONNode?,
                              baseDirectory: String?) throws(ConfigError) -> ScheduleSpec {
        var defaults = ScheduleDefaults(lr: nil, totalSteps: totalSteps, momentum: optimizer.momentum,
                                        baseDirectory: baseDirectory)
        switch optimizer.weightDecay {
        case .coupled(let lambda): defaults.weightDecay = lambda
        case .new(let lambdaNew): defaults.lambdaNew = lambdaNew
        case .none: defaults.weightDecay = 0
        case .decoupled: break
        }
        let schedule = try ScheduleParser.parse(scheduleNode, path: "schedule", defaults: defaults)
        if schedule.isWeightDecayConversion {
            try checkConversion(schedule, optimizer: optimizer, node: optimizerNode ?? scheduleNode, unit: unit,
                                unitNode: entryUnit?.node ?? taskUnitNode ?? scheduleNode,
                                unitPath: entryUnit == nil ? "task.schedule_unit" : "schedule.unit")
        }
        return schedule
    }

    static func checkConversion(_ schedule: ScheduleSpec, optimizer o: OptimizerConfig, node: JSONNode,
                                unit: ScheduleUnit, unitNode: JSONNode,
                                unitPath: String = "task.schedule_unit") throws(ConfigError) {
        let name = schedule.family.rawValue
        var momentum = 0.0
        switch schedule {
        case let .explr(_, _, m), let .equivalentExplr(_, _, m), let .texp(_, _, m): momentum = m
        default: return
        }
        let why = "\(name) is the no-weight-decay equivalent of SGD with momentum (no Nesterov, no dampening)"
        guard o.kind == .sgd, !o.nesterov, o.dampening == 0 else {
            throw ConfigError(node, path: "optimizer", "\(why); got \(o.kind.rawValue)"
                                + (o.nesterov ? " with nesterov" : o.dampening != 0 ? " with dampening" : ""))
        }
        guard o.momentum == momentum else {
            throw ConfigError(node, path: "optimizer.momentum",
                              "must equal the schedule's momentum (\(JSONWriter.number(momentum))) for \(name); "
                                + "got \(JSONWriter.number(o.momentum))")
        }
        guard unit == .step else {
            throw ConfigError(unitNode, path: unitPath,
                              "must be \"step\" for \(name): the equivalence holds per optimizer step; got \"\(unit.rawValue)\"")
        }
    }

    /// plateau's `monitor: "val_accuracy"` needs a classification task (regression has no accuracy).
    public func checkMonitor(_ dataset: Dataset, node: JSONNode) throws(ConfigError) {
        guard case .plateau(let p) = schedule, p.monitor == .valAccuracy, !dataset.task.isClassification else { return }
        throw ConfigError(node.value["schedule"]?.value["monitor"] ?? node.value["schedule"], path: "schedule.monitor",
                          "is \"val_accuracy\", but the task is regression (no accuracy); use \"val_loss\" or \"train_loss\"")
    }

    static func seed(_ r: inout ObjectReader, _ key: String) throws(ConfigError) -> UInt64 {
        guard let v = try r.int(key) else { return 0 }
        guard v >= 0 && v < 1 << 53 else {
            throw ConfigError(r.node(key), path: r.path(key), "must be an integer in [0, 2^53), got \(v)")
        }
        return UInt64(v)
    }

    static func positive(_ r: inout ObjectReader, _ key: String, default value: Int) throws(ConfigError) -> Int {
        guard let v = try r.int(key) else { return value }
        guard v >= 1 else { throw ConfigError(r.node(key), path: r.path(key), "must be >= 1, got \(v)") }
        return v
    }

    static func nonNegative(_ r: inout ObjectReader, _ key: String, default value: Double) throws(ConfigError) -> Double {
        guard let v = try r.double(key) else { return value }
        guard v >= 0 && v.isFinite else {
            throw ConfigError(r.node(key), path: r.path(key), "must be a finite number >= 0, got \(JSONWriter.number(v))")
        }
        return v
    }
}
