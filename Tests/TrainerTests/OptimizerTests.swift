// One and two optimizer steps against hand-derived values and PyTorch's, for every rule and weight decay mode.

import Testing
import TestSupport
import Trainer

struct OptimizerTests {
    /// θ₀ = [1, −2] (a weight segment), gradients g₁ = [0.5, 0.25] then g₂ = [0.1, −0.2], LR 0.1, Double.
    static let weights = [ParameterSegment(kind: .weight, layer: 0, range: 0..<2, trainable: true)]
    static let grads: [[Double]] = [[0.5, 0.25], [0.1, -0.2]]

    func run(_ config: OptimizerConfig, lr: Double = 0.1, theta: [Double] = [1, -2],
             segments: [ParameterSegment] = weights, grads: [[Double]] = grads) -> [Double] {
        var p = theta
        var opt = Optimizer<Double>(config: config, parameterCount: p.count)
        for g in grads {
            var g = g
            opt.step(parameters: &p, gradients: &g, segments: segments, lr: lr)
        }
        return p
    }

    /// Like `run`, with `momenta[k]` passed as the scheduled momentum of step k.
    func runCycling(_ config: OptimizerConfig, momenta: [Double?]) -> [Double] {
        var p = [1.0, -2.0]
        var opt = Optimizer<Double>(config: config, parameterCount: p.count)
        for (g, m) in zip(Self.grads, momenta) {
            var g = g
            opt.step(parameters: &p, gradients: &g, segments: Self.weights, lr: 0.1, momentum: m)
        }
        return p
    }

    @Test func scheduledMomentumReplacesTheConfiguredOne() {
        // SGD(momentum 0.9) with momentum 0.5 at step 2: b₂ = 0.5·g₁ + g₂ = [0.35, −0.075]
        // → θ₂ = [0.95 − 0.035, −2.025 + 0.0075] = [0.915, −2.0175].
        expectAllClose(runCycling(OptimizerConfig(momentum: 0.9), momenta: [0.85, 0.5]), [0.915, -2.0175], relative: 1e-14)
        // The configured value when the schedule asks for none: the plain run.
        #expect(runCycling(OptimizerConfig(momentum: 0.9), momenta: [nil, nil]) == run(OptimizerConfig(momentum: 0.9)))
        // SGD built without momentum gets a buffer at the first step with momentum, b = d as PyTorch's
        // `buf = clone(d)`: θ₂ = θ₁ − 0.1·g₂ = [0.94, −2.005].
        expectAllClose(runCycling(OptimizerConfig(), momenta: [0, 0.5]), [0.94, -2.005], relative: 1e-14)
        expectAllClose(runCycling(OptimizerConfig(), momenta: [0.5, 0.5]), [0.915, -2.0175], relative: 1e-14)
    }

    @Test func scheduledMomentumIsAdamsBeta1WithItsBiasCorrection() {
        // One Adam step with β₁ = 0.5 instead of 0.9: m = 0.5·g, m̂ = m/(1 − 0.5) = g; v̂ = g²; θ₁ = θ₀ − 0.1·g/(|g| + ε)
        // = [1 − 0.1, −2 − 0.1] up to ε = 1e-8.
        let p = runCycling(OptimizerConfig(kind: .adam), momenta: [0.5])
        expectAllClose(p, [1 - 0.1 * 0.5 / (0.5 + 1e-8), -2 - 0.1 * 0.25 / (0.25 + 1e-8)], relative: 1e-14)
    }

    // Tolerance 1e-14 relative: a handful of Double operations in the same order as PyTorch.
    @Test func sgdMomentumMatchesPyTorch() {
        // b₁ = g₁, θ₁ = [0.95, −2.025]; b₂ = 0.9·b₁ + g₂ = [0.55, 0.025], θ₂ = [0.895, −2.0275]
        // (torch.optim.SGD(momentum=0.9), float64: [0.8949999999999999, -2.0275]).
        expectAllClose(run(OptimizerConfig(momentum: 0.9)), [0.8949999999999999, -2.0275], relative: 1e-14)
    }

    @Test func sgdNesterovMatchesPyTorch() {
        // d₁ = g₁ + 0.9·b₁ = 1.9·g₁ → θ₁ = [0.905, −2.0475]; d₂ = g₂ + 0.9·[0.55, 0.025] = [0.595, −0.1775]
        // → θ₂ = [0.8455, −2.02975] (torch nesterov=True: [0.8455, -2.02975]).
        expectAllClose(run(OptimizerConfig(momentum: 0.9, nesterov: true)), [0.8455, -2.02975], relative: 1e-14)
    }

    @Test func sgdDampeningSkipsTheFirstStep() {
        // b₁ = g₁ (no dampening on the first step); b₂ = 0.9·b₁ + 0.5·g₂ = [0.5, 0.125]
        // → θ₂ = [0.9, −2.0375] (torch dampening=0.5: [0.8999999999999999, -2.0375]).
        expectAllClose(run(OptimizerConfig(momentum: 0.9, dampening: 0.5)), [0.8999999999999999, -2.0375],
                       relative: 1e-14)
    }

