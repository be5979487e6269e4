// The model's forward pass, loss, and backward pass over the preallocated buffers.

extension MLP {
    /// Forward pass on the first `rows` rows of the input buffer. `training` selects BatchNorm batch
    /// statistics (and updates the running ones); otherwise the running statistics are used.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public mutating func forward(rows: Int, training: Bool) {
        precondition(rows > 0 && rows <= maxBatch, "rows must be in 1...\(maxBatch), got \(rows)")
        var gemm = GEMM<T>()
        swap(&gemm, &self.gemm)
        defer { swap(&gemm, &self.gemm) }
        let eps = T(config.batchNormEps), momentum = T(config.batchNormMomentum)
        let layers = self.layers, threads = self.threads
        parameters.withUnsafeMutableBufferPointer { pb in
            runningStatistics.withUnsafeMutableBufferPointer { sb in
                arena.withUnsafeMutableBufferPointer { ab in
                    guard let p = pb.baseAddress, let a = ab.baseAddress else { return }
                    let s = sb.baseAddress ?? a  // no BatchNorm: never read
                    for L in layers {
                        let (n, c) = (L.fanIn, L.fanOut)
                        let z = a + L.z
                        // Without BatchNorm the activation reads z (h == z): bias and activation go into
                        // the product's epilogue, split over its threads.
                        let fused = L.runningMean == nil ? L.activation : nil
                        gemm.multiply(.nn, m: rows, n: c, k: n, a: a + L.input, lda: n, b: p + L.weight, ldb: c,
                                      c: z, ldc: c, accumulate: false, threads: threads,
                                      epilogue: GEMMEpilogue(bias: L.bias.map { UnsafePointer(p + $0) },
                                                             activation: fused, out: fused == nil ? nil : a + L.out))
                        if let rm = L.runningMean, let rv = L.runningVar {
                            let gamma = L.gamma.map { UnsafePointer(p + $0) }
                            let beta = L.beta.map { UnsafePointer(p + $0) }
                            if training {
                                BatchNormKernels.forwardTraining(
                                    x: z, rows: rows, c: c, eps: eps, momentum: momentum, gamma: gamma, beta: beta,
                                    runningMean: s + rm, runningVar: s + rv, mean: a + L.stats,
                                    invStd: a + L.stats + c, xhat: a + L.xhat, y: a + L.h)
                            } else {
                                BatchNormKernels.forwardEvaluation(
                                    x: z, rows: rows, c: c, eps: eps, gamma: gamma, beta: beta,
                                    runningMean: s + rm, runningVar: s + rv, invStd: a + L.stats + c,
                                    xhat: a + L.xhat, y: a + L.h)
                            }
                        }
                        if let f = L.activation, fused == nil {
                            ActivationKernels.forward(f, x: a + L.h, y: a + L.out, count: rows * c)
                        }
                    }
                }
            }
        }
    }

    /// The loss of the last forward pass against the first `rows` targets: returns the *sum* over rows
    /// of the per-row loss (cross-entropy, or squared error summed over outputs) and, for
    /// classification, the number of correct arg-max predictions. With `gradient`, also writes
    /// dL/d(outputs) of the batch-mean loss (PyTorch `reduction="mean"`) for `backward`.
    ///
    /// `units` (regression only, one value per output or empty): weights σₖ² of each output's squared
    /// error in the returned sum, so that a model trained on standardised targets reports its loss in
    /// the original units; the gradient is that of the unweighted loss.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public mutating func loss(_ kind: LossKind, rows: Int, gradient: Bool, units: [Double] = []) -> (sum: Double, correct: Int) {
        guard let last = layers.last else { return (0, 0) }
        let (out, tgt, g, o) = (last.out, targetOffset, gradOffsets.0, outputs)
        precondition(units.isEmpty || units.count == o, "units needs one value per output, got \(units.count)")
        return arena.withUnsafeMutableBufferPointer { ab -> (sum: Double, correct: Int) in
            guard let a = ab.baseAddress else { return (0, 0) }
            switch kind {
            case .softmaxCrossEntropy:
                return LossKernels.softmaxCrossEntropy(
                    logits: a + out, labels: a + tgt, rows: rows, classes: o,
                    grad: gradient ? a + g : nil, scale: 1 / T(rows))
            case .meanSquaredError:
                let sum = units.withUnsafeBufferPointer { ub in
                    LossKernels.meanSquaredError(
                        predictions: a + out, targets: a + tgt, rows: rows, outputs: o, units: ub.isEmpty ? nil : ub.baseAddress,
                        grad: gradient ? a + g : nil, scale: 1 / T(rows * o))
                }
                return (sum / Double(o), 0)
            }
        }
    }

    /// Adds, per output k, Σᵢ (pᵢₖ − tᵢₖ)² and Σᵢ |pᵢₖ − tᵢₖ| over the first `rows` rows of the last
    /// forward pass (regression; the units of the targets the model was given).
    func accumulateErrors(rows: Int, into errors: inout RegressionErrors) {
        guard let last = layers.last, errors.squared.count == outputs else { return }
        let o = outputs
        for r in 0..<rows {
            for k in 0..<o {
                let d = Double(arena[last.out + r * o + k]) - Double(arena[targetOffset + r * o + k])
                errors.squared[k] += d * d
                errors.absolute[k] += abs(d)
            }
        }
    }

    /// Backward pass after a training-mode `forward` and `loss(gradient: true)` on the same `rows`:
    /// fills `gradients` (overwriting them; no zeroing needed between steps).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public mutating func backward(rows: Int) {
        var gemm = GEMM<T>()
        swap(&gemm, &self.gemm)
        defer { swap(&gemm, &self.gemm) }
        let layers = self.layers, threads = self.threads
        var (g, other) = gradOffsets
        parameters.withUnsafeMutableBufferPointer { pb in
            gradients.withUnsafeMutableBufferPointer { gb in
                arena.withUnsafeMutableBufferPointer { ab in
                    guard let p = pb.baseAddress, let dp = gb.baseAddress, let a = ab.baseAddress else { return }
                    // The layer above applied this layer's activation derivative in its dX product.
                    var derivativeDone = false
                    for (l, L) in layers.enumerated().reversed() {
                        let (n, c) = (L.fanIn, L.fanOut)
                        let dy = a + g
                        if let f = L.activation, !derivativeDone {
                            ActivationKernels.backward(f, x: a + L.h, y: a + L.out, g: dy, count: rows * c)
                        }
                        if L.runningMean != nil {
                            let dGamma = L.gamma.map { dp + $0 } ?? (a + L.stats + 2 * c)
                            let dBeta = L.beta.map { dp + $0 } ?? (a + L.stats + 3 * c)
                            BatchNormKernels.backward(g: dy, rows: rows, c: c, xhat: a + L.xhat,
                                                      invStd: a + L.stats + c, gamma: L.gamma.map { UnsafePointer(p + $0) },
                                                      dGamma: dGamma, dBeta: dBeta)
                        }
                        if L.trainable {
                            // The bias gradient Σ_r dy[r, j] is the product's epilogue (column sums of B).
                            gemm.multiply(.tn, m: n, n: c, k: rows, a: a + L.input, lda: n, b: dy, ldb: c,
                                          c: dp + L.weight, ldc: c, accumulate: false, threads: threads,
                                          epilogue: GEMMEpilogue(columnSums: L.bias.map { dp + $0 }))
                        }
                        derivativeDone = false
                        if l > 0 {
                            let below = layers[l - 1]
                            gemm.multiply(.nt, m: rows, n: n, k: c, a: dy, lda: c, b: p + L.weight, ldb: c,
                                          c: a + other, ldc: n, accumulate: false, threads: threads,
                                          epilogue: GEMMEpilogue(derivative: below.activation, x: a + below.h,
                                                                 y: a + below.out))
                            derivativeDone = below.activation != nil
                            swap(&g, &other)
                        }
                    }
                }
            }
        }
    }
}
