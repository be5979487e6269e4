// The Sobol low-discrepancy sequence (Joe & Kuo direction numbers), optionally scrambled.

import Trainer

/// Points of the Sobol sequence in [0, 1)^d, addressed by index, in the order of scipy's
/// `qmc.Sobol(scramble=False)` (Gray-code order): point i is the XOR of the direction numbers
/// of the set bits of gray(i) = i ^ (i >> 1).
///
/// Scrambled (`seed != nil`): a random linear matrix scramble (each direction number multiplied by
/// a random lower-triangular binary matrix with unit diagonal) and a random digital shift, as in
/// scipy's default; it keeps the net's balance and removes the all-zero first point.
///
/// Direction numbers: Joe & Kuo, "Constructing Sobol sequences with better two-dimensional
/// projections", SIAM J. Sci. Comput. 30 (2008), file new-joe-kuo-6.21201, first 32 dimensions.
///
/// - Complexity: O(d · bits) per point.
public struct SobolSequence: Sendable {
    public static let maxDimensions = 32
    static let bits = 32

    /// (primitive polynomial with its leading and trailing bits, initial m values) for dimensions 2…32.
    static let table: [(UInt32, [UInt32])] = [
        (3, [1]), (7, [1, 3]), (11, [1, 3, 1]), (13, [1, 1, 1]), (19, [1, 1, 3, 3]), (25, [1, 3, 5, 13]),
        (37, [1, 1, 5, 5, 17]), (41, [1, 1, 5, 5, 5]), (47, [1, 1, 7, 11, 19]), (55, [1, 1, 5, 1, 1]),
        (59, [1, 1, 1, 3, 11]), (61, [1, 3, 5, 5, 31]), (67, [1, 3, 3, 9, 7, 49]), (91, [1, 1, 1, 15, 21, 21]),
        (97, [1, 3, 1, 13, 27, 49]), (103, [1, 1, 1, 15, 7, 5]), (109, [1, 3, 1, 15, 13, 25]),
        (115, [1, 1, 5, 5, 19, 61]), (131, [1, 3, 7, 11, 23, 15, 103]), (137, [1, 3, 7, 13, 13, 15, 69]),
        (143, [1, 1, 3, 13, 7, 35, 63]), (145, [1, 3, 5, 9, 1, 25, 53]), (157, [1, 3, 1, 13, 9, 35, 107]),
        (167, [1, 3, 1, 5, 27, 61, 31]), (171, [1, 1, 5, 11, 19, 41, 61]), (185, [1, 3, 5, 3, 3, 13, 69]),
        (191, [1, 1, 7, 13, 1, 19, 1]), (193, [1, 3, 7, 5, 13, 19, 59]), (203, [1, 1, 3, 9, 25, 29, 41]),
        (211, [1, 3, 5, 13, 23, 1, 55]), (213, [1, 3, 7, 3, 13, 59, 17]),
    ]

    public let dimensions: Int
    /// directions[d * bits + j]: the j-th direction number of dimension d, left-aligned in 32 bits.
    private let directions: [UInt32]
    private let shifts: [UInt32]

    /// - Parameters:
    ///   - dimensions: 1…32.
    ///   - seed: scramble with this seed; nil for the plain sequence.
    public init(dimensions: Int, seed: UInt64? = nil) {
        precondition((1...Self.maxDimensions).contains(dimensions), "Sobol dimensions must be in 1...32, got \(dimensions)")
        self.dimensions = dimensions
        let b = Self.bits
        var v = [UInt32](repeating: 0, count: dimensions * b)
        for d in 0..<dimensions {
            var m = [UInt32](repeating: 1, count: b)
            if d > 0 {
                let (poly, initial) = Self.table[d - 1]
                let degree = initial.count
                for j in 0..<degree { m[j] = initial[j] }
                for j in degree..<b {
                    var next = m[j - degree]
                    var pow2: UInt32 = 1
                    for k in 0..<degree {
                        pow2 <<= 1
                        if (poly >> UInt32(degree - 1 - k)) & 1 == 1 { next ^= pow2 &* m[j - k - 1] }
                    }
                    m[j] = next
                }
            }
            for j in 0..<b { v[d * b + j] = m[j] << UInt32(b - 1 - j) }
        }
        var shifts = [UInt32](repeating: 0, count: dimensions)
        if let seed {
            var rng = SplitMix64(seed: seed)
            for d in 0..<dimensions {
                // Lower-triangular matrix with unit diagonal, one row per output bit (bit 31 first).
                var rows = [UInt32](repeating: 0, count: b)
                for k in 0..<b {
                    let diagonal = UInt32(1) << UInt32(b - 1 - k)
                    let above = k == 0 ? 0 : ~((diagonal << 1) &- 1)  // the k higher-order bits
                    rows[k] = (UInt32(truncatingIfNeeded: rng.next()) & above) | diagonal
                }
                for j in 0..<b {
                    let x = v[d * b + j]
                    var y: UInt32 = 0
                    for k in 0..<b where (rows[k] & x).nonzeroBitCount % 2 == 1 { y |= UInt32(1) << UInt32(b - 1 - k) }
                    v[d * b + j] = y
                }
                shifts[d] = UInt32(truncatingIfNeeded: rng.next())
            }
        }
        directions = v
        self.shifts = shifts
    }

    /// Point `index` (0, 1, 2, …) of the sequence.
    public func point(_ index: Int) -> [Double] {
        let gray = UInt64(index) ^ (UInt64(index) >> 1)
        var out = [Double](repeating: 0, count: dimensions)
        for d in 0..<dimensions {
            var x = shifts[d]
            var g = gray
            var j = 0
            while g != 0 && j < Self.bits {
                if g & 1 == 1 { x ^= directions[d * Self.bits + j] }
                g >>= 1
                j += 1
            }
            out[d] = Double(x) / 4_294_967_296.0
        }
        return out
    }
}
