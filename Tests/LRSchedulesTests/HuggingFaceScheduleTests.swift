// inverse_sqrt and warmup-stable-decay: THEORY.md C's Hugging Face reference values.

import LRSchedules
import TestSupport
import Testing

@Suite struct HuggingFaceScheduleTests {
    @Test func inverseSqrtTheoryValues() {
        // THEORY.md C: W = 100 (τ = W): steps 50, 100, 400, 10000 → 0.5, 1, 0.5, 0.1 (times lr).
        let s = InverseSqrt(lr: 1, warmupSteps: 100)
        for (k, e) in [(0, 0.0), (50, 0.5), (100, 1), (400, 0.5), (10_000, 0.1)] {
            expectClose(s.learningRate(at: k), e, absolute: 1e-15, "step \(k)")
        }
        // derivation: W = 0 → τ = 10 000: lr/sqrt(2) at 10 000
        expectClose(InverseSqrt(lr: 1, warmupSteps: 0).learningRate(at: 10_000), 0.7071067811865475, relative: 1e-15)
        #expect(ScheduleSpec.inverseSqrt(lr: 1, warmupSteps: 0, timescale: nil).derivedParameters.map(\.value) == [10_000])
    }

    @Test func wsdTheoryValues() {
        // THEORY.md C: W=10, S=80, D=10, m=0.1: steps 0,5,10,90,95,99,100 → 0.1, 0.55, 1, 1, 0.55, 0.122025, 0.1.
        let s = WarmupStableDecay(.init(lr: 1, warmupSteps: 10, stableSteps: 80, decaySteps: 10, minLRRatio: 0.1))
        for (k, e) in [(0, 0.1), (5, 0.55), (10, 1), (90, 1), (95, 0.55), (99, 0.12202456766718092), (100, 0.1), (500, 0.1)] {
            expectClose(s.learningRate(at: k), e, relative: 1e-12, "step \(k)")
        }
    }

    @Test func wsdShapes() {
        // derivation: 1-sqrt decay at p = ¼: 1 − ½ = ½; cosine warmup at p = ½: ½(1 − cos π/2) = ½;
        // 1-sqrt warmup at p = ¾: 1 − √¼ = ½.
        let a = WarmupStableDecay(.init(lr: 1, warmupSteps: 4, stableSteps: 0, decaySteps: 4, warmupType: .cosine,
                                        decayType: .oneMinusSqrt))
        expectClose(a.learningRate(at: 2), 0.5, relative: 1e-15)
        expectClose(a.learningRate(at: 5), 0.5, relative: 1e-15)
        let b = WarmupStableDecay(.init(lr: 1, warmupSteps: 4, stableSteps: 0, decaySteps: 4, warmupType: .oneMinusSqrt,
                                        decayType: .linear))
        expectClose(b.learningRate(at: 3), 0.5, relative: 1e-15)
        expectClose(b.learningRate(at: 6), 0.5, relative: 1e-15)  // derivation: linear decay at p = ½
    }

    @Test func rangeErrors() {
        #expect(makeError(.inverseSqrt(lr: 0.1, warmupSteps: 10, timescale: 0))
                == "inverse_sqrt: timescale must be a positive integer, got 0")
        #expect(makeError(.wsd(.init(lr: 0.1, warmupSteps: 1, stableSteps: 1, decaySteps: 1, minLRRatio: 2)))
                == "wsd: min_lr_ratio must be in [0, 1], got 2")
        #expect(makeError(.wsd(.init(lr: 0.1, warmupSteps: 1, stableSteps: -1, decaySteps: 1)))
                == "wsd: stable_steps must be an integer >= 0, got -1")
    }
}
