// The driver: initial LR, step counting, metric use and momentum, as the trainer sees them.

import LRSchedules
import TestSupport
import Testing

@Suite struct LRSchedulerTests {
    @Test func startsAtTheInitialLRAndCountsSteps() throws {
        var s = try LRScheduler(.step(lr: 0.1, stepSize: 2, gamma: 0.5))
        #expect(s.learningRate == 0.1 && s.stepCount == 0 && !s.needsMetric)
        s.step()
        s.step(metric: 42)  // ignored by pure schedules
        #expect(s.learningRate == 0.05 && s.stepCount == 2)
    }

    /// Schedules built in code: a constant (0 too, which no spec may give) and a pure schedule stepped as
    /// its spec would be.
    @Test func schedulersBuiltInCodeStepLikeTheirSpecs() throws {
        for lr in [0.0, 0.1, 100] {
            var s = LRScheduler.constant(lr)
            for _ in 0..<3 { s.step() }
            #expect(s.learningRate == lr && s.stepCount == 3 && !s.needsMetric && s.momentum == nil, "\(lr)")
        }
        var a = LRScheduler(instance: .schedule(StepDecay(lr: 0.8, stepSize: 3, gamma: 0.5)))
        var b = try LRScheduler(.step(lr: 0.8, stepSize: 3, gamma: 0.5))
        for _ in 0..<7 { a.step(); b.step() }
        #expect(a.learningRate == b.learningRate && a.learningRate == 0.2)  // derivation: 0.8 · 0.5^⌊7/3⌋
    }

    @Test func invalidSpecThrowsTheScheduleError() {
        #expect(throws: ScheduleError(.cosine, "t_max", "-3", "a positive integer")) {
            try LRScheduler(.cosine(lr: 0.1, tMax: -3, etaMin: 0))
        }
    }

    @Test func momentumComesFromCyclingSchedules() throws {
        var s = try LRScheduler(.onecycle(.init(maxLR: 1, totalSteps: 320)))
        #expect(s.momentum == 0.95)  // torch 2.15 OneCycleLR: max_momentum at step 0
        for _ in 0..<95 { s.step() }
        #expect(s.momentum == 0.85)  // torch 2.15: base_momentum at the peak, step 95
        #expect(try LRScheduler(.cosine(lr: 0.1, tMax: 10, etaMin: 0)).momentum == nil)
    }

    @Test func derivedParametersOfOneCycleAndNestedSchedules() {
        let one = ScheduleSpec.onecycle(.init(maxLR: 1, totalSteps: 100)).derivedParameters
        #expect(one.map(\.name) == ["initial_lr", "min_lr"])
        expectClose(one[1].value, 4e-6, relative: 1e-12)  // derivation: 1/25/1e4
        let nested = ScheduleSpec.warmup(schedule: .boundedStep(lr: 1, finalLR: 0.01, updates: 2, totalSteps: 10),
                                         warmupSteps: 3, startFactor: 0.1).derivedParameters
        #expect(nested.map(\.name) == ["schedule.gamma", "schedule.step_size"])
        #expect(nested[1].value == 5)  // derivation: ⌊10/2⌋
    }
}
