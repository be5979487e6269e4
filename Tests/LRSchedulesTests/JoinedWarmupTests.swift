// SequentialLR (Joined) and the Warmup wrapper: each inner schedule counts its own steps from its milestone.

import LRSchedules
import TestSupport
import Testing

@Suite struct JoinedWarmupTests {
    @Test func innerSchedulesRestartAtTheirMilestones() throws {
        // derivation: constant ½ for 5 steps; exponential 0.95 from 30 (step 31 = 0.095); step decay from 100.
        let spec = ScheduleSpec.sequence(
            schedules: [.constant(lr: 0.1, factor: 0.5, totalIters: 5), .exponential(lr: 0.1, gamma: 0.95),
                        .step(lr: 0.1, stepSize: 20, gamma: 0.5)],
            milestones: [30, 100])
        let lrs = try #require(stepped(spec, 130))
        #expect(lrs[4] == 0.05)
        #expect(lrs[5] == 0.1)
        #expect(lrs[30] == 0.1)                  // derivation: exponential's step 0
        expectClose(lrs[31], 0.095, relative: 1e-15)
        #expect(lrs[100] == 0.1)                 // derivation: step decay's step 0
        expectClose(lrs[120], 0.05, relative: 1e-15)
        #expect(lrs[99] == 0.0029035463617657843)  // torch 2.15 SequentialLR: 0.1·0.95^69, stepped
    }

    @Test func warmupRampsLinearlyThenHandsOver() throws {
        // derivation: start 0.1·0.1 = 0.01, +0.009 per step, 0.1 at the handover (cosine's step 0).
        let spec = ScheduleSpec.warmup(schedule: .cosine(lr: 0.1, tMax: 290, etaMin: 0), warmupSteps: 10, startFactor: 0.1)
        let lrs = try #require(stepped(spec, 320))
        let s = try #require(schedule(spec))
        expectClose(lrs[0], 0.01, relative: 1e-14)
        expectClose(lrs[5], 0.055, relative: 1e-14)
        #expect(lrs[10] == 0.1)
        #expect(lrs[300] == 0)                   // derivation: cosine's t_max = 290 steps after the warmup
        for k in [0, 3, 9, 10, 11, 150, 299] { expectClose(s.learningRate(at: k), lrs[k], relative: 1e-13, "step \(k)") }
        #expect(lrs[299] == 2.933860844345219e-06)  // torch 2.15 SequentialLR([LinearLR(0.1, 1, 10), CosineAnnealingLR(290)])
    }

    @Test func zeroWarmupIsTheBaseSchedule() throws {
        let base = ScheduleSpec.exponential(lr: 0.1, gamma: 0.9)
        #expect(stepped(.warmup(schedule: base, warmupSteps: 0, startFactor: 0.5), 20) == stepped(base, 20))
    }

    @Test func sequenceErrorsNameThePlace() {
        let cos = ScheduleSpec.cosine(lr: 0.1, tMax: 10, etaMin: 0)
        #expect(makeError(.sequence(schedules: [cos, cos], milestones: [5, 8]))
                == "sequence: milestones must be one fewer than schedules (1), got 2 milestones")
        #expect(makeError(.sequence(schedules: [cos, cos, cos], milestones: [10, 5]))
                == "sequence: milestones[1] must be > milestones[0] (10), got 5")
        #expect(makeError(.sequence(schedules: [cos, cos], milestones: [0]))
                == "sequence: milestones[0] must be a positive integer, got 0")
        #expect(makeError(.sequence(schedules: [cos, .cosine(lr: 0.1, tMax: 0, etaMin: 0)], milestones: [5]))
                == "cosine: schedules[1].t_max must be a positive integer, got 0")
        #expect(makeError(.sequence(schedules: [cos, .plateau(.init(lr: 0.1))], milestones: [5]))
                == "plateau: schedules[1].family must be a pure schedule here (plateau needs a metric and cannot be nested), got \"plateau\"")
        #expect(makeError(.sequence(schedules: [], milestones: []))
                == "sequence: schedules must be a non-empty list of schedules, got []")
        #expect(makeError(.warmup(schedule: .step(lr: 0.1, stepSize: 5, gamma: 0), warmupSteps: 5, startFactor: 0.1))
                == "step: schedule.gamma must be > 0, got 0")
        #expect(makeError(.warmup(schedule: cos, warmupSteps: -1, startFactor: 0.1))
                == "warmup: warmup_steps must be an integer >= 0, got -1")
    }
}
