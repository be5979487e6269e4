// PBT's explore step: resample a hyperparameter from its distribution, or perturb it by a factor.

import JSON5
import Trainer

/// The explore step of Ray Tune's `explore()` (python/ray/tune/schedulers/pbt.py), per hyperparameter:
///
/// ```
/// continuous (uniform, loguniform, int):
///     with probability resample_probability: a fresh draw from the distribution
///     otherwise: value × f, f drawn uniformly from `factors` (Ray: 1.2 or 0.8, each with probability ½),
///                clamped to the distribution's [low, high] (int: rounded to the nearest integer)
/// choice:
///     with probability resample_probability, or when the value is not one of the choices: a random choice
///     otherwise: the neighbouring choice below or above (each with probability ½), clamped at the ends
/// ```
/// Ray does not clamp a perturbed value; here it stays inside the range the spec allows (so the
/// replayed config passes the same checks as any trial's).
enum PBTExplore {
    static func explore(_ value: Double, in d: Distribution, settings: PBTSettings, rng: inout SplitMix64) -> Double {
        let resample = uniform(&rng) < settings.resampleProbability
        switch d {
        case .fixed:
            return value
        case .uniform(let a, let b), .logUniform(let a, let b):
            if resample { return number(d.value(at: uniform(&rng))) ?? value }
            return min(max(value * factor(settings, &rng), a), b)
        case .int(let a, let b):
            if resample { return number(d.value(at: uniform(&rng))) ?? value }
            return min(max((value * factor(settings, &rng)).rounded(), Double(a)), Double(b))
        case .choice(let values):
            let numbers = values.compactMap(number)
            guard !numbers.isEmpty else { return value }
            guard !resample, let i = numbers.firstIndex(of: value) else {
                return numbers[Int(rng.next() % UInt64(numbers.count))]
            }
            let j = rng.next() & 1 == 0 ? max(0, i - 1) : min(numbers.count - 1, i + 1)
            return numbers[j]
        }
    }

    static func factor(_ s: PBTSettings, _ rng: inout SplitMix64) -> Double {
        s.factors[Int(rng.next() % UInt64(s.factors.count))]
    }

    /// A uniform double in [0, 1) from 53 random bits.
    static func uniform(_ rng: inout SplitMix64) -> Double { unit(rng.next()) }

    static func number(_ v: JSONValue) -> Double? {
        if case .number(let x) = v { return x }
        return nil
    }
}
