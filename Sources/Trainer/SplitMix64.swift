// A small seeded random number generator and the per-trial seed derivation.

/// SplitMix64 (Steele, Lea & Flood 2014; the generator Java's SplittableRandom uses): a 64-bit state
/// advanced by the golden-ratio increment and mixed by two xor-shift-multiply rounds.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64
    public init(seed: UInt64) { state = seed }

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
