// The element type of the trainer's numerics: Float (the fast path) or Double (reference and equivalence runs).

import Foundation

/// A floating-point type the trainer computes in. The model, the layers, the losses, the optimizers and
/// the GEMM kernels are generic over it and specialised per type, so gradient checks in `Double` exercise
/// exactly the code that trains in `Float`.
public protocol TrainerScalar: BinaryFloatingPoint, SIMDScalar, Sendable, Codable {
    /// eˣ
    static func exponential(_ x: Self) -> Self
    /// ln x
    static func logarithm(_ x: Self) -> Self
    /// tanh x
    static func hyperbolicTangent(_ x: Self) -> Self
    /// erf x = 2/√π ∫₀ˣ e^(−t²) dt
    static func errorFunction(_ x: Self) -> Self
}

extension Float: TrainerScalar {
    @inline(__always) public static func exponential(_ x: Float) -> Float { expf(x) }
    @inline(__always) public static func logarithm(_ x: Float) -> Float { logf(x) }
    @inline(__always) public static func hyperbolicTangent(_ x: Float) -> Float { tanhf(x) }
    @inline(__always) public static func errorFunction(_ x: Float) -> Float { erff(x) }
}

extension Double: TrainerScalar {
    @inline(__always) public static func exponential(_ x: Double) -> Double { Foundation.exp(x) }
    @inline(__always) public static func logarithm(_ x: Double) -> Double { Foundation.log(x) }
    @inline(__always) public static func hyperbolicTangent(_ x: Double) -> Double { Foundation.tanh(x) }
    @inline(__always) public static func errorFunction(_ x: Double) -> Double { Foundation.erf(x) }
}
