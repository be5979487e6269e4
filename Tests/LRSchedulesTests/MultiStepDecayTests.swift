// MultiStepLR: PyTorch's documented example, and unsorted or repeated milestones as PyTorch counts them.

import LRSchedules
import TestSupport
import Testing

@Suite struct MultiStepDecayTests {
    @Test func pytorchDocExampleDecaysAtThirtyAndEighty() throws {
        // torch MultiStepLR docstring: 0.05 if epoch < 30, 0.005 if 30 <= epoch < 80, 0.0005 if epoch >= 80.
        let lrs = try #require(stepped(.multistep(lr: 0.05, milestones: [30, 80], gamma: 0.1), 100))
        for k in 0..<100 {
            expectClose(lrs[k], k < 30 ? 0.05 : k < 80 ? 0.005 : 0.0005, relative: 1e-12, "step \(k)")
        }
    }

    @Test func repeatedMilestoneAppliesGammaOncePerRepeat() throws {
        // derivation: milestones {10: 1, 50: 2, 200: 1}, gamma 0.5 → 0.1, 0.05 at 10, 0.0125 at 50, 0.00625 at 200.
        let spec = ScheduleSpec.multistep(lr: 0.1, milestones: [50, 10, 50, 200], gamma: 0.5)
        let lrs = try #require(stepped(spec, 320))
        let s = try #require(schedule(spec))
        for (k, e) in [(9, 0.1), (10, 0.05), (49, 0.05), (50, 0.0125), (199, 0.0125), (200, 0.00625), (319, 0.00625)] {
            #expect(lrs[k] == e, "stepped, step \(k)")
            expectClose(s.learningRate(at: k), e, relative: 1e-15, "closed form, step \(k)")
        }
    }

    @Test func milestoneZeroAppliesAtTheInitialStep() throws {
        // derivation: torch applies a milestone at 0 in the constructor's step: 0.1·0.9 = 0.09, then 0.9³ at 5.
        let lrs = try #require(stepped(.multistep(lr: 0.1, milestones: [0, 5, 5, 5], gamma: 0.9), 8))
        #expect(lrs[0] == 0.09000000000000001)  // torch 2.15: 0.1 * 0.9
        #expect(lrs[5] == 0.06561000000000002)  // torch 2.15: 0.09 * 0.9**3
    }

    @Test func negativeMilestoneIsRejected() {
        #expect(makeError(.multistep(lr: 0.1, milestones: [10, -1], gamma: 0.1))
                == "multistep: milestones[1] must be an integer >= 0, got -1")
    }
}
