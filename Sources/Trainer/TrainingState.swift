// A training run as a value: run it for k epochs, copy it, change its hyperparameters, continue.

import LRSchedules

/// Everything a run carries from one epoch to the next — weights, BatchNorm statistics, optimizer
/// state, the trial RNG (which shuffles the next epoch), the batch order, the schedule and the
/// history — so that a run can stop after any epoch, be copied (a copy is a memcpy of the arrays,
/// all value types) and continue.
///
/// `Training.run(config:dataset:schedule:)` is a fresh state trained to the end, so a state made with
/// the same arguments and run a few epochs at a time gives bit-identical metrics (TrainingStateTests).
///
/// Population-based training changes, between epochs, the LR source (`schedule`), the momentum
/// (`momentumOverride`, applied to every step as a cycling schedule's momentum is) and λnew
/// (`setWeightDecay`).
public struct TrainingState<T: TrainerScalar>: Sendable {
    public let config: TrainingConfig
    public let dataset: Dataset
    /// The LR source, stepped as in `Training.run`.
    public var schedule: LRScheduler
    /// When set, the momentum (Adam: β₁) of every step, in place of `schedule.momentum`.
    public var momentumOverride: Double?
    public internal(set) var model: MLP<T>
    public internal(set) var optimizer: Optimizer<T>
    public internal(set) var rng: SplitMix64
    /// The training rows' order, shuffled in place at the start of every epoch.
    public internal(set) var order: [Int]
    public internal(set) var history: [EpochMetrics] = []
    /// `.ok` while the run may continue; `.diverged` or `.pruned` once it has ended early.
    public internal(set) var status = TrialStatus.ok
    /// Optimizer steps taken.
    public internal(set) var steps = 0
    /// The first epoch's train loss (the divergence reference).
    public internal(set) var firstLoss: Double?
    /// Wall time spent in `run`.
    public var seconds = 0.0
    let trainX: [T], trainY: [T], valX: [T], valY: [T]

    /// A fresh run: the trial RNG seeded with `config.seed` draws the weights (as `Training.run` does).
    public init(config: TrainingConfig, dataset: Dataset, schedule: LRScheduler, threads: Int = 1) {
        precondition(config.batchSize >= 1 && config.epochs >= 0, "validate the config before running it")
        self.config = config
        self.dataset = dataset
        var rng = SplitMix64(seed: config.seed)
        var (model, optimizer) = Training.freshModel(T.self, config: config, dataset: dataset, threads: threads,
                                                    using: &rng)
        if let c = schedule.initialMomentumBufferCoefficient, config.optimizer.kind == .sgd,
           config.optimizer.momentum != 0 {
            optimizer.setMomentumBuffer(Training.initialBuffer(model, coefficient: T(c)))
        }
        self.model = model
        self.optimizer = optimizer
        self.rng = rng
        self.schedule = schedule
        func shared(_ a: [Float]) -> [T] { (a as? [T]) ?? a.map { T($0) } }
        trainX = shared(dataset.train.x)
        trainY = shared(dataset.train.y)
        valX = shared(dataset.validation.x)
        valY = shared(dataset.validation.y)
        order = Array(0..<dataset.train.count)
    }

    /// Epochs trained so far.
    public var epochsDone: Int { history.count }

    /// True once the run has ended: every epoch trained, or diverged, or pruned.
    public var isFinished: Bool { status != .ok || history.count >= config.epochs }

    /// The result so far, as `Training.run` returns it.
    public var result: TrainingResult {
        TrainingResult(status: status, epochs: history, steps: steps, seconds: seconds)
    }

    /// Replaces the weight decay from the next step on.
    public mutating func setWeightDecay(_ decay: WeightDecay) { optimizer.setWeightDecay(decay) }

