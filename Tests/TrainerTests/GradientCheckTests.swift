// Backward passes against central finite differences in Double, through the same generic code that trains in Float.

import Testing
import TestSupport
import Trainer

struct GradientCheckTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var model: ModelConfig
        var outputs: Int
        var loss: LossKind
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "relu, no BN, cross-entropy", model: ModelConfig(hidden: [6, 5], activation: .relu),
             outputs: 3, loss: .softmaxCrossEntropy),
        Case(name: "tanh, BN affine, cross-entropy", model: ModelConfig(hidden: [5, 4], activation: .tanh, batchNorm: true),
             outputs: 4, loss: .softmaxCrossEntropy),
        Case(name: "gelu, BN without affine, eps 0, MSE",
             model: ModelConfig(hidden: [5], activation: .gelu, batchNorm: true, batchNormAffine: false, batchNormEps: 0),
             outputs: 2, loss: .meanSquaredError),
        Case(name: "linear without bias, MSE", model: ModelConfig(hidden: [], bias: false), outputs: 1,
             loss: .meanSquaredError),
        Case(name: "frozen output, BN, cross-entropy",
             model: ModelConfig(hidden: [4], activation: .tanh, batchNorm: true, freezeOutputLayer: true),
             outputs: 3, loss: .softmaxCrossEntropy),
    ]

    /// Every parameter's analytic gradient vs (L(θ + h) − L(θ − h))/2h, h = 1e-6, in Double. Tolerance:
    /// 1e-6 relative to max(|analytic|, |numeric|, 1e-3) — the difference quotient's truncation error is
    /// O(h²) ≈ 1e-12 and its rounding error ≈ 1e-16·L/h ≈ 1e-10.
    @Test(arguments: cases)
    func backwardMatchesFiniteDifferences(_ c: Case) {
        let (rows, inputs) = (7, 3)
        var rng = SplitMix64(seed: 42)
        var model = MLP<Double>(inputs: inputs, outputs: c.outputs, config: c.model, maxBatch: 8, using: &rng)
        // Non-trivial γ, β so the affine terms are exercised.
        for s in model.segments where s.kind == .normScale || s.kind == .normShift || s.kind == .bias {
            for i in s.range { model.parameters[i] = 0.5 + rng.nextUniform() }
        }
        let x = randomArray(rows * inputs, seed: 7, scale: 2)
        let y: [Double] = c.loss == .softmaxCrossEntropy
            ? (0..<rows).map { Double($0 % c.outputs) } : randomArray(rows * c.outputs, seed: 8)
        model.setBatch(x: x, y: y)
        func loss(_ m: inout MLP<Double>) -> Double {
            m.forward(rows: rows, training: true)
            return m.loss(c.loss, rows: rows, gradient: false).sum / Double(rows)
        }
        model.forward(rows: rows, training: true)
        _ = model.loss(c.loss, rows: rows, gradient: true)
        model.backward(rows: rows)
        let analytic = model.gradients
        let h = 1e-6
        for s in model.segments {
            for i in s.range {
                let saved = model.parameters[i]
                model.parameters[i] = saved + h
                let up = loss(&model)
                model.parameters[i] = saved - h
                let down = loss(&model)
                model.parameters[i] = saved
                let numeric = s.trainable ? (up - down) / (2 * h) : 0
                let scale = max(abs(analytic[i]), abs(numeric), 1e-3)
                #expect(abs(analytic[i] - numeric) <= 1e-6 * scale,
                        "\(c.name): \(s.kind) of layer \(s.layer), index \(i - s.range.lowerBound): analytic \(analytic[i]), numeric \(numeric)")
            }
        }
    }
}
