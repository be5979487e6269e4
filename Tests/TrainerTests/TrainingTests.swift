// The training loop end to end: learning on real and synthetic data, determinism, divergence and pruning.

import LRSchedules
import Testing
import TestSupport
import Trainer

struct TrainingTests {
    static func digits() throws -> Dataset {
        try Dataset(try DatasetSpec.builtin("digits").load(), valFraction: 0.2, splitSeed: 0)
    }

    /// The bar, run in full: the trainer target is optimised in debug builds too (Package.swift),
    /// so 30 epochs of digits take well under a second.
    @Test func digitsHidden128Reaches95PercentIn30Epochs() throws {
        let config = TrainingConfig(model: ModelConfig(hidden: [128]), optimizer: OptimizerConfig(momentum: 0.9),
                                    epochs: 30, batchSize: 64, seed: 1)
        let result = Training.run(config: config, dataset: try Self.digits(), schedule: ConstantLR(0.05))
        #expect(result.status == .ok)
        #expect(result.epochs.count == 30)
        let accuracy = try #require(result.finalValAccuracy)
        #expect(accuracy >= 0.95, "val accuracy \(accuracy)")
    }

    @Test func spiralsAreLearnedByTwoHiddenLayers() throws {
        let data = try Dataset(SyntheticSpec(.spirals, n: 600, noise: 0.1).generate(), valFraction: 0.2)
        let config = TrainingConfig(model: ModelConfig(hidden: [64, 64]), optimizer: OptimizerConfig(kind: .adam),
                                    epochs: 150, batchSize: 32, seed: 3)
        let result = Training.run(config: config, dataset: data, schedule: ConstantLR(0.01))
        let accuracy = result.finalValAccuracy ?? 0
        #expect(accuracy >= 0.9, "spirals val accuracy \(accuracy)")
    }

    @Test func regressionReducesMSETenfold() throws {
        let data = try Dataset(SyntheticSpec(.teacher, n: 1000, noise: 0.05).generate(), valFraction: 0.2)
        let config = TrainingConfig(model: ModelConfig(hidden: [64], activation: .tanh),
                                    optimizer: OptimizerConfig(kind: .adam), epochs: 60, batchSize: 32, seed: 0)
        let result = Training.run(config: config, dataset: data, schedule: ConstantLR(0.003))
        // Baselines: the MSE of the best constant (the variance of the validation targets, which the
        // dataset holds standardised: σ² brings it back to the original units the losses are in), and
        // the mean train loss of the first epoch (which starts from the untrained network).
        let y = data.validation.y.map(Double.init)
        let mean = y.reduce(0, +) / Double(y.count)
        let sigma = try #require(data.targetStd.first)
        let variance = y.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(y.count) * sigma * sigma
        let first = try #require(result.epochs.first?.trainLoss), last = try #require(result.finalValLoss)
        #expect(result.finalValAccuracy == nil)
        #expect(last * 10 <= variance, "val MSE \(last), target variance \(variance)")
        #expect(last * 10 <= first, "first-epoch train MSE \(first) → final val MSE \(last)")
    }

    /// OneCycleLR and CyclicLR with `cycle_momentum` set the optimizer's momentum before every step.
    @Test func cyclingSchedulesDriveTheOptimizersMomentum() throws {
        let data = try Self.digits()
        let config = TrainingConfig(model: ModelConfig(hidden: [32]), optimizer: OptimizerConfig(momentum: 0.9),
                                    epochs: 3, batchSize: 64, scheduleUnit: .step, seed: 2)
        let total = 3 * config.stepsPerEpoch(trainRows: data.train.count)
        func losses(_ p: OneCycle.Parameters) throws -> [Double] {
            Training.run(config: config, dataset: data, schedule: try LRScheduler(.onecycle(p))).epochs.map(\.trainLoss)
        }
        let fixed = try losses(.init(maxLR: 0.1, totalSteps: total, cycleMomentum: false))
        // Cycling between 0.9 and 0.9 is the optimizer's own 0.9, bit for bit; 0.85…0.95 (the default) is not.
        #expect(try losses(.init(maxLR: 0.1, totalSteps: total, baseMomentum: 0.9, maxMomentum: 0.9)) == fixed)
        let cycled = try losses(.init(maxLR: 0.1, totalSteps: total))
        #expect(cycled != fixed && cycled.allSatisfy(\.isFinite))
    }

