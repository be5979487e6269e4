// Losses over a batch of outputs: fused, stable softmax cross-entropy and mean squared error.

/// The loss a model is trained on; it follows from the task.
public enum LossKind: Sendable, Equatable {
    /// Softmax cross-entropy over `classes` logits; targets are class indices.
    case softmaxCrossEntropy
    /// Mean squared error over the outputs; targets are real vectors.
    case meanSquaredError
}

enum LossKernels<T: TrainerScalar> {
    /// Softmax cross-entropy, fused and stable (log-sum-exp shifted by the row maximum):
    ///
    /// ```
    /// ℓᵢ = log Σⱼ e^(zᵢⱼ − mᵢ) + mᵢ − zᵢ,yᵢ      mᵢ = maxⱼ zᵢⱼ
    /// ∂L/∂zᵢⱼ = (softmax(zᵢ)ⱼ − [j = yᵢ]) · scale     (scale = 1/rows for the batch mean)
    /// ```
    ///
    /// Returns Σᵢ ℓᵢ (in Double) and the number of rows whose arg-max is the label. `labels` hold class
    /// indices as values of T. Writes the gradient into `grad` when it is not nil.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @inline(__always)
    static func softmaxCrossEntropy(logits: UnsafePointer<T>, labels: UnsafePointer<T>, rows: Int, classes: Int,
                                    grad: UnsafeMutablePointer<T>?, scale: T) -> (sum: Double, correct: Int) {
        var total = 0.0
        var correct = 0
        for r in 0..<rows {
            let z = logits + r * classes
            let y = Int(labels[r])
            var best = 0
            var m = z[0]
            for j in 1..<classes where z[j] > m { m = z[j]; best = j }
            if best == y { correct += 1 }
            var s: T = 0
            for j in 0..<classes { s += T.exponential(z[j] - m) }
            let logSum = T.logarithm(s)
            total += Double(logSum + m - z[y])
            if let grad {
                let g = grad + r * classes
                let inv = 1 / s
                for j in 0..<classes { g[j] = T.exponential(z[j] - m) * inv * scale }
                g[y] -= scale
            }
        }
        return (total, correct)
    }

    /// Mean squared error, PyTorch's `MSELoss()` (mean over every element):
    ///
    /// ```
    /// L = Σᵢⱼ (pᵢⱼ − tᵢⱼ)² / (rows·outputs)        ∂L/∂pᵢⱼ = 2(pᵢⱼ − tᵢⱼ) · scale,  scale = 1/(rows·outputs)
    /// ```
    ///
    /// Returns the sum of squared errors (divide by rows·outputs for the mean), each weighted by
    /// `units[k]` for output k when `units` is given (σₖ², to report a loss trained on standardised
    /// targets in the original units: σₖ²(p − t)² = (σₖp + μₖ − (σₖt + μₖ))²). The gradient is not weighted.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @inline(__always)
    static func meanSquaredError(predictions: UnsafePointer<T>, targets: UnsafePointer<T>, rows: Int, outputs: Int,
                                 units: UnsafePointer<Double>?, grad: UnsafeMutablePointer<T>?, scale: T) -> Double {
        var total = 0.0
        for r in 0..<rows {
            for k in 0..<outputs {
                let i = r * outputs + k
                let d = predictions[i] - targets[i]
                let e = Double(d * d)
                total += units == nil ? e : e * units.unsafelyUnwrapped[k]
                if let grad { grad[i] = 2 * d * scale }
            }
        }
        return total
    }
}
