// The values a training run takes and returns: config, per-epoch metrics, status and result.

/// Whether the schedule advances once per epoch or once per optimizer step.
public enum ScheduleUnit: String, Sendable, Equatable, CaseIterable {
    case epoch, step
}

/// One trial's training settings (the data, split and schedule are passed separately).
public struct TrainingConfig: Sendable, Equatable {
    public var model: ModelConfig
    public var optimizer: OptimizerConfig
    public var epochs: Int
    public var batchSize: Int
    public var scheduleUnit: ScheduleUnit
    /// Seeds the trial's one RNG: weight initialisation, then the per-epoch shuffles.
    public var seed: UInt64
    /// A trial is `diverged` when an epoch's train loss exceeds this multiple of the first epoch's.
    public var divergenceFactor: Double

    public init(model: ModelConfig, optimizer: OptimizerConfig, epochs: Int, batchSize: Int,
                scheduleUnit: ScheduleUnit = .epoch, seed: UInt64 = 0, divergenceFactor: Double = 1000) {
        self.model = model
        self.optimizer = optimizer
        self.epochs = epochs
        self.batchSize = batchSize
        self.scheduleUnit = scheduleUnit
        self.seed = seed
        self.divergenceFactor = divergenceFactor
    }

    /// Optimizer steps in one epoch over `trainRows` rows (the last batch may be partial; with
    /// BatchNorm a last batch of a single row is skipped, as BatchNorm cannot train on one row).
    public func stepsPerEpoch(trainRows: Int) -> Int {
        let full = trainRows / batchSize, rest = trainRows % batchSize
        return full + (rest > 1 || (rest == 1 && !model.batchNorm) ? 1 : 0)
    }
}

/// What one epoch did.
public struct EpochMetrics: Sendable, Equatable {
    /// 1-based.
    public var epoch: Int
    /// The LR of the epoch's first optimizer step.
    public var lr: Double
    /// Mean over the epoch's training rows of the per-row loss (computed during the steps).
    public var trainLoss: Double
    public var valLoss: Double
    /// nil for regression.
    public var valAccuracy: Double?
    public var seconds: Double
    /// Regression: the validation R² (scikit-learn's `r2_score`, outputs averaged); nil for
    /// classification, without validation rows, and in journals written before it was recorded.
    public var valR2: Double?
    /// Regression: the validation mean absolute error in the target's original units; nil as `valR2`.
    public var valMAE: Double?
    /// Other numbers an external program reported for the epoch (protocol v1: any numeric key is
    /// journaled); empty for built-in trials.
    public var extra: [String: Double] = [:]

    public init(epoch: Int, lr: Double, trainLoss: Double, valLoss: Double, valAccuracy: Double?, seconds: Double,
                valR2: Double? = nil, valMAE: Double? = nil) {
        self.epoch = epoch
        self.lr = lr
        self.trainLoss = trainLoss
        self.valLoss = valLoss
        self.valAccuracy = valAccuracy
        self.seconds = seconds
        self.valR2 = valR2
        self.valMAE = valMAE
    }
}

/// How a trial ended. `diverged`, `pruned` and `failed` are results, not errors. The built-in trainer
/// never fails; `failed` is an external program's trial that crashed, exited non-zero, reported nothing
/// or ran out of time (the record says why). Journals written before `failed` existed read unchanged.
public enum TrialStatus: String, Sendable, Equatable, CaseIterable {
    case ok, diverged, pruned, failed
}

/// What the per-epoch callback wants next.
public enum EpochDecision: Sendable, Equatable {
    case `continue`, stop
}

/// The outcome of one training run.
public struct TrainingResult: Sendable, Equatable {
    public var status: TrialStatus
    public var epochs: [EpochMetrics]
    /// Optimizer steps taken.
    public var steps: Int
    public var seconds: Double

    public init(status: TrialStatus, epochs: [EpochMetrics], steps: Int, seconds: Double) {
        self.status = status
        self.epochs = epochs
        self.steps = steps
        self.seconds = seconds
    }

    public var finalTrainLoss: Double? { epochs.last?.trainLoss }
    public var finalValLoss: Double? { epochs.last?.valLoss }
    public var finalValAccuracy: Double? { epochs.last?.valAccuracy }
    public var finalValR2: Double? { epochs.last?.valR2 }
    public var finalValMAE: Double? { epochs.last?.valMAE }
    /// The smallest finite validation loss of any epoch.
    public var bestValLoss: Double? { epochs.map(\.valLoss).filter(\.isFinite).min() }
}