    @Test func coupledWeightDecayAddsLambdaThetaToTheGradient() {
        // d₁ = g₁ + 0.01·θ₀ = [0.51, 0.23] → θ₁ = [0.949, −2.023]; d₂ = g₂ + 0.01·θ₁, b₂ = 0.9·d₁ + d₂
        // = [0.56849, −0.01323] → θ₂ = [0.892151, −2.021677] (torch weight_decay=0.01 momentum=0.9).
        let c = OptimizerConfig(momentum: 0.9, weightDecay: .coupled(0.01))
        expectAllClose(run(c), [0.8921509999999999, -2.021677], relative: 1e-14)
    }

    @Test func newWeightDecayShrinksIndependentlyOfTheLR() {
        // θ₁ = 0.99·θ₀ − 0.1·g₁ = [0.94, −2.005]
        let c = OptimizerConfig(weightDecay: .new(0.01))
        expectAllClose(run(c, grads: [Self.grads[0]]), [0.94, -2.005], relative: 1e-14)
        // With LR 0 only the shrink remains: θ₁ = 0.99·θ₀ whatever the LR.
        expectAllClose(run(c, lr: 0, grads: [Self.grads[0]]), [0.99, -1.98], relative: 1e-15)
    }

    @Test func decoupledWeightDecayScalesWithTheLR() {
        // θ₁ = (1 − 0.1·0.01)·θ₀ − 0.1·g₁ = [0.999 − 0.05, −1.998 − 0.025] = [0.949, −2.023]
        let c = OptimizerConfig(weightDecay: .decoupled(0.01))
        expectAllClose(run(c, grads: [Self.grads[0]]), [0.949, -2.023], relative: 1e-14)
        expectAllClose(run(c, lr: 0, grads: [Self.grads[0]]), [1, -2], relative: 0)
    }

    @Test func exemptBiasAndNormLeavesBiasesUndecayed() {
        let segments = Self.weights + [ParameterSegment(kind: .bias, layer: 0, range: 2..<3, trainable: true)]
        let theta: [Double] = [1, -2, 3], g: [[Double]] = [[0, 0, 0]]
        var c = OptimizerConfig(weightDecay: .coupled(0.01))
        // Bias decays: 3 − 0.1·0.01·3 = 2.997; exempt: stays 3. Weights decay either way.
        expectAllClose(run(c, theta: theta, segments: segments, grads: g), [0.999, -1.998, 2.997], relative: 1e-14)
        c.exemptBiasAndNorm = true
        expectAllClose(run(c, theta: theta, segments: segments, grads: g), [0.999, -1.998, 3], relative: 1e-14)
    }

    @Test func frozenSegmentsDoNotMove() {
        let segments = [ParameterSegment(kind: .weight, layer: 0, range: 0..<2, trainable: false)]
        expectAllClose(run(OptimizerConfig(momentum: 0.9, weightDecay: .new(0.1)), segments: segments), [1, -2],
                       relative: 0)
    }

    @Test func adamMatchesPyTorch() {
        // Step 1 moves each weight by ≈ lr·sign(g) (bias correction); values from torch.optim.Adam, float64.
        expectAllClose(run(OptimizerConfig(kind: .adam)), [0.8196959063846518, -2.1058125004733683], relative: 1e-14)
        expectAllClose(run(OptimizerConfig(kind: .adam, weightDecay: .coupled(0.01))),
                       [0.8189151743261174, -2.096733021150894], relative: 1e-14)
    }

    @Test func adamWMatchesPyTorch() {
        // torch.optim.AdamW(lr=0.1, weight_decay=0.01), float64.
        expectAllClose(run(OptimizerConfig(kind: .adamw, weightDecay: .decoupled(0.01))),
                       [0.8177969063826518, -2.1017145004773683], relative: 1e-14)
    }

    @Test func initialMomentumBufferEntersTheFirstStep() {
        var p: [Double] = [1, -2]
        var g: [Double] = [0.5, 0.25]
        var opt = Optimizer<Double>(config: OptimizerConfig(momentum: 0.9), parameterCount: 2)
        opt.setMomentumBuffer([1, 1])
        opt.step(parameters: &p, gradients: &g, segments: Self.weights, lr: 0.1)
        // b₁ = 0.9·[1, 1] + g₁ = [1.4, 1.15] → θ₁ = [0.86, −2.115]
        expectAllClose(p, [0.86, -2.115], relative: 1e-14)
    }

    @Test func gradientClippingRescalesToTheGlobalNorm() {
        // ‖[3, 4]‖ = 5 > 1: g ← g·1/(5 + 1e-6) → θ = θ₀ − 0.1·g.
        var p: [Double] = [1, -2]
        var g: [Double] = [3, 4]
        var opt = Optimizer<Double>(config: OptimizerConfig(gradClip: 1), parameterCount: 2)
        opt.step(parameters: &p, gradients: &g, segments: Self.weights, lr: 0.1)
        let f = 1 / (5 + 1e-6)
        expectAllClose(p, [1 - 0.1 * 3 * f, -2 - 0.1 * 4 * f], relative: 1e-14)
        expectClose(Optimizer<Double>.gradientNorm(g, segments: Self.weights), 5 * f, relative: 1e-14)
    }
}
