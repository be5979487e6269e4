// R² and mean absolute error of a regression model on the validation split, in the target's original units.

/// Per-output sums of squared and absolute errors over an evaluation pass (standardised units).
struct RegressionErrors {
    var squared: [Double]
    var absolute: [Double]

    init(outputs: Int) {
        squared = [Double](repeating: 0, count: outputs)
        absolute = squared
    }
}

/// What the validation metrics of a regression run compare against, fixed for the run: per output k,
/// the total sum of squares of the validation targets about their own mean, SStotₖ = Σᵢ (tᵢₖ − t̄ₖ)²
/// (standardised units), and σₖ, the training split's standard deviation that maps errors back.
struct RegressionReference {
    let sst: [Double]
    let std: [Double]

    /// nil unless `std` is non-empty (a regression dataset) and `split` has rows.
    init?(_ split: DataSplit, std: [Double]) {
        let o = std.count
        guard o > 0, split.count > 0, split.y.count == split.count * o else { return nil }
        var mean = [Double](repeating: 0, count: o)
        for i in 0..<split.count { for k in 0..<o { mean[k] += Double(split.y[i * o + k]) } }
        for k in 0..<o { mean[k] /= Double(split.count) }
        var sst = [Double](repeating: 0, count: o)
        for i in 0..<split.count {
            for k in 0..<o {
                let t = Double(split.y[i * o + k]) - mean[k]
                sst[k] += t * t
            }
        }
        self.sst = sst
        self.std = std
    }

    /// scikit-learn's `r2_score` (multioutput "uniform_average", `force_finite=True`) and
    /// `mean_absolute_error`, in original units:
    ///
    /// ```
    /// R²ₖ = 1 − SSresₖ / SStotₖ     (1 when both are 0; 0 when only SStotₖ is 0)     R² = mean over k
    /// MAE = Σᵢₖ σₖ·|pᵢₖ − tᵢₖ| / (rows·outputs)
    /// ```
    ///
    /// R² is the same in standardised and original units (both sums scale by σₖ²).
    func metrics(_ e: RegressionErrors, rows: Int) -> (r2: Double, mae: Double) {
        let o = sst.count
        var r2 = 0.0, absolute = 0.0
        for k in 0..<o {
            if sst[k] > 0 {
                r2 += 1 - e.squared[k] / sst[k]
            } else {
                r2 += e.squared[k] == 0 ? 1 : 0
            }
            absolute += std[k] * e.absolute[k]
        }
        return (r2 / Double(o), absolute / (Double(rows) * Double(o)))
    }
}
