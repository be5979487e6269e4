// The model: a stack of Dense/BatchNorm/activation layers over one flat parameter vector and one activation arena.

import Dispatch

/// A weight matrix as the initialisation threads see it (each writes a disjoint chunk).
struct InitTarget<T>: @unchecked Sendable {
    let p: UnsafeMutablePointer<T>
}

/// A multilayer perceptron with every buffer allocated once, at `init`, for batches of up to
/// `maxBatch` rows: parameters and gradients are flat vectors (the optimizer walks them in one loop),
/// activations live in one arena (llm.c style), and a step with fewer rows (the last partial batch)
/// uses a prefix of the same buffers. Forward, loss and backward allocate nothing.
///
/// Layout of layer l (`W` is (fan_in, fan_out) row-major, so a batch X (rows, fan_in) gives
/// `Z = X·W + b`; backward uses `dW = Xᵀ·dZ` and `dX = dZ·Wᵀ`, the three GEMM forms).
public struct MLP<T: TrainerScalar>: Sendable {
    public let config: ModelConfig
    public let inputs: Int
    public let outputs: Int
    public let maxBatch: Int
    /// All trainable (and frozen) parameters, laid out as `segments` says.
    public var parameters: [T]
    /// dL/dθ after `backward`, same layout as `parameters`; zero for frozen segments.
    public var gradients: [T]
    /// BatchNorm running means and variances (not trained).
    public var runningStatistics: [T]
    public let segments: [ParameterSegment]

    let layers: [LayerLayout]
    var arena: [T]
    let inputOffset: Int      // (maxBatch, inputs)
    let targetOffset: Int     // (maxBatch, outputs)
    let gradOffsets: (Int, Int)  // two (maxBatch, widest) buffers for dL/d(activations)
    var gemm = GEMM<T>()
    /// Threads the next forward and backward passes may split their large GEMMs over (see `CoreBudget`);
    /// the results are the same for any value.
    public var threads = 1

    /// Builds the model and initialises it from `rng` (weights in layer order, row-major).
    ///
    /// `threads` > 1 draws large weight matrices on that many threads; the weights are the same to the
    /// bit (see `initializeWeights`).
    public init<R: RandomNumberGenerator>(inputs: Int, outputs: Int, config: ModelConfig, maxBatch: Int,
                                          threads: Int = 1, using rng: inout R) {
        precondition(inputs > 0 && outputs > 0 && maxBatch > 0, "MLP needs positive sizes")
        precondition(config.hidden.allSatisfy { $0 > 0 }, "hidden widths must be positive, got \(config.hidden)")
        self.config = config
        self.inputs = inputs
        self.outputs = outputs
        self.maxBatch = maxBatch
        var params = 0, stats = 0, arena = 0
        func take(_ n: Int, _ counter: inout Int) -> Int { defer { counter += n }; return counter }
        let widths = [inputs] + config.hidden + [outputs]
        inputOffset = take(maxBatch * inputs, &arena)
        targetOffset = take(maxBatch * outputs, &arena)
        let widest = widths.max() ?? inputs
        gradOffsets = (take(maxBatch * widest, &arena), take(maxBatch * widest, &arena))
        var layers: [LayerLayout] = []
        var segments: [ParameterSegment] = []
        var input = inputOffset
        for l in 0..<(widths.count - 1) {
            let (fanIn, fanOut) = (widths[l], widths[l + 1])
            let isOutput = l == widths.count - 2
            let trainable = !(isOutput && config.freezeOutputLayer)
            let norm = config.batchNorm && !isOutput
            let affine = norm && config.batchNormAffine
            let weight = take(fanIn * fanOut, &params)
            segments.append(ParameterSegment(kind: .weight, layer: l, range: weight..<params, trainable: trainable))
            let bias = config.bias ? take(fanOut, &params) : nil
            if let bias { segments.append(ParameterSegment(kind: .bias, layer: l, range: bias..<params, trainable: trainable)) }
            let gamma = affine ? take(fanOut, &params) : nil
            if let gamma { segments.append(ParameterSegment(kind: .normScale, layer: l, range: gamma..<params, trainable: true)) }
            let beta = affine ? take(fanOut, &params) : nil
            if let beta { segments.append(ParameterSegment(kind: .normShift, layer: l, range: beta..<params, trainable: true)) }
            let z = take(maxBatch * fanOut, &arena)
            let xhat = norm ? take(maxBatch * fanOut, &arena) : z
            let h = norm ? take(maxBatch * fanOut, &arena) : z
            let out = isOutput ? h : take(maxBatch * fanOut, &arena)
            layers.append(LayerLayout(
                fanIn: fanIn, fanOut: fanOut, weight: weight, bias: bias, gamma: gamma, beta: beta,
                runningMean: norm ? take(fanOut, &stats) : nil, runningVar: norm ? take(fanOut, &stats) : nil,
                activation: isOutput ? nil : config.activation, trainable: trainable,
                input: input, z: z, xhat: xhat, h: h, out: out, stats: take(4 * fanOut, &arena)))
            input = out
        }
        self.layers = layers
        self.segments = segments
        self.arena = [T](repeating: 0, count: arena)
        self.parameters = [T](repeating: 0, count: params)
        self.gradients = [T](repeating: 0, count: params)
        self.runningStatistics = [T](repeating: 0, count: stats)
        for layer in layers {
            if let v = layer.runningVar { for j in 0..<layer.fanOut { runningStatistics[v + j] = 1 } }
            if let g = layer.gamma { for j in 0..<layer.fanOut { parameters[g + j] = 1 } }
            initializeWeights(layer, threads: threads, using: &rng)
        }
        for layer in layers { gemm.reserve(k: max(layer.fanIn, layer.fanOut, maxBatch), n: widest) }
    }