    /// Puts back the state a snapshot took (`model.parameters`, `model.runningStatistics`, the
    /// optimizer buffers, the RNG, the order and the bookkeeping); false, with nothing changed, when
    /// a length does not match this run's model or data.
    public mutating func restore(parameters: [T], runningStatistics: [T], first: [T], second: [T], optimizerSteps: Int,
                                 bufferStarted: Bool, rngState: UInt64, order: [Int], history: [EpochMetrics],
                                 status: TrialStatus, steps: Int, firstLoss: Double?) -> Bool {
        guard parameters.count == model.parameters.count, runningStatistics.count == model.runningStatistics.count,
              order.count == self.order.count, Set(order).count == order.count,
              order.allSatisfy({ $0 >= 0 && $0 < order.count }), history.count <= config.epochs, steps >= 0
        else { return false }
        var o = optimizer
        guard o.restore(first: first, second: second, steps: optimizerSteps, bufferStarted: bufferStarted,
                        parameterCount: model.parameterCount) else { return false }
        optimizer = o
        model.parameters = parameters
        model.runningStatistics = runningStatistics
        rng = SplitMix64(seed: rngState)
        self.order = order
        self.history = history
        self.status = status
        self.steps = steps
        self.firstLoss = firstLoss
        return true
    }

    /// Trains up to `epochs` more epochs (fewer when the run ends first), exactly as `Training.run`'s
    /// loop does; `onEpoch` as there.
    public mutating func run(epochs: Int, cores: CoreBudget = .single,
                             onEpoch: (EpochMetrics) -> EpochDecision = { _ in .continue }) {
        let clock = ContinuousClock()
        let start = clock.now
        defer { seconds += Training.seconds(clock.now - start) }
        var left = epochs
        while left > 0, !isFinished {
            left -= 1
            runEpoch(cores: cores, onEpoch: onEpoch)
        }
    }

    /// One epoch (`Training.run` documents it): shuffle, steps, evaluation, divergence, schedule step.
    mutating func runEpoch(cores: CoreBudget, onEpoch: (EpochMetrics) -> EpochDecision) {
        let clock = ContinuousClock()
        let epochStart = clock.now
        let epoch = history.count + 1
        let n = dataset.train.count, d = dataset.features, w = dataset.targetWidth
        let loss = dataset.task.loss
        let units = dataset.targetUnitScale
        let reference = RegressionReference(dataset.validation, std: dataset.targetStd)
        let stepsPerEpoch = config.stepsPerEpoch(trainRows: n)
        rng.shuffle(&order)
        let epochLR = schedule.learningRate
        var lossSum = 0.0, rows = 0
        var stepFailed = false
        for s in 0..<stepsPerEpoch {
            let lo = s * config.batchSize
            let b = min(config.batchSize, n - lo)
            model.threads = cores.threadsPerTrial
            let sum = Training.trainBatch(&model, &optimizer, rows: order[lo..<(lo + b)], x: trainX, y: trainY,
                                         features: d, width: w, loss: loss, lr: schedule.learningRate,
                                         momentum: momentumOverride ?? schedule.momentum, units: units)
            lossSum += sum
            rows += b
            if !sum.isFinite { stepFailed = true; break }
            steps += 1
            if config.scheduleUnit == .step && !schedule.needsMetric { schedule.step(metric: nil) }
        }
        let trainLoss = lossSum / Double(max(rows, 1))
        model.threads = cores.threadsPerTrial
        let evaluation = Training.evaluate(&model, x: valX, y: valY, rows: dataset.validation.count, features: d,
                                          width: w, loss: loss, units: units, reference: reference)
        let valLoss = dataset.validation.count == 0 ? trainLoss : evaluation.loss
        var metrics = EpochMetrics(epoch: epoch, lr: epochLR, trainLoss: trainLoss, valLoss: valLoss,
                                   valAccuracy: dataset.task.isClassification ? evaluation.accuracy : nil,
                                   seconds: Training.seconds(clock.now - epochStart))
        metrics.valR2 = evaluation.r2
        metrics.valMAE = evaluation.mae
        history.append(metrics)
        let first = firstLoss ?? trainLoss
        firstLoss = first
        if stepFailed || !trainLoss.isFinite || !valLoss.isFinite || trainLoss > config.divergenceFactor * first {
            status = .diverged
            return
        }
        if schedule.needsMetric {
            schedule.step(metric: schedule.monitoredMetric(metrics))
        } else if config.scheduleUnit == .epoch {
            schedule.step(metric: nil)
        }
        if onEpoch(metrics) == .stop && epoch < config.epochs { status = .pruned }
    }
}
