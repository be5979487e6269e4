// Shared helpers for the trainer tests: schedulers built in code and small random fixtures.

import LRSchedules
import Trainer

/// A constant learning rate `lr` (`LRScheduler.constant`). Named like the stand-in type it replaced, so
/// tests written against it read the same.
func ConstantLR(_ lr: Double) -> LRScheduler { .constant(lr) }

/// `base`, halved every `every` steps (StepLR with gamma 0.5: exact in binary).
func HalvingLR(base: Double, every: Int) -> LRScheduler {
    LRScheduler(instance: .schedule(StepDecay(lr: base, stepSize: every, gamma: 0.5)))
}

func randomArray(_ count: Int, seed: UInt64, scale: Double = 1) -> [Double] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in scale * (2 * rng.nextUniform() - 1) }
}