    /// Rankings must not depend on --jobs: a trial given idle cores computes exactly what it computes
    /// alone. [256, 256] with BatchNorm on digits puts every GEMM form above the split threshold.
    @Test(arguments: [2, 3])
    func idleCoresGiveBitIdenticalRuns(threads: Int) throws {
        let data = try Self.digits()
        // The hidden layer's products (batch 64 × 256 × 256, in all three forms) must take the threaded
        // path, and so must the optimizer's update of the 256×256 weights.
        #expect(64 * 256 * 256 >= GEMM<Float>.parallelThreshold)
        #expect(256 * 256 >= Optimizer<Float>.parallelMinimum)
        for optimizer in [OptimizerConfig(momentum: 0.9), OptimizerConfig(kind: .adam)] {
            let config = TrainingConfig(model: ModelConfig(hidden: [256, 256], batchNorm: true),
                                        optimizer: optimizer, epochs: 2, batchSize: 64, seed: 4)
            let (one, many) = Self.oneAndMany(config, data, threads: threads)
            #expect(one.status == .ok)
            #expect(Self.bits(one) == Self.bits(many), "\(optimizer.kind)")
        }
    }

    /// The same run on one thread and on `threads`.
    static func oneAndMany(_ config: TrainingConfig, _ data: Dataset, threads: Int) -> (TrainingResult, TrainingResult) {
        (Training.run(config: config, dataset: data, schedule: ConstantLR(0.01)),
         Training.run(config: config, dataset: data, schedule: ConstantLR(0.01), cores: CoreBudget(threads: threads, limit: threads)))
    }

    /// Each epoch's train loss, validation loss and accuracy, as bits.
    static func bits(_ r: TrainingResult) -> [[UInt64]] {
        r.epochs.map { [$0.trainLoss.bitPattern, $0.valLoss.bitPattern, ($0.valAccuracy ?? -1).bitPattern] }
    }

    /// Without BatchNorm the bias and activation run in the forward products' epilogues, the bias
    /// gradient in the weight-gradient product's and the activation derivative in the input-gradient
    /// product's: still bit-identical on any thread count, at widths whose column panels come out
    /// ragged (300 = 18¾ panels of 16, 517 = 32 5⁄16), for every activation.
    @Test(arguments: [2, 3])
    func fusedEpiloguesGiveBitIdenticalRuns(threads: Int) throws {
        let data = try Self.digits()
        #expect(64 * 300 * 517 >= GEMM<Float>.parallelThreshold)
        for activation in Activation.allCases {
            let config = TrainingConfig(model: ModelConfig(hidden: [517, 300], activation: activation),
                                        optimizer: OptimizerConfig(momentum: 0.9), epochs: 1, batchSize: 64, seed: 7)
            let (one, many) = Self.oneAndMany(config, data, threads: threads)
            #expect(one.status == .ok)
            #expect(Self.bits(one) == Self.bits(many), "\(activation)")
        }
    }

    /// Weights drawn on several threads (SplitMix64 jumped ahead per chunk) are the single-threaded
    /// weights to the bit, and the generator ends in the same state, for He and Xavier.
    @Test(arguments: [2, 3])
    func threadedInitialisationIsBitIdentical(threads: Int) {
        for initialization in [Initialization.he, .xavier] {
            var config = ModelConfig(hidden: [300, 200])
            config.initialization = initialization
            #expect(300 * 200 >= MLP<Float>.parallelInitMinimum)
            var r1 = SplitMix64(seed: 11), rn = SplitMix64(seed: 11)
            let one = MLP<Float>(inputs: 130, outputs: 7, config: config, maxBatch: 4, using: &r1)
            let many = MLP<Float>(inputs: 130, outputs: 7, config: config, maxBatch: 4, threads: threads, using: &rn)
            #expect(one.parameters.map(\.bitPattern) == many.parameters.map(\.bitPattern), "\(initialization)")
            #expect(r1 == rn)
        }
    }

    @Test func sameSeedGivesBitIdenticalRuns() throws {
        let data = try Self.digits()
        var config = TrainingConfig(model: ModelConfig(hidden: [32], batchNorm: true),
                                    optimizer: OptimizerConfig(momentum: 0.9, nesterov: true, weightDecay: .new(1e-4)),
                                    epochs: 3, batchSize: 50, seed: 9)
        let a = Training.run(config: config, dataset: data, schedule: ConstantLR(0.1))
        let b = Training.run(config: config, dataset: data, schedule: ConstantLR(0.1))
        func numbers(_ r: TrainingResult) -> [[Double]] {
            r.epochs.map { [$0.lr, $0.trainLoss, $0.valLoss, $0.valAccuracy ?? -1] }
        }
        #expect(numbers(a) == numbers(b))
        config.seed = 10
        let c = Training.run(config: config, dataset: data, schedule: ConstantLR(0.1))
        #expect(numbers(a) != numbers(c))
    }

