// The memory estimate of one trial, derived by hand for a tiny model, and the plan check's two refusals.

@testable import Search
import Testing
import Trainer

@Suite struct MemoryEstimateTests {
    // 2 features → 3 hidden → 2 classes (target width 1), bias, SGD momentum 0.9, batch 4, 10 + 2 rows.
    static let estimate = MemoryEstimate(
        config: TrainingConfig(model: ModelConfig(hidden: [3]), optimizer: OptimizerConfig(kind: .sgd, momentum: 0.9),
                               epochs: 1, batchSize: 4, scheduleUnit: .epoch, seed: 0),
        features: 2, outputs: 2, targetWidth: 1, trainRows: 10, validationRows: 2)

    @Test func tinyModelByHand() {
        let e = Self.estimate
        #expect(e.weights == 68)        // derivation: P = (2·3 + 3) + (3·2 + 2) = 17 parameters × 4 bytes
        #expect(e.gradients == 68)
        #expect(e.optimizerState == 68)  // one momentum buffer
        // derivation: arena 4·(2 + 2 + 2·3) + (4·3 + 4·3 + 4·3) + (4·2 + 4·2) = 92, GEMM packing 4·(3 + 8) = 44
        #expect(e.activations == 4 * (92 + 44))
        #expect(e.dataCopy == 4 * 12 * 3 + 8 * 10)  // derivation: 12 rows × (2 + 1) Floats, 10 shuffle indices
        #expect(e.dataset == 144)
        #expect(e.total(jobs: 2) == 2 * 972 + 144)
    }

    @Test func batchLargerThanTheSplitCountsOnlyTheSplit() {
        let config = TrainingConfig(model: ModelConfig(hidden: [3]), optimizer: OptimizerConfig(kind: .sgd, momentum: 0.9),
                                    epochs: 1, batchSize: Int.max, scheduleUnit: .epoch, seed: 0)
        let huge = MemoryEstimate(config: config, features: 2, outputs: 2, targetWidth: 1, trainRows: 4, validationRows: 2)
        #expect(huge.activations == Self.estimate.activations)  // derivation: B = min(batch, 4 train rows) = 4
    }

    @Test func planRefusesOneTrialNamingItsLargestPart() {
        #expect(throws: MemoryRefusal(field: "task.batch_size", message: "the plan needs about \(Self.estimate.summary), "
                                          + "more than this machine's 1.0 KB of physical memory")) {
            try MemoryPlan.check(Self.estimate, jobs: 1, physical: 1000)
        }
    }

    @Test func planRefusesTooManyJobsWithTheMostThatFit() throws {
        try MemoryPlan.check(Self.estimate, jobs: 1, physical: 2000)
        // derivation: ⌊(2000 − 144)/972⌋ = 1 job fits.
        #expect(throws: MemoryRefusal(field: "--jobs", message: "2 trials at once need about 2.09 KB (2 × \(Self.estimate.summary)), "
                                          + "more than this machine's 2.0 KB of physical memory; use --jobs 1 or fewer")) {
            try MemoryPlan.check(Self.estimate, jobs: 2, physical: 2000)
        }
    }

    @Test func absurdModelGivesAHugeFiniteEstimateNotAnOverflow() {
        let config = TrainingConfig(model: ModelConfig(hidden: [Int.max, Int.max]), optimizer: OptimizerConfig(kind: .adam),
                                    epochs: 1, batchSize: 64, scheduleUnit: .epoch, seed: 0)
        let e = MemoryEstimate(config: config, features: 64, outputs: 10, targetWidth: 1, trainRows: 100, validationRows: 0)
        #expect(e.weights > 1e38)
        #expect(MemoryEstimate.format(e.weights) == "more than 1e33 bytes")
    }
}
