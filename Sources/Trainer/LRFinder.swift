// The LR range test on a real model: a fresh seeded model trained batch by batch while the LR ramps up.

/// Runs an `LRRangeTest` with the trainer: the model, optimizer and shuffles of `Training.run` for the
/// same config, but one ramped LR per mini-batch and no validation.
public enum LRFinder {
    /// What a run found: the curve, its suggestions, and the batches per epoch and wall time.
    public struct Result: Sendable, Equatable {
        public var curve: LRRangeCurve
        public var suggestions: [LRSuggestion]
        public var stepsPerEpoch: Int
        public var seconds: Double
    }

    /// Builds a fresh model from `config.seed` (as `Training.run` does), then for batch i = 0, 1, …:
    /// forward in training mode (BatchNorm uses batch statistics), the batch's mean loss, backward and
    /// one step of `config.optimizer` (momentum, weight decay and clipping included) with LR
    /// `test.learningRate(at: i)`. Epochs (a fresh shuffle each, from the trial RNG) run as needed:
    /// ⌊steps / steps per epoch⌋ + 1 at most. The schedule, epochs and validation split of the config
    /// are not used; the same config, data and test give bit-identical curves (whatever `cores` offers:
    /// it sets the threads of each step's large GEMMs, read once per step).
    public static func run(config: TrainingConfig, dataset: Dataset, test: LRRangeTest,
                           cores: CoreBudget = .single) -> Result {
        precondition(config.batchSize >= 1 && test.steps >= 1, "validate the config and test before running them")
        let clock = ContinuousClock()
        let started = clock.now
        var rng = SplitMix64(seed: config.seed)
        var (model, optimizer) = Training.freshModel(Float.self, config: config, dataset: dataset, using: &rng)
        let trainX = dataset.train.x, trainY = dataset.train.y
        let n = dataset.train.count, d = dataset.features, w = dataset.targetWidth
        let loss = dataset.task.loss
        let stepsPerEpoch = max(config.stepsPerEpoch(trainRows: n), 1)
        var order = Array(0..<n)
        let curve = test.run { lr, i in
            let s = i % stepsPerEpoch
            if s == 0 { rng.shuffle(&order) }
            let lo = s * config.batchSize
            let b = min(config.batchSize, n - lo)
            model.threads = cores.threadsPerTrial
            let sum = Training.trainBatch(&model, &optimizer, rows: order[lo..<(lo + b)], x: trainX, y: trainY,
                                         features: d, width: w, loss: loss, lr: lr)
            return sum.isFinite ? sum / Double(b) : sum
        }
        return Result(curve: curve, suggestions: curve.suggestions, stepsPerEpoch: stepsPerEpoch,
                      seconds: Training.seconds(clock.now - started))
    }

    /// The suggestion of `kind` in `result`, if the curve was long enough to give one.
    public static func suggestion(_ kind: LRSuggestion.Kind, in result: Result) -> LRSuggestion? {
        result.suggestions.first { $0.kind == kind }
    }
}
