// TensorFlow/Keras schedules from the seeds: ExponentialDecay, InverseTimeDecay, Keras step drop,
// PiecewiseConstantDecay and a user table, each against its published formula to 1e-12 relative.
//
// Formulas: keras/src/optimizers/schedules/learning_rate_schedule.py (Keras 3; the same code as
// tf.keras.optimizers.schedules in TF 2.x), evaluated as there for a float64 initial LR:
//   ExponentialDecay:       p = step / decay_steps (floor if staircase);  lr · decay_rate ** p
//   InverseTimeDecay:       p = step / decay_steps (floor if staircase);  lr / (1 + decay_rate · p)
//   PiecewiseConstantDecay: values[0] if step <= b[0]; values[i+1] if b[i] < step <= b[i+1]; values[-1] if step > b[-1]
// Keras step drop: J. Brownlee, "Using Learning Rate Schedules for Deep Learning Models in Python with
// Keras" (2016): initial_lrate · math.pow(drop, math.floor((1 + epoch) / epochs_drop)).
// Keras' classic optimizer `decay` (keras 2.x SGD): lr · 1 / (1 + decay · iterations).
// Every literal below is that expression evaluated in Python 3 float64 (repr), written next to it.

import LRSchedules
import TestSupport
import Testing

@Suite struct SeedFormulaTests {
    @Test func tensorflowExponentialDecayStaircase() throws {
        // The seed's TF example: ExponentialDecay(0.1, decay_steps=100000, decay_rate=0.96, staircase=True).
        let s = try #require(schedule(.exponentialRate(lr: 0.1, decayRate: 0.96, decaySteps: 100_000, staircase: true)))
        let expected: [(Int, Double)] = [
            (0, 0.1), (99_999, 0.1),          // 0.1 * 0.96 ** 0
            (100_000, 0.096),                 // 0.1 * 0.96 ** 1
            (250_000, 0.09216),               // 0.1 * 0.96 ** 2
        ]
        for (k, e) in expected { expectClose(s.learningRate(at: k), e, relative: 1e-12, "step \(k)") }
        #expect(s.learningRate(at: Int.max).isFinite)
    }

    @Test func tensorflowExponentialDecaySmooth() throws {
        let s = try #require(schedule(.exponentialRate(lr: 0.1, decayRate: 0.96, decaySteps: 100_000, staircase: false)))
        expectClose(s.learningRate(at: 50_000), 0.09797958971132713, relative: 1e-12)   // 0.1 * 0.96 ** 0.5
        expectClose(s.learningRate(at: 123_456), 0.09508516697215702, relative: 1e-12)  // 0.1 * 0.96 ** 1.23456
        expectClose(s.learningRate(at: 250_000), 0.09029798987795908, relative: 1e-12)  // 0.1 * 0.96 ** 2.5
        // Stepped by LRScheduler, as the trainer does: 0.1 * 0.5 ** (k / 2).
        let lrs = try #require(stepped(.exponentialRate(lr: 0.1, decayRate: 0.5, decaySteps: 2, staircase: false), 5))
        for (k, e) in [0.1, 0.07071067811865477, 0.05, 0.03535533905932738, 0.025].enumerated() {
            expectClose(lrs[k], e, relative: 1e-12, "step \(k)")
        }
    }

    @Test func exponentialFinalLRTakesGammaFromTheRunLength() throws {
        // final_lr 1e-3 after 50 steps from 0.1: γ = 0.01 ** (1/50); lr(k) = 0.1 · 0.01 ** (k/50).
        let spec = ScheduleSpec.exponentialToFinal(lr: 0.1, finalLR: 1e-3, totalSteps: 50)
        let s = try #require(schedule(spec))
        expectClose(s.learningRate(at: 0), 0.1, relative: 1e-12)
        expectClose(s.learningRate(at: 1), 0.09120108393559098, relative: 1e-12)   // 0.1 * 0.01 ** 0.02
        expectClose(s.learningRate(at: 25), 0.010000000000000002, relative: 1e-12) // 0.1 * 0.01 ** 0.5
        expectClose(s.learningRate(at: 50), 0.001, relative: 1e-12)                // 0.1 * 0.01 ** 1
        #expect(spec.derivedParameters.map(\.name) == ["gamma"])
        expectClose(spec.derivedParameters[0].value, 0.9120108393559098, relative: 1e-12)  // 0.01 ** (1/50)
    }

    @Test func tensorflowInverseTimeDecay() throws {
        let smooth = try #require(schedule(.inverseTime(lr: 0.1, decayRate: 0.5, decaySteps: 10, staircase: false)))
        expectClose(smooth.learningRate(at: 0), 0.1, relative: 1e-12)
        expectClose(smooth.learningRate(at: 5), 0.08, relative: 1e-12)                  // 0.1 / (1 + 0.5 * 0.5)
        expectClose(smooth.learningRate(at: 19), 0.05128205128205129, relative: 1e-12)  // 0.1 / (1 + 0.5 * 1.9)
        let stairs = try #require(schedule(.inverseTime(lr: 0.1, decayRate: 0.5, decaySteps: 10, staircase: true)))
        expectClose(stairs.learningRate(at: 9), 0.1, relative: 1e-12)                   // 0.1 / (1 + 0.5 * 0)
        expectClose(stairs.learningRate(at: 19), 0.06666666666666667, relative: 1e-12)  // 0.1 / (1 + 0.5 * 1)
        expectClose(stairs.learningRate(at: 20), 0.05, relative: 1e-12)                 // 0.1 / (1 + 0.5 * 2)
        #expect(smooth.learningRate(at: Int.max) > 0)
    }

