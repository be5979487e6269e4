// BatchNorm1d: batch statistics in training, running statistics in evaluation, PyTorch's running updates.

import Testing
import TestSupport
import Trainer

struct BatchNormTests {
    /// inputs 1 → Dense(1, W = 1, b = 0) → BN → output layer: the BN input is exactly x.
    func model(eps: Double = 1e-5) -> MLP<Double> {
        var rng = SplitMix64(seed: 1)
        var m = MLP<Double>(inputs: 1, outputs: 2,
                            config: ModelConfig(hidden: [1], activation: .relu, batchNorm: true, batchNormEps: eps),
                            maxBatch: 4, using: &rng)
        m.setParameters(layer: 0, kind: .weight, [1])
        m.setParameters(layer: 0, kind: .bias, [0])
        return m
    }

    @Test func trainingNormalisesWithBatchStatistics() {
        var m = model()
        m.setBatch(x: [1, 2, 3, 4], y: [0, 1, 0, 1])
        m.forward(rows: 4, training: true)
        // μ = 2.5, biased σ² = 1.25: x̂ = (x − 2.5)/√(1.25 + 1e-5); γ = 1, β = 0.
        let s = (1.25 + 1e-5).squareRoot()
        expectAllClose(m.layerOutput(0, .normalized, rows: 4), [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s], relative: 1e-14)
    }

    @Test func runningStatisticsFollowPyTorch() {
        var m = model()
        m.setBatch(x: [1, 2, 3, 4], y: [0, 0, 0, 0])
        m.forward(rows: 4, training: true)
        // mean: 0.9·0 + 0.1·2.5 = 0.25; var: 0.9·1 + 0.1·(5/3) (unbiased 1.25·4/3) = 1.0666…
        var (mean, variance) = m.runningStatistics(layer: 0)
        expectClose(mean[0], 0.25, relative: 1e-15)
        expectClose(variance[0], 0.9 + 0.1 * 5 / 3, relative: 1e-15)
        m.setBatch(x: [0, 0, 2, 2], y: [0, 0, 0, 0])
        m.forward(rows: 4, training: true)
        // batch 2: μ = 1, unbiased var 4/3 → mean 0.9·0.25 + 0.1 = 0.325; var 0.9·1.0666… + 0.1·4/3 = 1.09333…
        (mean, variance) = m.runningStatistics(layer: 0)
        expectClose(mean[0], 0.325, relative: 1e-15)
        expectClose(variance[0], 0.9 * (0.9 + 0.1 * 5 / 3) + 0.1 * 4 / 3, relative: 1e-15)
    }

    @Test func evaluationUsesRunningStatisticsAndLeavesThemAlone() {
        var m = model()
        m.setBatch(x: [1, 2, 3, 4], y: [0, 0, 0, 0])
        m.forward(rows: 4, training: true)
        let before = m.runningStatistics(layer: 0)
        m.setBatch(x: [10, -3], y: [0, 0])
        m.forward(rows: 2, training: false)
        let (rm, rv) = (0.25, 0.9 + 0.1 * 5 / 3)
        let s = (rv + 1e-5).squareRoot()
        expectAllClose(m.layerOutput(0, .normalized, rows: 2), [(10 - rm) / s, (-3 - rm) / s], relative: 1e-14)
        #expect(m.runningStatistics(layer: 0) == before)
    }

    @Test func trainAndEvalDifferOnTheSameBatch() {
        var m = model()
        m.setBatch(x: [1, 2, 3, 4], y: [0, 0, 0, 0])
        m.forward(rows: 4, training: true)
        let train = m.layerOutput(0, .normalized, rows: 4)
        m.forward(rows: 4, training: false)
        let eval = m.layerOutput(0, .normalized, rows: 4)
        // Training output has batch mean 0; evaluation (running mean 0.25, not 2.5) does not.
        expectClose(train.reduce(0, +), 0, absolute: 1e-14)
        #expect(eval.reduce(0, +) > 1)
    }

    @Test func zeroEpsilonIsAllowed() {
        var m = model(eps: 0)
        m.setBatch(x: [1, 2, 3, 4], y: [0, 0, 0, 0])
        m.forward(rows: 4, training: true)
        let s = 1.25.squareRoot()
        expectAllClose(m.layerOutput(0, .normalized, rows: 4), [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s], relative: 1e-14)
    }
}