    @Test func hugeLearningRateEndsDivergedWithoutCrashing() throws {
        let config = TrainingConfig(model: ModelConfig(hidden: [64]), optimizer: OptimizerConfig(momentum: 0.9),
                                    epochs: 10, batchSize: 64, seed: 0)
        let result = Training.run(config: config, dataset: try Self.digits(), schedule: ConstantLR(100))
        #expect(result.status == .diverged)
        #expect(result.epochs.count < 10)
    }

    @Test func callbackStopPrunesTheTrial() throws {
        let config = TrainingConfig(model: ModelConfig(hidden: [16]), optimizer: OptimizerConfig(),
                                    epochs: 5, batchSize: 64, seed: 0)
        var seen: [Int] = []
        let result = Training.run(config: config, dataset: try Self.digits(), schedule: ConstantLR(0.1)) { m in
            seen.append(m.epoch)
            return m.epoch == 2 ? .stop : .continue
        }
        #expect(result.status == .pruned)
        #expect(seen == [1, 2])
        #expect(result.epochs.count == 2)
    }

    @Test func scheduleIsSteppedPerEpochOrPerStep() throws {
        let data = try Dataset(SyntheticSpec(.moons, n: 100).generate(), valFraction: 0.2)
        // 80 training rows, batch 32 → 3 steps per epoch (32, 32, 16).
        var config = TrainingConfig(model: ModelConfig(hidden: [4]), optimizer: OptimizerConfig(),
                                    epochs: 3, batchSize: 32, scheduleUnit: .epoch)
        let perEpoch = Training.run(config: config, dataset: data, schedule: HalvingLR(base: 0.8, every: 1))
        #expect(perEpoch.epochs.map(\.lr) == [0.8, 0.4, 0.2])
        #expect(perEpoch.steps == 9)
        config.scheduleUnit = .step
        let perStep = Training.run(config: config, dataset: data, schedule: HalvingLR(base: 0.8, every: 3))
        #expect(perStep.epochs.map(\.lr) == [0.8, 0.4, 0.2])
    }

    /// A metric-driven scheduler (plateau) is stepped once per epoch with its metric, even when the unit is
    /// `.step`. derivation: threshold_mode abs with threshold 1e9 makes only the first observation an
    /// improvement (anything < +∞ − 1e9); patience 0 then halves the LR at every later one: epochs start at
    /// 0.1, 0.1, 0.05, 0.025. Stepped at each of the 3 steps per epoch it would be 0.1, 0.0125, …
    @Test func metricSchedulesAreSteppedOncePerEpochEvenPerStep() throws {
        let data = try Dataset(SyntheticSpec(.moons, n: 100).generate(), valFraction: 0.2)
        let config = TrainingConfig(model: ModelConfig(hidden: [4]), optimizer: OptimizerConfig(),
                                    epochs: 4, batchSize: 32, scheduleUnit: .step)
        let plateau = try LRScheduler(.plateau(.init(lr: 0.1, factor: 0.5, patience: 0, threshold: 1e9, thresholdMode: .abs)))
        let result = Training.run(config: config, dataset: data, schedule: plateau)
        #expect(result.epochs.map(\.lr) == [0.1, 0.1, 0.05, 0.025])
    }

    @Test func lastPartialBatchOfOneIsSkippedWithBatchNorm() throws {
        let config = TrainingConfig(model: ModelConfig(hidden: [4], batchNorm: true), optimizer: OptimizerConfig(),
                                    epochs: 1, batchSize: 8)
        #expect(config.stepsPerEpoch(trainRows: 17) == 2)
        #expect(config.stepsPerEpoch(trainRows: 18) == 3)
        let data = try Dataset(SyntheticSpec(.blobs, n: 20).generate(), valFraction: 0.2)  // 7+7+6 rows, 1 of each class to val
        #expect(data.train.count == 17)
        let result = Training.run(config: config, dataset: data, schedule: ConstantLR(0.1))
        #expect(result.status == .ok)
        #expect(result.steps == 2)
    }
}
