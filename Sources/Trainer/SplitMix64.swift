// The trainer's only source of randomness: a seeded SplitMix64, per-trial seed derivation, uniforms, Gaussians, shuffles.

import Foundation

/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014; the
/// generator Java's SplittableRandom uses): a 64-bit state advanced by the golden-ratio increment and
/// mixed by two xor-shift-multiply rounds.
///
/// ```
/// state ← state + 0x9E3779B97F4A7C15
/// z ← (state ⊕ state≫30)·0xBF58476D1CE4E5B9;  z ← (z ⊕ z≫27)·0x94D049BB133111EB;  return z ⊕ z≫31
/// ```
///
/// A value type with no global state: every trial owns one, seeded from the trial's seed, so the same
/// seed gives the same numbers on every run and on every thread.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
    public private(set) var state: UInt64
    public init(seed: UInt64) { state = seed }

    /// γ, the golden-ratio increment: after j calls of `next()` the state is seed + j·γ.
    public static var increment: UInt64 { 0x9E37_79B9_7F4A_7C15 }

    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The seed of child `index` of `base` (a trial of a search, a repeat of a trial): one SplitMix64
/// output of a state mixed from both, so neighbouring indices give unrelated streams.
public func deriveSeed(_ base: UInt64, _ index: UInt64) -> UInt64 {
    var g = SplitMix64(seed: base ^ (index &* 0xD1B5_4A32_D192_ED03))
    return g.next()
}

extension RandomNumberGenerator {
    /// Uniform in [0, 1) with 53 random bits: `(next() >> 11) · 2⁻⁵³`.
    @inline(__always)
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Standard normal by Box–Muller on two uniforms (the sine half is discarded, keeping no state):
    ///
    /// ```
    /// z = √(−2 ln u₁) · cos(2π u₂),   u₁ ∈ (0, 1], u₂ ∈ [0, 1)
    /// ```
    public mutating func nextGaussian() -> Double {
        let u1 = 1 - nextUniform()
        let u2 = nextUniform()
        return (-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Shuffles `indices` uniformly in place (Fisher–Yates, `next(upperBound:)` per position).
    public mutating func shuffle(_ indices: inout [Int]) {
        var i = indices.count - 1
        while i > 0 {
            let j = Int(next(upperBound: UInt64(i + 1)))
            indices.swapAt(i, j)
            i -= 1
        }
    }
}
