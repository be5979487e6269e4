// plateau's `monitor`: the training loop feeds ReduceOnPlateau the metric it watches, once per epoch.

import LRSchedules
import Testing
import Trainer

struct PlateauMonitorTests {
    /// Replays the recorded per-epoch metric through a fresh controller: the LR of epoch e+1 must be
    /// what the controller says after observing epochs 1…e.
    func expectFedWith(_ monitor: ReduceOnPlateau.Monitor, _ metric: (EpochMetrics) -> Double) throws {
        let p = ReduceOnPlateau.Parameters(lr: 0.05, mode: monitor.naturalMode, factor: 0.5, patience: 0,
                                           threshold: 0.3, monitor: monitor)
        let data = try Dataset(try DatasetSpec.builtin("digits").load(), valFraction: 0.2, splitSeed: 0)
        let config = TrainingConfig(model: ModelConfig(hidden: [32]), optimizer: OptimizerConfig(momentum: 0.9),
                                    epochs: 8, batchSize: 64, scheduleUnit: .step, seed: 2)
        let result = Training.run(config: config, dataset: data, schedule: try LRScheduler(.plateau(p)))
        var replay = ReduceOnPlateau(p)
        var cuts = 0
        for (e, epoch) in result.epochs.enumerated() {
            #expect(epoch.lr == replay.learningRate, "\(monitor) epoch \(e + 1)")
            let before = replay.learningRate
            _ = replay.observe(metric(epoch))
            if replay.learningRate < before { cuts += 1 }
        }
        // patience 0 with a 30% threshold: some epochs fail to improve, so the replay is not vacuous.
        #expect(cuts >= 1, "\(monitor): no reduction in 8 epochs")
    }

    /// The number the loop feeds a scheduler after an epoch: plateau's monitor, the validation loss otherwise.
    @Test func theSchedulerNamesTheMetricItMonitors() throws {
        let epoch = EpochMetrics(epoch: 1, lr: 0.1, trainLoss: 2, valLoss: 3, valAccuracy: 0.75, seconds: 0)
        for (monitor, expected) in [(ReduceOnPlateau.Monitor.valLoss, 3.0), (.trainLoss, 2), (.valAccuracy, 0.75)] {
            let s = try LRScheduler(.plateau(.init(lr: 0.1, monitor: monitor)))
            #expect(s.monitoredMetric(epoch) == expected, "\(monitor)")
        }
        #expect(try LRScheduler(.cosine(lr: 0.1, tMax: 5, etaMin: 0)).monitoredMetric(epoch) == 3)
        var regression = epoch
        regression.valAccuracy = nil
        #expect(try LRScheduler(.plateau(.init(lr: 0.1, monitor: .valAccuracy))).monitoredMetric(regression).isNaN)
    }

    @Test func replayingTheRecordedMetricGivesTheLoopsLRs() throws {
        try expectFedWith(.valLoss) { $0.valLoss }
        try expectFedWith(.trainLoss) { $0.trainLoss }
        try expectFedWith(.valAccuracy) { $0.valAccuracy ?? .nan }
    }

    @Test func monitoredMetricPicksTheField() throws {
        let m = EpochMetrics(epoch: 1, lr: 0.1, trainLoss: 0.5, valLoss: 0.7, valAccuracy: 0.9, seconds: 0)
        func scheduler(_ monitor: ReduceOnPlateau.Monitor) throws -> LRScheduler {
            try LRScheduler(.plateau(.init(lr: 0.1, mode: monitor.naturalMode, monitor: monitor)))
        }
        #expect(try scheduler(.valLoss).monitoredMetric(m) == 0.7)
        #expect(try scheduler(.trainLoss).monitoredMetric(m) == 0.5)
        #expect(try scheduler(.valAccuracy).monitoredMetric(m) == 0.9)
        var regression = m
        regression.valAccuracy = nil
        #expect(try scheduler(.valAccuracy).monitoredMetric(regression).isNaN)
        #expect(try LRScheduler(.cosine(lr: 0.1, tMax: 5, etaMin: 0)).monitoredMetric(m) == 0.7)
    }
}
