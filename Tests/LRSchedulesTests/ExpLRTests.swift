// explr, equivalent_explr and texp: THEORY.md A.2–A.2c's reference numbers, limits and error paths.

import Foundation
import LRSchedules
import TestSupport
import Testing

@Suite struct ExpLRTests {
    @Test func alphaIsTheLargerRootWithTheReferenceValues() throws {
        // THEORY.md A.2: η = 0.1, λ = 5e-4, γ = 0.9 → α = 0.9994977283678897, α^−2 = 1.0010053006 per step,
        // b₀ coefficient −(1−α)/(αη) = −0.0050252404, α^−782 = 1.4812 per CIFAR-10 epoch (391 steps).
        let s = ExpLR(lr: 0.1, weightDecay: 5e-4, momentum: 0.9)
        expectClose(s.alpha, 0.9994977283678897, relative: 1e-15)
        expectClose(s.growthPerStep, 1.001005300601762, relative: 1e-14)
        expectClose(s.momentumBufferCoefficient, -0.005025240356778261, relative: 1e-12)
        expectClose(s.learningRate(at: 391) / s.learningRate(at: 0), 1.4812333562895528, relative: 1e-12)
        // It is a root: α² − (1 + γ − λη)α + γ = 0; the other root is γ/α ≈ 0.9005, so α is the larger.
        let a = s.alpha
        expectClose(a * a - (1 + 0.9 - 5e-5) * a + 0.9, 0, absolute: 1e-15)
        #expect(0.9 / a < a)
    }

