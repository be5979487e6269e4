// StepLR and bounded step decay: PyTorch's documented example and the bounded-decay worked example.

import LRSchedules
import TestSupport
import Testing

@Suite struct StepDecayTests {
    @Test func pytorchDocExampleDecaysEveryThirtyEpochs() throws {
        // torch StepLR docstring: lr = 0.05 for epochs 0–29, 0.005 for 30–59, 0.0005 for 60–89.
        let lrs = try #require(stepped(.step(lr: 0.05, stepSize: 30, gamma: 0.1), 90))
        for k in 0..<30 { expectClose(lrs[k], 0.05, relative: 1e-12, "step \(k)") }
        for k in 30..<60 { expectClose(lrs[k], 0.005, relative: 1e-12, "step \(k)") }
        for k in 60..<90 { expectClose(lrs[k], 0.0005, relative: 1e-12, "step \(k)") }
    }

    @Test func closedFormAgreesWithSteppedRecursion() throws {
        let spec = ScheduleSpec.step(lr: 0.7, stepSize: 7, gamma: 0.5)
        let s = try #require(schedule(spec))
        let lrs = try #require(stepped(spec, 301))
        // derivation: 0.7·0.5^⌊300/7⌋ = 0.7·0.5^42
        expectClose(s.learningRate(at: 300), 0.7 * 1 / 4_398_046_511_104, relative: 1e-12)
        for k in [0, 6, 7, 14, 300] { expectClose(s.learningRate(at: k), lrs[k], relative: 1e-12, "step \(k)") }
    }

    @Test func boundedStepWorkedExampleReachesFinalLR() throws {
        let spec = ScheduleSpec.boundedStep(lr: 0.1, finalLR: 1e-4, updates: 10_000, totalSteps: 1_000_000)
        let s = try #require(schedule(spec))
        let derived = Dictionary(uniqueKeysWithValues: spec.derivedParameters.map { ($0.name, $0.value) })
        // derivation: gamma = (1e-4/0.1)^(1/10⁴) = 10^(−3e-4) ≈ 0.999309463003 (issue 2's worked example)
        expectClose(derived["gamma"] ?? 0, 0.999309463003, relative: 1e-12)
        #expect(derived["step_size"] == 100)  // derivation: 10⁶ / 10⁴
        #expect(s.learningRate(at: 99) == 0.1)  // derivation: no decay before step n = 100
        expectClose(s.learningRate(at: 100), 0.1 * 0.9993094630025899, relative: 1e-12)  // derivation: one decay
        // derivation: 9 999 decays at step 999 999: 1e-4/gamma
        expectClose(s.learningRate(at: 999_999), 0.00010006910141684143, relative: 1e-9)
        #expect(s.learningRate(at: 1_000_000) == 1e-4)  // derivation: m decays → exactly final_lr
        #expect(s.learningRate(at: 5_000_000) == 1e-4)  // derivation: held past M
    }

    @Test func boundedStepRoundsStepSizeDownAndHoldsFinalLR() throws {
        // derivation: M = 7, m = 2 → n = ⌊7/2⌋ = 3, gamma = (0.01/1)^(1/2) = 0.1; decays at 3 and 6, held after.
        let s = try #require(schedule(.boundedStep(lr: 1, finalLR: 0.01, updates: 2, totalSteps: 7)))
        let expected: [Double] = [1, 1, 1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.01]
        for (k, e) in expected.enumerated() { expectClose(s.learningRate(at: k), e, relative: 1e-12, "step \(k)") }
        #expect(s.learningRate(at: 1000) == 0.01)
    }

    @Test func boundedStepErrorsNameTheRule() {
        #expect(makeError(.boundedStep(lr: 0.1, finalLR: 0.2, updates: 10, totalSteps: 100))
                == "step: final_lr must be <= lr (0.1), got 0.2")
        #expect(makeError(.boundedStep(lr: 0.1, finalLR: 0.01, updates: 200, totalSteps: 100))
                == "step: updates must be <= total_steps (100), got 200")
        #expect(makeError(.boundedStep(lr: 0.1, finalLR: 0, updates: 10, totalSteps: 100))
                == "step: final_lr must be > 0, got 0")
        #expect(makeError(.step(lr: 0.1, stepSize: 0, gamma: 0.1)) == "step: step_size must be a positive integer, got 0")
        #expect(makeError(.step(lr: 0.1, stepSize: 10, gamma: -0.5)) == "step: gamma must be > 0, got -0.5")
    }
}
