// SGD (momentum, dampening, Nesterov), Adam and AdamW with PyTorch's update rules, weight decay modes and clipping.

import Dispatch

/// How weight decay enters the update (λ per optimizer step; η is the LR of the step).
///
/// ```
/// none
/// coupled(λ):    g ← g + λ·θ                    (PyTorch SGD/Adam `weight_decay`: L2 in the gradient)
/// decoupled(λ):  θ ← (1 − η·λ)·θ, then the update (PyTorch AdamW `weight_decay`; shrink scales with η)
/// new(λnew):     θ ← (1 − λnew)·θ − η·update     (Li & Arora's reparameterisation; shrink independent of η)
/// ```
public enum WeightDecay: Sendable, Equatable {
    case none
    case coupled(Double)
    case decoupled(Double)
    case new(Double)
}

/// An optimizer's hyperparameters (everything but the LR, which comes from the schedule each step).
public struct OptimizerConfig: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case sgd, adam, adamw
    }
    public var kind: Kind
    /// SGD: PyTorch `momentum`, `dampening`, `nesterov`.
    public var momentum: Double
    public var dampening: Double
    public var nesterov: Bool
    /// Adam/AdamW: `betas` and `eps`.
    public var beta1: Double
    public var beta2: Double
    public var eps: Double
    public var weightDecay: WeightDecay
    /// Leaves biases and BatchNorm γ, β out of weight decay.
    public var exemptBiasAndNorm: Bool
    /// Rescales the gradient to this global L2 norm when it is larger (PyTorch `clip_grad_norm_`).
    public var gradClip: Double?

    public init(kind: Kind = .sgd, momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false,
                beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8, weightDecay: WeightDecay = .none,
                exemptBiasAndNorm: Bool = false, gradClip: Double? = nil) {
        self.kind = kind
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        self.exemptBiasAndNorm = exemptBiasAndNorm
        self.gradClip = gradClip
    }
}

/// The optimizer state (momentum buffer, or Adam's two moments and step count) over a flat parameter
/// vector, and the update rule.
///
/// SGD, exactly `torch.optim.SGD` (b is the momentum buffer, μ the momentum, τ the dampening):
/// ```
/// d = g (+ λθ if coupled)
/// b = d on the first step (unless an initial buffer was set), else b = μ·b + (1 − τ)·d
/// d = d + μ·b if nesterov, else b
/// θ ← shrink(θ) − η·d
/// ```
/// Adam/AdamW, exactly `torch.optim.Adam`/`AdamW` (t counts steps from 1):
/// ```
/// m = β₁m + (1 − β₁)d      v = β₂v + (1 − β₂)d²
/// θ ← shrink(θ) − (η/(1 − β₁ᵗ)) · m / (√v/√(1 − β₂ᵗ) + ε)
/// ```
/// `shrink` is (1 − ηλ) for decoupled decay, (1 − λnew) for new, 1 otherwise (see `WeightDecay`).
/// Frozen segments are skipped; the gradient clip uses the trainable segments only.
public struct Optimizer<T: TrainerScalar>: Sendable {
    /// Segments shorter than this are updated on one thread (2¹⁵ elements: a chunk below ~16K floats
    /// costs less than waking a worker).
    public static var parallelMinimum: Int { 1 << 15 }

    public private(set) var config: OptimizerConfig
    /// SGD momentum buffer, or Adam's first moment.
    public private(set) var first: [T]
    /// Adam's second moment (empty for SGD).
    public private(set) var second: [T]
    public private(set) var steps = 0
    private var bufferStarted = false

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public init(config: OptimizerConfig, parameterCount: Int) {
        self.config = config
        let stateful = config.kind != .sgd || config.momentum != 0
        first = [T](repeating: 0, count: stateful ? parameterCount : 0)
        second = [T](repeating: 0, count: config.kind == .sgd ? 0 : parameterCount)
    }

    /// Sets the SGD momentum buffer before the first step, so the first step is b = μ·b₀ + (1 − τ)·d
    /// rather than b = d (the ExpLR equivalence starts from b₀ = −((1 − α)/(αη))·θ₀).
    public mutating func setMomentumBuffer(_ values: [T]) {
        precondition(config.kind == .sgd && config.momentum != 0, "only SGD with momentum has a buffer")
        precondition(values.count == first.count, "buffer has \(values.count) values, expected \(first.count)")
        first = values
        bufferStarted = true
    }

    /// The global L2 norm of the trainable gradients.
    public static func gradientNorm(_ gradients: [T], segments: [ParameterSegment]) -> Double {
        var sum = 0.0
        for s in segments where s.trainable {
            for i in s.range { sum += Double(gradients[i]) * Double(gradients[i]) }
        }
        return sum.squareRoot()
    }