    @Test func learningRateIsAlphaToTheMinusTwoTPlusOne() throws {
        // lr(t) = α^(−2t−1)·η at step 0, 1 and 1000; the scheduler gives the same values.
        let s = ExpLR(lr: 0.1, weightDecay: 5e-4, momentum: 0.9)
        let a = s.alpha
        expectClose(s.learningRate(at: 0), 0.1 / a, relative: 1e-15)
        expectClose(s.learningRate(at: 1), 0.1 / (a * a * a), relative: 1e-15)
        expectClose(s.learningRate(at: 1000), 0.1 * pow(a, -2001), relative: 1e-13)
        let lrs = try #require(stepped(.explr(lr: 0.1, weightDecay: 5e-4, momentum: 0.9), 4))
        for k in 0..<4 { #expect(lrs[k] == s.learningRate(at: k)) }
        var scheduler = try LRScheduler(.explr(lr: 0.1, weightDecay: 5e-4, momentum: 0.9))
        #expect(scheduler.initialMomentumBufferCoefficient == s.momentumBufferCoefficient)
        scheduler.step()
        #expect(scheduler.initialMomentumBufferCoefficient == s.momentumBufferCoefficient)
    }

    @Test func withoutMomentumAlphaIsOneMinusLambdaEta() {
        // THEORY.md A.2: γ = 0 → α = 1 − λη, lr(t) = (1 − λη)^(−2t−1)·η, b₀ coefficient −(1−α)/(αη) = −λη/((1−λη)η)
        let s = ExpLR(lr: 0.5, weightDecay: 0.01, momentum: 0)
        #expect(s.alpha == 0.995)
        expectClose(s.learningRate(at: 3), 0.5 * pow(0.995, -7), relative: 1e-15)
        expectClose(s.momentumBufferCoefficient, -0.005 / (0.995 * 0.5), relative: 1e-15)
        // λ = 0 is a constant LR (α = (1.9 + √(1.9² − 3.6))/2 = 1 up to rounding in the square root).
        expectClose(ExpLR(lr: 0.1, weightDecay: 0, momentum: 0.9).learningRate(at: 50), 0.1, relative: 1e-12)
    }

    @Test func errorsSayTheBoundAndTheRanges() {
        // (1 − √0.9)² = 0.002633403898972404; with lr 0.1 the largest λ is 0.02633403898972404.
        #expect(makeError(.explr(lr: 0.1, weightDecay: 0.05, momentum: 0.9))
                == "explr: weight_decay must be <= (1 − √momentum)²/lr = 0.02633403898972404 so that "
                + "x² − (1 + momentum − weight_decay·lr)·x + momentum has a real root (weight_decay·lr is "
                + "0.005000000000000001, the bound (1 − √0.9)² is 0.002633403898972404), got 0.05")
        #expect(makeError(.explr(lr: 0.1, weightDecay: -1e-4, momentum: 0.9))
                == "explr: weight_decay must be >= 0, got -0.0001")
        #expect(makeError(.explr(lr: 0.1, weightDecay: 5e-4, momentum: 1)) == "explr: momentum must be in [0, 1), got 1")
        #expect(makeError(.explr(lr: 0, weightDecay: 5e-4, momentum: 0.9)) == "explr: lr must be > 0, got 0")
        // Exactly at the bound α is the double root √γ.
        let bound = WeightDecayEquivalence.bound(momentum: 0.81)
        let a = WeightDecayEquivalence.alpha(lr: 1, weightDecay: bound, momentum: 0.81)
        expectClose(a ?? .nan, 0.9, relative: 1e-7)
        #expect(WeightDecayEquivalence.alpha(lr: 1, weightDecay: bound * 1.0001, momentum: 0.81) == nil)
    }

    @Test func equivalentRecursionMatchesTheReferenceNumbers() throws {
        // THEORY.md A.2b: η = 0.1, λ = 5e-4, γ = 0.9 → η̃_0..η̃_2 = 0.100005000250, 0.100019502828, 0.100042562591.
        let spec = ScheduleSpec.equivalentExplr(of: .constant(lr: 0.1, factor: 1, totalIters: 1), weightDecay: 5e-4,
                                                momentum: 0.9)
        let lrs = try #require(stepped(spec, 2000))
        expectClose(lrs[0], 0.10000500025001252, relative: 1e-14)
        expectClose(lrs[1], 0.10001950282787382, relative: 1e-14)
        expectClose(lrs[2], 0.100042562591041, relative: 1e-14)
        // α_t → α of explr: after 2000 steps the per-step growth is explr's α^−2.
        expectClose(lrs[1999] / lrs[1998], ExpLR(lr: 0.1, weightDecay: 5e-4, momentum: 0.9).growthPerStep, relative: 1e-12)
        // Random access replays the same recursion.
        let s = try #require(schedule(spec))
        #expect(s.learningRate(at: 2) == lrs[2])
        #expect(try LRScheduler(spec).initialMomentumBufferCoefficient == nil)  // zero buffers
    }

    @Test func equivalentOfStepDecayDropsWithTheBase() throws {
        // Python re-implementation of the A.2b recursion (float64), step decay 0.1 ×0.1 every 100 steps:
        // η̃_99 = 0.10951218405196164, η̃_100 = 0.010957271832967169, η̃_101 = 0.010958372369666186,
        // η̃_299 = 0.0011077954092450467.
        let spec = ScheduleSpec.equivalentExplr(of: .step(lr: 0.1, stepSize: 100, gamma: 0.1), weightDecay: 5e-4,
                                                momentum: 0.9)
        let lrs = try #require(stepped(spec, 300))
        expectClose(lrs[99], 0.10951218405196164, relative: 1e-13)
        expectClose(lrs[100], 0.010957271832967169, relative: 1e-13)
        expectClose(lrs[101], 0.010958372369666186, relative: 1e-13)
        expectClose(lrs[299], 0.0011077954092450467, relative: 1e-13)
    }

    @Test func anLRThatReachesZeroStaysZeroAndOneThatRisesAgainHasNoEquivalent() throws {
        // Linear decay 0.1 → 0 over 4 steps. Steps 0–3 follow the recursion (η_4 = 0 gives ratio 0/0.025 = 0),
        // lr(4) = P_4·P_5·0 = 0, and every later step, where η stays 0, is 0 too (was 0/0 = NaN).
        let linear = ScheduleSpec.linear(lr: 0.1, startFactor: 1, endFactor: 0, totalIters: 4)
        let lrs = try #require(stepped(.equivalentExplr(of: linear, weightDecay: 5e-4, momentum: 0.9), 8))
        expectClose(lrs[0], 0.10000500025001252, relative: 1e-14)  // η_{−1} = η_0: the constant-LR reference
        #expect(lrs[4...].allSatisfy { $0 == 0 }, "\(lrs)")
        // Cosine with t_max 4 run for 8 steps returns to 0 at step 4 and rises after it (PyTorch's
        // CosineAnnealingLR): the buffer cannot be recovered from the weights, so there is no exact
        // equivalent and the LR is NaN from the first rising step (a diverged trial, not a wrong one).
        let cosine = ScheduleSpec.cosine(lr: 0.1, tMax: 4, etaMin: 0)
        let risen = try #require(stepped(.equivalentExplr(of: cosine, weightDecay: 5e-4, momentum: 0.9), 8))
        #expect(risen[4] == 0)
        #expect(risen[5...].allSatisfy { $0.isNaN }, "\(risen)")
    }

    @Test func withoutMomentumTheRecursionIsTheClosedForm() throws {
        // γ = 0: α_t = 1 − λη for t ≥ 1, P_t = (1 − λη)^−t, η̃_t = (1 − λη)^(−2t−1)·η, explr's values.
        let spec = ScheduleSpec.equivalentExplr(of: .constant(lr: 0.2, factor: 1, totalIters: 1), weightDecay: 1e-3,
                                                momentum: 0)
        let lrs = try #require(stepped(spec, 50))
        let closed = ExpLR(lr: 0.2, weightDecay: 1e-3, momentum: 0)
        for k in [0, 1, 10, 49] { expectClose(lrs[k], closed.learningRate(at: k), relative: 1e-13, "step \(k)") }
    }

    @Test func texpIsExplrForAConstantLRAndTapersAtADrop() throws {
        let explr = ExpLR(lr: 0.1, weightDecay: 5e-4, momentum: 0.9)
        let constant = try #require(stepped(.texp(of: .constant(lr: 0.1, factor: 1, totalIters: 1), weightDecay: 5e-4,
                                                  momentum: 0.9), 200))
        for k in [0, 1, 199] { expectClose(constant[k], explr.learningRate(at: k), relative: 1e-12, "step \(k)") }
        // At the drop (step 100): η̃_100 = η̃_99 · (0.01/0.1) / (α*(0.1)·α*(0.01)); then growth α*(0.01)^−2.
        let spec = ScheduleSpec.texp(of: .step(lr: 0.1, stepSize: 100, gamma: 0.1), weightDecay: 5e-4, momentum: 0.9)
        let lrs = try #require(stepped(spec, 102))
        let a1 = explr.alpha, a2 = ExpLR(lr: 0.01, weightDecay: 5e-4, momentum: 0.9).alpha
        expectClose(lrs[100], lrs[99] * 0.1 / (a1 * a2), relative: 1e-14)
        expectClose(lrs[101], lrs[100] / (a2 * a2), relative: 1e-14)
        // TEXP stays within a small distance of the exact conversion (THEORY.md A.2c: approximately equivalent).
        let exact = try #require(stepped(.equivalentExplr(of: .step(lr: 0.1, stepSize: 100, gamma: 0.1),
                                                          weightDecay: 5e-4, momentum: 0.9), 102))
        expectClose(lrs[101], exact[101], relative: 1e-2)
        #expect(try LRScheduler(spec).initialMomentumBufferCoefficient == explr.momentumBufferCoefficient)
    }

    @Test func conversionsStandAtTheTopAndCheckTheirBase() {
        let explr = ScheduleSpec.explr(lr: 0.1, weightDecay: 5e-4, momentum: 0.9)
        #expect(makeError(.warmup(schedule: explr, warmupSteps: 5, startFactor: 0.5))?.hasPrefix(
            "explr: schedule.family must be a schedule that can be nested") == true)
        #expect(makeError(.equivalentExplr(of: .step(lr: 0.1, stepSize: 0, gamma: 0.1), weightDecay: 5e-4, momentum: 0.9))
                == "step: of.step_size must be a positive integer, got 0")
        #expect(makeError(.texp(of: .step(lr: 1, stepSize: 10, gamma: 0.1), weightDecay: 5e-3, momentum: 0.9))?.hasPrefix(
            "texp: weight_decay must be <= (1 − √momentum)²/of.lr = 0.002633403898972404") == true)
    }
}
