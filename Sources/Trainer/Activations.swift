// Element-wise activations (ReLU, tanh, GELU) forward and backward over contiguous buffers.

/// The hidden-layer nonlinearity.
///
/// ```
/// relu(x) = max(0, x)                     relu'(x) = [x > 0]
/// tanh(x)                                 tanh'(x) = 1 − tanh²(x)
/// gelu(x) = x·Φ(x),  Φ(x) = ½(1 + erf(x/√2))   gelu'(x) = Φ(x) + x·φ(x),  φ(x) = e^(−x²/2)/√(2π)
/// ```
///
/// GELU is the exact (erf) form, PyTorch's `nn.GELU()` default, not the tanh approximation.
public enum Activation: String, Sendable, Equatable, CaseIterable {
    case relu, tanh, gelu
}

enum ActivationKernels<T: TrainerScalar> {
    /// `y[i] = f(x[i])` for `count` elements.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @inline(__always)
    static func forward(_ f: Activation, x: UnsafePointer<T>, y: UnsafeMutablePointer<T>, count: Int) {
        switch f {
        case .relu:
            for i in 0..<count {
                let v = x[i]
                y[i] = v > 0 ? v : 0
            }
        case .tanh:
            for i in 0..<count { y[i] = T.hyperbolicTangent(x[i]) }
        case .gelu:
            let invSqrt2 = T(0.70710678118654752440)
            for i in 0..<count { y[i] = x[i] * T(0.5) * (1 + T.errorFunction(x[i] * invSqrt2)) }
        }
    }

    /// `g[i] ← g[i]·f'(x[i])` in place, given the input `x` and the output `y = f(x)`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @inline(__always)
    static func backward(_ f: Activation, x: UnsafePointer<T>, y: UnsafePointer<T>, g: UnsafeMutablePointer<T>,
                         count: Int) {
        switch f {
        case .relu:
            // A multiply by the 0/1 mask, not a select: LLVM turns `v > 0 ? g : 0` into a conditional
            // store of 0, which does not vectorise (2× slower trials).
            for i in 0..<count {
                let mask: T = x[i] > 0 ? 1 : 0
                g[i] = g[i] * mask
            }
        case .tanh:
            for i in 0..<count { g[i] = g[i] * (1 - y[i] * y[i]) }
        case .gelu:
            let invSqrt2 = T(0.70710678118654752440)
            let invSqrt2Pi = T(0.39894228040143267794)
            for i in 0..<count {
                let v = x[i]
                let cdf = T(0.5) * (1 + T.errorFunction(v * invSqrt2))
                let pdf = invSqrt2Pi * T.exponential(-T(0.5) * v * v)
                g[i] = g[i] * (cdf + v * pdf)
            }
        }
    }
}