    /// One update of `parameters` from `gradients` with learning rate `lr`. Clipping, if configured,
    /// rescales `gradients` in place first: g ← g · min(1, c/(‖g‖ + 1e-6)).
    ///
    /// `momentum`, when given, replaces the configured SGD momentum (Adam: β₁, bias correction
    /// included) for this step, as PyTorch's CyclicLR and OneCycleLR do by writing the param group's
    /// `momentum` or `betas[0]` before each step. An SGD buffer that did not exist (momentum 0) starts
    /// at the first step with a non-zero momentum, with b = d.
    ///
    /// `threads` > 1 splits each segment of at least `parallelMinimum` elements into contiguous chunks
    /// of about that size, updated concurrently on up to `threads` threads (`forEachChunk`); the update
    /// is elementwise, so the result is the same.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public mutating func step(parameters: inout [T], gradients: inout [T], segments: [ParameterSegment], lr: Double,
                              momentum: Double? = nil, threads: Int = 1) {
        var config = self.config
        if let momentum {
            if config.kind == .sgd { config.momentum = momentum } else { config.beta1 = momentum }
            if config.kind == .sgd, momentum != 0, first.count != parameters.count {
                first = [T](repeating: 0, count: parameters.count)  // once: the buffer PyTorch creates lazily
                bufferStarted = false
            }
        }
        if let clip = config.gradClip {
            let norm = Self.gradientNorm(gradients, segments: segments)
            let coefficient = clip / (norm + 1e-6)
            if coefficient < 1 {
                let f = T(coefficient)
                for s in segments where s.trainable { for i in s.range { gradients[i] *= f } }
            }
        }
        steps += 1
        let started = bufferStarted
        if config.kind != .sgd || config.momentum != 0 { bufferStarted = true }
        parameters.withUnsafeMutableBufferPointer { pb in
            gradients.withUnsafeBufferPointer { gb in
                first.withUnsafeMutableBufferPointer { mb in
                    second.withUnsafeMutableBufferPointer { vb in
                        guard let p = pb.baseAddress, let g = gb.baseAddress else { return }
                        for s in segments where s.trainable {
                            let decays = !(config.exemptBiasAndNorm && s.kind != .weight)
                            let rule = UpdateRule<T>(config, lr: lr, step: steps, decays: decays, started: started)
                            let (lo, count) = (s.range.lowerBound, s.range.count)
                            // An empty array may still have a (dangling) base address: decide by config.
                            let sgd = config.kind == .sgd
                            let m = sgd && config.momentum == 0 ? nil : mb.baseAddress.map { $0 + lo }
                            let v = sgd ? nil : vb.baseAddress.map { $0 + lo }
                            if !sgd && (m == nil || v == nil) { continue }
                            let state = OptimizerState(p: p + lo, g: g + lo, m: m, v: v)
                            if threads <= 1 || count < Self.parallelMinimum {
                                state.update(rule, sgd: sgd, range: 0..<count)
                            } else {
                                // Chunks of ~2¹⁵ elements taken on demand (see `forEachChunk`).
                                let chunks = Swift.max(threads, count / Self.parallelMinimum)
                                forEachChunk(chunks, threads: threads) { t in
                                    state.update(rule, sgd: sgd, range: (t * count / chunks)..<((t + 1) * count / chunks))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One segment's buffers as the update threads see them. `@unchecked Sendable`: each thread updates a
/// disjoint range of elements, and `forEachChunk` returns only when all are done.
struct OptimizerState<T: TrainerScalar>: @unchecked Sendable {
    let p: UnsafeMutablePointer<T>
    let g: UnsafePointer<T>
    /// SGD momentum buffer (nil without momentum) or Adam's first moment.
    let m: UnsafeMutablePointer<T>?
    /// Adam's second moment (nil for SGD).
    let v: UnsafeMutablePointer<T>?

    @inline(__always)
    func update(_ rule: UpdateRule<T>, sgd: Bool, range: Range<Int>) {
        let lo = range.lowerBound
        if sgd {
            rule.sgd(p + lo, g + lo, m.map { $0 + lo }, count: range.count)
        } else if let m, let v {
            rule.adam(p + lo, g + lo, m + lo, v + lo, count: range.count)
        }
    }
}

// MARK: - State kept by snapshots (TrainingState, population-based training)

extension Optimizer {
    /// Whether the SGD buffer (Adam: the moments) has been started (b = d happens only on the first step).
    public var bufferHasStarted: Bool { bufferStarted }

    /// Puts back state taken from `first`, `second`, `steps` and `bufferHasStarted`; false (and
    /// nothing changed) when a buffer's length is neither 0 nor `parameterCount`, or `steps` < 0.
    public mutating func restore(first: [T], second: [T], steps: Int, bufferStarted: Bool,
                                 parameterCount: Int) -> Bool {
        guard [0, parameterCount].contains(first.count), [0, parameterCount].contains(second.count), steps >= 0
        else { return false }
        self.first = first
        self.second = second
        self.steps = steps
        self.bufferStarted = bufferStarted
        return true
    }

    /// Replaces the weight decay from the next step on (PBT explores `lambda_new` between epochs).
    public mutating func setWeightDecay(_ decay: WeightDecay) {
        config.weightDecay = decay
    }
}