    @Test func kerasClassicDecayIsInverseTimeWithOneStep() throws {
        // keras 2 SGD(lr=0.01, decay=1e-4): 0.01 * (1 / (1 + 1e-4 * t)).
        let s = try #require(schedule(.inverseTime(lr: 0.01, decayRate: 1e-4, decaySteps: 1, staircase: false)))
        expectClose(s.learningRate(at: 1000), 0.00909090909090909, relative: 1e-12)
        expectClose(s.learningRate(at: 12_345), 0.00447527411053927, relative: 1e-12)
    }

    @Test func kerasStepDropLandsOneStepBeforeStepLR() throws {
        let s = try #require(schedule(.stepDrop(lr: 0.1, drop: 0.5, epochsDrop: 10)))
        for k in 0...8 { expectClose(s.learningRate(at: k), 0.1, relative: 1e-12, "epoch \(k)") }  // floor((1+k)/10) = 0
        expectClose(s.learningRate(at: 9), 0.05, relative: 1e-12)    // 0.1 * 0.5 ** floor(10/10)
        expectClose(s.learningRate(at: 19), 0.025, relative: 1e-12)  // 0.1 * 0.5 ** floor(20/10)
        let stepLR = try #require(schedule(.step(lr: 0.1, stepSize: 10, gamma: 0.5)))
        for k in 0..<50 { #expect(s.learningRate(at: k) == stepLR.learningRate(at: k + 1), "epoch \(k)") }
        // epochs_drop 1 drops already at epoch 0: 0.1 * 0.5 ** floor(1/1).
        let every = try #require(schedule(.stepDrop(lr: 0.1, drop: 0.5, epochsDrop: 1)))
        expectClose(every.learningRate(at: 0), 0.05, relative: 1e-12)
        #expect(s.learningRate(at: Int.max) >= 0)
    }

    @Test func tensorflowPiecewiseConstantHoldsEachValueThroughItsBoundary() throws {
        // The TF docstring's example: boundaries [100000, 110000], values [1.0, 0.5, 0.1].
        let s = try PiecewiseConstant(boundaries: [100_000, 110_000], values: [1.0, 0.5, 0.1])
        let expected: [(Int, Double)] = [(0, 1.0), (100_000, 1.0), (100_001, 0.5), (110_000, 0.5), (110_001, 0.1),
                                         (Int.max, 0.1)]
        for (k, e) in expected { #expect(s.learningRate(at: k) == e, "step \(k)") }
        #expect(try PiecewiseConstant(boundaries: [], values: [0.3]).learningRate(at: 7) == 0.3)
    }

    @Test func tableHoldsItsLastValue() throws {
        let s = try #require(schedule(.table(lrs: [0.1, 0.05, 0.025], csv: nil)))
        #expect([0, 1, 2, 3, 1000, Int.max].map(s.learningRate(at:)) == [0.1, 0.05, 0.025, 0.025, 0.025, 0.025])
    }

    @Test func rangeErrorsNameTheParameter() {
        #expect(makeError(.exponentialRate(lr: 0.1, decayRate: 0, decaySteps: 10, staircase: false))
                == "exponential: decay_rate must be > 0, got 0")
        #expect(makeError(.exponentialRate(lr: 0.1, decayRate: 0.9, decaySteps: 0, staircase: false))
                == "exponential: decay_steps must be a positive integer, got 0")
        #expect(makeError(.exponentialToFinal(lr: 0.1, finalLR: -1, totalSteps: 10)) == "exponential: final_lr must be > 0, got -1")
        #expect(makeError(.exponentialToFinal(lr: 1e-300, finalLR: 1e300, totalSteps: 10))
                == "exponential: final_lr must be a ratio final_lr/lr that is a positive finite number, got 1e+300")
        #expect(makeError(.inverseTime(lr: 0.1, decayRate: -0.5, decaySteps: 1, staircase: false))
                == "inverse_time: decay_rate must be >= 0, got -0.5")
        #expect(makeError(.stepDrop(lr: 0.1, drop: 0.5, epochsDrop: -3)) == "step: epochs_drop must be a positive integer, got -3")
        #expect(makeError(.piecewise(boundaries: [10, 10], values: [1, 2, 3]))
                == "piecewise: boundaries[1] must be > boundaries[0] (10): boundaries must increase strictly, got 10")
        #expect(makeError(.piecewise(boundaries: [10, 20], values: [1, 2]))
                == "piecewise: values must be one more than boundaries (3 values for 2 boundaries), got 2 values")
        #expect(makeError(.piecewise(boundaries: [-1], values: [1, 2])) == "piecewise: boundaries[0] must be an integer >= 0, got -1")
        #expect(makeError(.piecewise(boundaries: [1], values: [1, .nan])) == "piecewise: values[1] must be a finite number, got NaN")
        #expect(makeError(.table(lrs: [], csv: nil)) == "table: lrs must be a non-empty list of LRs, got []")
        #expect(makeError(.table(lrs: [0.1, -0.1], csv: nil)) == "table: lrs[1] must be >= 0, got -0.1")
    }
}
