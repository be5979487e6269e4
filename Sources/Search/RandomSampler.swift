// Random search: each trial's point drawn from its own seeded stream.

import Trainer

/// Random sampling: the family stratified (`SearchSpec.stratifiedFamily`), then each parameter
/// uniformly in its distribution's unit coordinate, from a SplitMix64 stream seeded by (spec seed,
/// trial index). Ignores the history.
public struct RandomSampler: Sampler {
    public let spec: SearchSpec

    public init(spec: SearchSpec) {
        self.spec = spec
    }

    public func suggest(trial index: Int, history: SamplerHistory) -> TrialPoint {
        var rng = SplitMix64(seed: deriveSeed(spec.seed, UInt64(index)))
        return spec.stratifiedPoint(index) { unit(rng.next()) }
    }
}
