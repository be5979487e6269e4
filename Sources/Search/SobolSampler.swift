// Quasi-random search: the parameters from scrambled Sobol points.

import JSON5
import Trainer

/// Sobol sampling: the family stratified as for random search, the parameters from point i of a
/// scrambled Sobol sequence (better coverage than random at small budgets). Ignores the history.
public struct SobolSampler: Sampler {
    public let spec: SearchSpec
    private let sobol: SobolSequence

    /// - Throws: when a trial samples more parameters than the sequence has dimensions.
    public init(spec: SearchSpec) throws(ConfigError) {
        self.spec = spec
        let dims = 1 + spec.commonParameters.count + (spec.schedules.map(\.template.parameters.count).max() ?? 0)
        guard dims <= SobolSequence.maxDimensions else {
            throw ConfigError(path: "sampler", location: nil,
                              message: "sobol supports at most \(SobolSequence.maxDimensions - 1) sampled parameters per trial, this spec has \(dims - 1); use \"random\"")
        }
        sobol = SobolSequence(dimensions: dims, seed: deriveSeed(spec.seed, 0x50B0))
    }

    public func suggest(trial index: Int, history: SamplerHistory) -> TrialPoint {
        let u = sobol.point(index)
        var k = 0
        return spec.stratifiedPoint(index) {
            defer { k += 1 }
            return k < u.count ? u[k] : 0.5
        }
    }
}