    /// Weight matrices with fewer entries than this are drawn on one thread.
    public static var parallelInitMinimum: Int { 1 << 15 }

    /// Draws layer `layer`'s weights in row-major order: He, √(2/fan_in)·N(0, 1) (two uniforms per
    /// weight), or Xavier, U(−a, a) (one uniform per weight).
    ///
    /// With a `SplitMix64` (every trial's generator) and `threads` > 1, a large matrix is split into
    /// contiguous chunks drawn concurrently: SplitMix64's state after j draws is state + j·γ, so each
    /// chunk starts its own generator where the single-threaded loop would be, and the generator ends
    /// where that loop leaves it. The weights and the rest of the stream are bit-identical. (One
    /// thread spends ~70 ns per He weight on log and cos: 75–120 ms of a [1024, 1024] model.)
    private mutating func initializeWeights<R: RandomNumberGenerator>(_ layer: LayerLayout, threads: Int,
                                                                      using rng: inout R) {
        let count = layer.fanIn * layer.fanOut
        let he = config.resolvedInitialization == .he
        let scale = he ? (2.0 / Double(layer.fanIn)).squareRoot()
                       : (6.0 / Double(layer.fanIn + layer.fanOut)).squareRoot()
        let draws = UInt64(he ? 2 : 1)
        let chunks = threads > 1 && count >= Self.parallelInitMinimum ? threads : 1
        if chunks > 1, let start = (rng as? SplitMix64)?.state, let end = SplitMix64(seed: start
            &+ UInt64(count) &* draws &* SplitMix64.increment) as? R {
            parameters.withUnsafeMutableBufferPointer { pb in
                guard let base = pb.baseAddress else { return }
                let target = InitTarget(p: base + layer.weight)
                forEachChunk(chunks, threads: chunks) { t in
                    let (lo, hi) = (t * count / chunks, (t + 1) * count / chunks)
                    var g = SplitMix64(seed: start &+ UInt64(lo) &* draws &* SplitMix64.increment)
                    let w = target.p
                    if he {
                        for i in lo..<hi { w[i] = T(scale * g.nextGaussian()) }
                    } else {
                        for i in lo..<hi { w[i] = T(scale * (2 * g.nextUniform() - 1)) }
                    }
                }
            }
            rng = end
            return
        }
        if he {
            for i in 0..<count { parameters[layer.weight + i] = T(scale * rng.nextGaussian()) }
        } else {
            for i in 0..<count { parameters[layer.weight + i] = T(scale * (2 * rng.nextUniform() - 1)) }
        }
    }

