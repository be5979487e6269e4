// BatchNorm1d over (rows, channels) row-major buffers: batch statistics in training, running ones in evaluation.

/// Batch normalisation kernels, with PyTorch's `BatchNorm1d` semantics.
///
/// Training (batch of n rows, per channel c):
/// ```
/// μ = Σᵢ xᵢ / n        σ² = Σᵢ (xᵢ − μ)² / n   (biased, used to normalise)
/// x̂ = (x − μ) / √(σ² + ε)        y = γ·x̂ + β   (γ = 1, β = 0 without affine)
/// running_mean ← (1 − m)·running_mean + m·μ
/// running_var  ← (1 − m)·running_var  + m·σ²·n/(n − 1)   (unbiased, as PyTorch)
/// ```
/// Evaluation: `x̂ = (x − running_mean) / √(running_var + ε)`. Defaults m = 0.1, ε = 1e-5; ε = 0 is
/// allowed (a zero-variance channel then gives a non-finite loss and the trial ends `diverged`).
///
/// Backward (training mode), with `Σ` over the batch:
/// ```
/// dβ = Σ dy      dγ = Σ dy·x̂      dx = γ/√(σ² + ε) · (dy − dβ/n − x̂·dγ/n)
/// ```
enum BatchNormKernels<T: TrainerScalar> {
    /// Normalises `x` (rows × c) with batch statistics into `xhat` and `y`, saves 1/√(σ²+ε) in
    /// `invStd` (c), and updates the running statistics. `mean` is scratch (c). Needs rows ≥ 2.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @inline(__always)
    static func forwardTraining(x: UnsafePointer<T>, rows: Int, c: Int, eps: T, momentum: T,
                                gamma: UnsafePointer<T>?, beta: UnsafePointer<T>?,
                                runningMean: UnsafeMutablePointer<T>, runningVar: UnsafeMutablePointer<T>,
                                mean: UnsafeMutablePointer<T>, invStd: UnsafeMutablePointer<T>,
                                xhat: UnsafeMutablePointer<T>, y: UnsafeMutablePointer<T>) {
        precondition(rows >= 2, "BatchNorm in training needs at least 2 rows, got \(rows)")
        let n = T(rows)
        mean.update(repeating: 0, count: c)
        invStd.update(repeating: 0, count: c)  // holds Σ(x − μ)² first
        for r in 0..<rows {
            let row = x + r * c
            for j in 0..<c { mean[j] += row[j] }
        }
        for j in 0..<c { mean[j] /= n }
        for r in 0..<rows {
            let row = x + r * c
            for j in 0..<c {
                let d = row[j] - mean[j]
                invStd[j] += d * d
            }
        }
        let unbias = n / (n - 1)
        for j in 0..<c {
            let variance = invStd[j] / n
            runningMean[j] = (1 - momentum) * runningMean[j] + momentum * mean[j]
            runningVar[j] = (1 - momentum) * runningVar[j] + momentum * variance * unbias
            invStd[j] = 1 / (variance + eps).squareRoot()
        }
        normalize(x: x, rows: rows, c: c, mean: UnsafePointer(mean), invStd: UnsafePointer(invStd),
                  gamma: gamma, beta: beta, xhat: xhat, y: y)
    }

    /// Normalises with the running statistics (evaluation mode). `mean`/`invStd` are scratch (c).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @inline(__always)
    static func forwardEvaluation(x: UnsafePointer<T>, rows: Int, c: Int, eps: T,
                                  gamma: UnsafePointer<T>?, beta: UnsafePointer<T>?,
                                  runningMean: UnsafePointer<T>, runningVar: UnsafePointer<T>,
                                  invStd: UnsafeMutablePointer<T>,
                                  xhat: UnsafeMutablePointer<T>, y: UnsafeMutablePointer<T>) {
        for j in 0..<c { invStd[j] = 1 / (runningVar[j] + eps).squareRoot() }
        normalize(x: x, rows: rows, c: c, mean: runningMean, invStd: UnsafePointer(invStd),
                  gamma: gamma, beta: beta, xhat: xhat, y: y)
    }

    @inline(__always)
    static func normalize(x: UnsafePointer<T>, rows: Int, c: Int, mean: UnsafePointer<T>, invStd: UnsafePointer<T>,
                          gamma: UnsafePointer<T>?, beta: UnsafePointer<T>?,
                          xhat: UnsafeMutablePointer<T>, y: UnsafeMutablePointer<T>) {
        for r in 0..<rows {
            let xr = x + r * c, hr = xhat + r * c, yr = y + r * c
            for j in 0..<c { hr[j] = (xr[j] - mean[j]) * invStd[j] }
            if let gamma, let beta {
                for j in 0..<c { yr[j] = gamma[j] * hr[j] + beta[j] }
            } else {
                yr.update(from: hr, count: c)
            }
        }
    }

    /// Turns `g` = dL/dy (rows × c) into dL/dx in place. Writes dγ, dβ into `dGamma`, `dBeta` (c),
    /// which are scratch when the layer has no affine parameters.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @inline(__always)
    static func backward(g: UnsafeMutablePointer<T>, rows: Int, c: Int, xhat: UnsafePointer<T>,
                         invStd: UnsafePointer<T>, gamma: UnsafePointer<T>?,
                         dGamma: UnsafeMutablePointer<T>, dBeta: UnsafeMutablePointer<T>) {
        dGamma.update(repeating: 0, count: c)
        dBeta.update(repeating: 0, count: c)
        for r in 0..<rows {
            let gr = g + r * c, hr = xhat + r * c
            for j in 0..<c {
                dBeta[j] += gr[j]
                dGamma[j] += gr[j] * hr[j]
            }
        }
        let invN = 1 / T(rows)
        for r in 0..<rows {
            let gr = g + r * c, hr = xhat + r * c
            for j in 0..<c {
                let scale = (gamma?[j] ?? 1) * invStd[j]
                gr[j] = scale * (gr[j] - invN * dBeta[j] - invN * hr[j] * dGamma[j])
            }
        }
    }
}
