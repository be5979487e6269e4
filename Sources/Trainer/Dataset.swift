// A loaded dataset: standardised features and targets, split once into training and validation rows.

/// Classification (with class names) or regression (with the number of outputs).
public enum TaskKind: Sendable, Equatable {
    case classification(classes: [String])
    case regression(outputs: Int)

    public var outputs: Int {
        switch self {
        case .classification(let classes): return classes.count
        case .regression(let outputs): return outputs
        }
    }

    public var loss: LossKind {
        if case .classification = self { return .softmaxCrossEntropy }
        return .meanSquaredError
    }

    public var isClassification: Bool {
        if case .classification = self { return true }
        return false
    }
}

/// Rows before splitting: `x` is (count, features) row-major, `y` is (count, outputs) — class indices
/// for classification.
public struct LabeledData: Sendable, Equatable {
    public var name: String
    public var featureNames: [String]
    public var task: TaskKind
    public var x: [Double]
    public var y: [Double]

    public init(name: String, featureNames: [String], task: TaskKind, x: [Double], y: [Double]) {
        self.name = name
        self.featureNames = featureNames
        self.task = task
        self.x = x
        self.y = y
    }

    public var features: Int { featureNames.count }
    public var count: Int { features == 0 ? 0 : x.count / features }
}

/// The rows of one split, in Float: `x` is (count, features), `y` is (count, outputs) for regression or
/// (count) class indices for classification.
public struct DataSplit: Sendable, Equatable {
    public var x: [Float]
    public var y: [Float]
    public var count: Int
}

/// A dataset ready for training: immutable arrays, safe to share read-only across concurrent trials.
///
/// Features are standardised with the *training* split's statistics, x' = (x − μ_train)/σ_train
/// (σ = 1 for a constant column), so no validation information leaks into training.
public struct Dataset: Sendable, Equatable {
    public var name: String
    public var task: TaskKind
    public var featureNames: [String]
    public var train: DataSplit
    public var validation: DataSplit
    /// Regression: per output, the training split's target mean μₖ and standard deviation σₖ (σ = 1 for
    /// a constant target); both splits' `y` hold (y − μₖ)/σₖ. Empty for classification.
    public var targetMean: [Double] = []
    public var targetStd: [Double] = []

    public var features: Int { featureNames.count }
    public var outputs: Int { task.outputs }
    /// Values per target row: 1 (a class index) for classification, `outputs` for regression.
    public var targetWidth: Int { task.isClassification ? 1 : task.outputs }

    /// Splits `data` into training and validation rows with `splitSeed` and standardises the features.
    ///
    /// Classification splits every class separately (stratified): round(n_c · valFraction) of class c's
    /// rows, chosen by a seeded shuffle, go to validation. Regression shuffles all rows the same way.
    /// Both splits keep the original row order. The same data and seed give the same split.
    public init(_ data: LabeledData, valFraction: Double, splitSeed: UInt64 = 0) {
        precondition(valFraction >= 0 && valFraction < 1, "valFraction must be in [0, 1), got \(valFraction)")
        var rng = SplitMix64(seed: splitSeed)
        let n = data.count
        var isValidation = [Bool](repeating: false, count: n)
        var groups: [[Int]]
        if case .classification(let classes) = data.task {
            groups = Array(repeating: [], count: classes.count)
            for i in 0..<n { groups[Int(data.y[i])].append(i) }
        } else {
            groups = [Array(0..<n)]
        }
        for var group in groups where !group.isEmpty {
            rng.shuffle(&group)
            let take = Int((Double(group.count) * valFraction).rounded())
            for i in group.prefix(min(take, group.count - 1)) { isValidation[i] = true }
        }
        let d = data.features, w = data.task.isClassification ? 1 : data.task.outputs
        let trainRows = (0..<n).filter { !isValidation[$0] }
        let valRows = (0..<n).filter { isValidation[$0] }
        var mean = [Double](repeating: 0, count: d), std = [Double](repeating: 0, count: d)
        for r in trainRows { for j in 0..<d { mean[j] += data.x[r * d + j] } }
        for j in 0..<d { mean[j] /= Double(max(trainRows.count, 1)) }
        for r in trainRows { for j in 0..<d { let t = data.x[r * d + j] - mean[j]; std[j] += t * t } }
        for j in 0..<d {
            let s = (std[j] / Double(max(trainRows.count, 1))).squareRoot()
            std[j] = s > 1e-12 ? s : 1
        }
        func split(_ rows: [Int]) -> DataSplit {
            var x = [Float](), y = [Float]()
            x.reserveCapacity(rows.count * d)
            y.reserveCapacity(rows.count * w)
            for r in rows {
                for j in 0..<d { x.append(Float((data.x[r * d + j] - mean[j]) / std[j])) }
                for k in 0..<w { y.append(Float(data.y[r * w + k])) }
            }
            return DataSplit(x: x, y: y, count: rows.count)
        }
        name = data.name
        task = data.task
        featureNames = data.featureNames
        train = split(trainRows)
        validation = split(valRows)
        standardizeRegressionTargets()
    }

    /// σₖ² per output: the factor that turns a squared error on standardised targets into original units.
    public var targetUnitScale: [Double] { targetStd.map { $0 * $0 } }

    // MARK: - Regression targets

    /// Regression: standardises the targets of both splits with the training split's per-output mean
    /// and (population) standard deviation, as the features are, so that the learning rate does not
    /// depend on the target's scale: y' = (y − μₖ)/σₖ, σₖ = 1 for a constant column. Losses and metrics
    /// are reported back in the original units (`Trainer.run`).
    mutating func standardizeRegressionTargets() {
        guard case .regression(let o) = task, o > 0, train.count > 0, train.y.count == train.count * o else { return }
        var mean = [Double](repeating: 0, count: o), std = [Double](repeating: 0, count: o)
        for i in 0..<train.count { for k in 0..<o { mean[k] += Double(train.y[i * o + k]) } }
        for k in 0..<o { mean[k] /= Double(train.count) }
        for i in 0..<train.count {
            for k in 0..<o {
                let t = Double(train.y[i * o + k]) - mean[k]
                std[k] += t * t
            }
        }
        for k in 0..<o {
            let s = (std[k] / Double(train.count)).squareRoot()
            std[k] = s > 1e-12 && s.isFinite ? s : 1
        }
        func standardize(_ y: inout [Float]) {
            for i in y.indices {
                let k = i % o
                y[i] = Float((Double(y[i]) - mean[k]) / std[k])
            }
        }
        standardize(&train.y)
        if validation.y.count == validation.count * o { standardize(&validation.y) }
        targetMean = mean
        targetStd = std
    }
}