    /// The number of scalars in `parameters`.
    public var parameterCount: Int { parameters.count }

    /// The values of parameter segment `kind` of layer `layer` (a copy; for tests and inspection).
    public func parameters(layer: Int, kind: ParameterSegment.Kind) -> [T] {
        guard let s = segments.first(where: { $0.layer == layer && $0.kind == kind }) else { return [] }
        return Array(parameters[s.range])
    }

    /// Runs `body` on the input buffer (maxBatch × inputs) and the target buffer (maxBatch × outputs
    /// for regression; class indices in the first maxBatch entries for classification).
    public mutating func withInputAndTargets<R>(
        _ body: (UnsafeMutableBufferPointer<T>, UnsafeMutableBufferPointer<T>) -> R
    ) -> R {
        let (i, t, n, o, b) = (inputOffset, targetOffset, inputs, outputs, maxBatch)
        return arena.withUnsafeMutableBufferPointer { ar in
            guard let base = ar.baseAddress else { preconditionFailure("empty arena") }
            return body(UnsafeMutableBufferPointer(start: base + i, count: b * n),
                        UnsafeMutableBufferPointer(start: base + t, count: b * o))
        }
    }

    /// The model outputs of the last forward pass, rows × outputs (a copy; for tests and inspection).
    public func lastOutputs(rows: Int) -> [T] {
        guard let last = layers.last else { return [] }
        return Array(arena[last.out..<(last.out + rows * outputs)])
    }

    /// Where in a layer to look: the Dense output z, the BatchNorm output (== z without BatchNorm),
    /// or the activation output (== the BatchNorm output for the output layer).
    public enum Stage: Sendable { case dense, normalized, activated }

    /// Values of layer `layer` at `stage` from the last forward pass, rows × width (a copy).
    public func layerOutput(_ layer: Int, _ stage: Stage, rows: Int) -> [T] {
        guard layers.indices.contains(layer) else { return [] }
        let L = layers[layer]
        let start = stage == .dense ? L.z : stage == .normalized ? L.h : L.out
        return Array(arena[start..<(start + rows * L.fanOut)])
    }

    /// BatchNorm running mean and variance of hidden layer `layer` (empty without BatchNorm).
    public func runningStatistics(layer: Int) -> (mean: [T], variance: [T]) {
        guard layers.indices.contains(layer), let m = layers[layer].runningMean, let v = layers[layer].runningVar
        else { return ([], []) }
        let c = layers[layer].fanOut
        return (Array(runningStatistics[m..<(m + c)]), Array(runningStatistics[v..<(v + c)]))
    }

    /// Sets the values of parameter segment `kind` of layer `layer` (for tests and custom initialisation).
    public mutating func setParameters(layer: Int, kind: ParameterSegment.Kind, _ values: [T]) {
        guard let s = segments.first(where: { $0.layer == layer && $0.kind == kind }) else {
            preconditionFailure("layer \(layer) has no \(kind) parameters")
        }
        precondition(values.count == s.range.count, "expected \(s.range.count) values, got \(values.count)")
        parameters.replaceSubrange(s.range, with: values)
    }

    /// Copies `x` (rows × inputs) and `y` (rows × target width) into the input and target buffers.
    public mutating func setBatch(x: [T], y: [T]) {
        withInputAndTargets { xb, yb in
            precondition(x.count <= xb.count && y.count <= yb.count, "batch larger than maxBatch")
            for i in x.indices { xb[i] = x[i] }
            for i in y.indices { yb[i] = y[i] }
        }
    }
}
