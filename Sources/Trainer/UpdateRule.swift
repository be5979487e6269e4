// The per-element update loops of SGD and Adam, with the step's scalars resolved once per segment.

import Foundation

/// The scalars of one optimizer step for one parameter segment, converted to T, and the two loops
/// that apply them (see `Optimizer` for the formulas).
struct UpdateRule<T: TrainerScalar> {
    let lr: T
    let coupled: T        // λ added to the gradient (0 if none)
    let shrink: T         // θ multiplier before the update (1 if none)
    let momentum: T
    let dampening: T
    let nesterov: Bool
    let started: Bool     // SGD: the momentum buffer holds a value
    let beta1: T, beta2: T, eps: T
    let stepSize: T       // Adam: η / (1 − β₁ᵗ)
    let invSqrtBC2: T     // Adam: 1 / √(1 − β₂ᵗ)

    init(_ c: OptimizerConfig, lr: Double, step: Int, decays: Bool, started: Bool) {
        var coupled = 0.0, shrink = 1.0
        if decays {
            switch c.weightDecay {
            case .none: break
            case .coupled(let l): coupled = l
            case .decoupled(let l): shrink = 1 - lr * l
            case .new(let l): shrink = 1 - l
            }
        }
        self.lr = T(lr)
        self.coupled = T(coupled)
        self.shrink = T(shrink)
        momentum = T(c.momentum)
        dampening = T(c.dampening)
        nesterov = c.nesterov
        self.started = started
        beta1 = T(c.beta1)
        beta2 = T(c.beta2)
        eps = T(c.eps)
        let bc1 = 1 - pow(c.beta1, Double(step))  // as PyTorch: 1 - beta1 ** step
        let bc2 = 1 - pow(c.beta2, Double(step))
        stepSize = T(lr / bc1)
        invSqrtBC2 = T(1 / bc2.squareRoot())
    }

    /// SGD over `count` elements; `buffer` is nil without momentum.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @inline(__always)
    func sgd(_ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ buffer: UnsafeMutablePointer<T>?, count: Int) {
        // The scalars in locals and one loop per (started, nesterov) case: with the tests inside the loop,
        // or the fields read through `self` (in a chunk closure, memory the stores might alias), LLVM
        // keeps the loop scalar — 3× slower on the multithreaded path. Same operations in every case.
        let (lr, coupled, shrink, momentum) = (self.lr, self.coupled, self.shrink, self.momentum)
        guard let b = buffer else {
            for i in 0..<count { p[i] = shrink * p[i] - lr * (g[i] + coupled * p[i]) }
            return
        }
        let keep = 1 - dampening
        switch (started, nesterov) {
        case (true, false):
            for i in 0..<count {
                let d = g[i] + coupled * p[i]
                let bi = momentum * b[i] + keep * d
                b[i] = bi
                p[i] = shrink * p[i] - lr * bi
            }
        case (true, true):
            for i in 0..<count {
                let d = g[i] + coupled * p[i]
                let bi = momentum * b[i] + keep * d
                b[i] = bi
                p[i] = shrink * p[i] - lr * (d + momentum * bi)
            }
        case (false, false):
            for i in 0..<count {
                let d = g[i] + coupled * p[i]
                b[i] = d
                p[i] = shrink * p[i] - lr * d
            }
        case (false, true):
            for i in 0..<count {
                let d = g[i] + coupled * p[i]
                b[i] = d
                p[i] = shrink * p[i] - lr * (d + momentum * d)
            }
        }
    }

    /// Adam over `count` elements with moments `m`, `v`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @inline(__always)
    func adam(_ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ m: UnsafeMutablePointer<T>,
              _ v: UnsafeMutablePointer<T>, count: Int) {
        let (beta1, beta2, coupled, shrink) = (self.beta1, self.beta2, self.coupled, self.shrink)
        let (eps, stepSize, invSqrtBC2) = (self.eps, self.stepSize, self.invSqrtBC2)
        for i in 0..<count {
            let d = g[i] + coupled * p[i]
            let mi = beta1 * m[i] + (1 - beta1) * d
            let vi = beta2 * v[i] + (1 - beta2) * d * d
            m[i] = mi
            v[i] = vi
            let denom = vi.squareRoot() * invSqrtBC2 + eps
            p[i] = shrink * p[i] - stepSize * (mi / denom)
        }
    }
}
