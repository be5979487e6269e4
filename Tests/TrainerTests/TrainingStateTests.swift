// TrainingState: epoch by epoch (and through copies) it is Training.run to the bit.

import LRSchedules
import Testing
import Trainer

struct TrainingStateTests {
    /// The metrics without the timings, as bit patterns.
    static func bits(_ epochs: [EpochMetrics]) -> [[UInt64]] {
        epochs.map { [UInt64($0.epoch), $0.lr.bitPattern, $0.trainLoss.bitPattern, $0.valLoss.bitPattern,
                      ($0.valAccuracy ?? -1).bitPattern] }
    }

    static let configs: [(String, TrainingConfig, ScheduleSpec)] = [
        ("sgd+momentum, BN, epoch cosine",
         TrainingConfig(model: ModelConfig(hidden: [32], batchNorm: true), optimizer: OptimizerConfig(momentum: 0.9,
                        weightDecay: .new(1e-4)), epochs: 5, batchSize: 64, seed: 3),
         .cosine(lr: 0.1, tMax: 5, etaMin: 0)),
        ("adam, step unit, onecycle",
         TrainingConfig(model: ModelConfig(hidden: [16, 16]), optimizer: OptimizerConfig(kind: .adam), epochs: 4,
                        batchSize: 50, scheduleUnit: .step, seed: 9),
         .piecewise(boundaries: [20, 40], values: [0.01, 0.003, 0.001])),
        ("plateau (needs the metric)",
         TrainingConfig(model: ModelConfig(hidden: [16]), optimizer: OptimizerConfig(momentum: 0.5), epochs: 6,
                        batchSize: 128, seed: 1),
         .plateau(ReduceOnPlateau.Parameters(lr: 0.5, factor: 0.5, patience: 0))),
    ]

    @Test(arguments: 0..<3)
    func epochByEpochIsTrainerRunBitForBit(_ i: Int) throws {
        let (name, config, spec) = Self.configs[i]
        let data = try TrainingTests.digits()
        let reference = Training.run(config: config, dataset: data, schedule: try LRScheduler(spec))
        var state = TrainingState<Float>(config: config, dataset: data, schedule: try LRScheduler(spec))
        while !state.isFinished { state.run(epochs: 1) }
        #expect(Self.bits(state.history) == Self.bits(reference.epochs), "\(name)")
        #expect(state.status == reference.status && state.steps == reference.steps, "\(name)")
        // Two epochs at a time, through a copy taken half-way: the same again.
        var a = TrainingState<Float>(config: config, dataset: data, schedule: try LRScheduler(spec))
        a.run(epochs: 2)
        var b = a
        a.run(epochs: 100)
        b.run(epochs: 2)
        b.run(epochs: 100)
        #expect(Self.bits(a.history) == Self.bits(reference.epochs), "\(name)")
        #expect(Self.bits(b.history) == Self.bits(reference.epochs), "\(name)")
    }

    /// A state restored from its parts continues exactly as the original.
    @Test func restoredStateContinuesBitForBit() throws {
        let (_, config, spec) = Self.configs[0]
        let data = try TrainingTests.digits()
        var a = TrainingState<Float>(config: config, dataset: data, schedule: try LRScheduler(spec))
        a.run(epochs: 2)
        var fresh = TrainingState<Float>(config: config, dataset: data, schedule: a.schedule)
        let restored = fresh.restore(parameters: a.model.parameters, runningStatistics: a.model.runningStatistics,
                              first: a.optimizer.first, second: a.optimizer.second, optimizerSteps: a.optimizer.steps,
                              bufferStarted: a.optimizer.bufferHasStarted, rngState: a.rng.state, order: a.order,
                              history: a.history, status: a.status, steps: a.steps, firstLoss: a.firstLoss)
        #expect(restored)
        a.run(epochs: 3)
        fresh.run(epochs: 3)
        #expect(Self.bits(fresh.history) == Self.bits(a.history))
        // Wrong lengths are refused, not trapped on.
        let refused = !fresh.restore(parameters: [], runningStatistics: [], first: [], second: [], optimizerSteps: 0,
                                     bufferStarted: false, rngState: 0, order: [], history: [], status: .ok, steps: 0,
                                     firstLoss: nil)
        #expect(refused)
    }
}
