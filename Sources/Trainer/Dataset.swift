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

/// Rows before splitting: `x` is (count, features) row-major in Float32, `y` is (count, outputs) — class
/// indices for classification. With `validationFrom`, rows from that index on are a given validation set.
public struct LabeledData: Sendable, Equatable {
    public var name: String
    public var featureNames: [String]
    public var task: TaskKind
    public var x: [Float]
    public var y: [Double]
    /// Rows `validationFrom...` are the validation set (from a separate file); nil: split by a fraction.
    public var validationFrom: Int?
    /// How the data was read, for `validate`: the task and why, rows dropped.
    public var notes: [String] = []

    public init(name: String, featureNames: [String], task: TaskKind, x: [Float], y: [Double]) {
        self.name = name
        self.featureNames = featureNames
        self.task = task
        self.x = x
        self.y = y
    }

    /// Generated data in Float64, stored rounded to Float32.
    public init(name: String, featureNames: [String], task: TaskKind, x: [Double], y: [Double]) {
        self.init(name: name, featureNames: featureNames, task: task, x: x.map { Float($0) }, y: y)
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
    /// From `LabeledData.notes`.
    public var notes: [String]
    /// Regression: per output, the training split's target mean μₖ and standard deviation σₖ (σ = 1 for
    /// a constant target); both splits' `y` hold (y − μₖ)/σₖ. Empty for classification.
    public var targetMean: [Double] = []
    public var targetStd: [Double] = []

    public var features: Int { featureNames.count }
    public var outputs: Int { task.outputs }
    /// Values per target row: 1 (a class index) for classification, `outputs` for regression.
    public var targetWidth: Int { task.isClassification ? 1 : task.outputs }

    /// Rows per class (training + validation), in class order; empty for regression.
    public var classCounts: [Int] {
        guard case .classification(let classes) = task else { return [] }
        var counts = [Int](repeating: 0, count: classes.count)
        for y in train.y + validation.y where y >= 0 && y < Float(counts.count) { counts[Int(y)] += 1 }
        return counts
    }

    /// Splits `data` into training and validation rows with `splitSeed` and standardises the features.
    ///
    /// Classification splits every class separately (stratified): round(n_c · valFraction) of class c's
    /// rows, chosen by a seeded shuffle, go to validation, but a class keeps at least one training row.
    /// Regression shuffles all rows the same way. Both splits keep the original row order. The same data
    /// and seed give the same split. With `data.validationFrom` the split is given and `valFraction` unused.
    /// The matrix is standardised in place when `data` is not shared, so loading needs about 1.2× the matrix.
    /// - Throws: `valFraction` outside [0, 1), or a split without validation or with no training rows.
    public init(_ data: consuming LabeledData, valFraction: Double, splitSeed: UInt64 = 0) throws(DatasetError) {
        let n = data.count
        let isValidation = try Self.validationRows(data, valFraction: valFraction, splitSeed: splitSeed)
        let d = data.features, w = data.task.isClassification ? 1 : data.task.outputs
        let valRows = (0..<n).filter { isValidation[$0] }
        let trainCount = n - valRows.count
        guard trainCount > 0 else { throw DatasetError("no training rows (every row went to validation)") }
        var x: [Float] = []
        swap(&x, &data.x)  // unique now unless the caller keeps its own copy: then one copy is made below
        var mean = [Double](repeating: 0, count: d), std = [Double](repeating: 0, count: d)
        x.withUnsafeBufferPointer { xs in
            for r in 0..<n where !isValidation[r] { for j in 0..<d { mean[j] += Double(xs[r * d + j]) } }
            for j in 0..<d { mean[j] /= Double(trainCount) }
            for r in 0..<n where !isValidation[r] {
                for j in 0..<d { let t = Double(xs[r * d + j]) - mean[j]; std[j] += t * t }
            }
        }
        for j in 0..<d {
            let s = (std[j] / Double(trainCount)).squareRoot()
            std[j] = s > 1e-12 ? s : 1
        }
        // Validation rows are copied out first; training rows then move up in place (row r goes to a
        // position ≤ r, so nothing is overwritten before it is read).
        var vx = [Float](), vy = [Float](), ty = [Float]()
        vx.reserveCapacity(valRows.count * d)
        vy.reserveCapacity(valRows.count * w)
        ty.reserveCapacity(trainCount * w)
        for r in valRows { for j in 0..<d { vx.append(Float((Double(x[r * d + j]) - mean[j]) / std[j])) } }
        x.withUnsafeMutableBufferPointer { xs in
            var out = 0
            for r in 0..<n where !isValidation[r] {
                for j in 0..<d { xs[out * d + j] = Float((Double(xs[r * d + j]) - mean[j]) / std[j]) }
                out += 1
            }
        }
        x.removeLast(valRows.count * d)
        for r in 0..<n { for k in 0..<w { (isValidation[r] ? { vy.append($0) } : { ty.append($0) })(Float(data.y[r * w + k])) } }
        name = data.name
        task = data.task
        featureNames = data.featureNames
        notes = data.notes
        train = DataSplit(x: x, y: ty, count: trainCount)
        validation = DataSplit(x: vx, y: vy, count: valRows.count)
        standardizeRegressionTargets()
    }

    /// Which rows go to validation: the given ones (`validationFrom`), or a seeded, stratified fraction.
    static func validationRows(_ data: borrowing LabeledData, valFraction: Double, splitSeed: UInt64)
        throws(DatasetError) -> [Bool]
    {
        let n = data.count
        var isValidation = [Bool](repeating: false, count: n)
        if let from = data.validationFrom {
            for i in max(0, min(from, n))..<n { isValidation[i] = true }
            return isValidation
        }
        guard valFraction >= 0 && valFraction < 1 else {
            throw DatasetError("val_fraction must be in (0, 1), got \(valFraction)")
        }
        var rng = SplitMix64(seed: splitSeed)
        var groups: [[Int]]
        if case .classification(let classes) = data.task {
            groups = Array(repeating: [], count: classes.count)
            for i in 0..<n where data.y[i] >= 0 && data.y[i] < Double(classes.count) { groups[Int(data.y[i])].append(i) }
        } else {
            groups = [Array(0..<n)]
        }
        for var group in groups where !group.isEmpty {
            rng.shuffle(&group)
            let take = Int((Double(group.count) * valFraction).rounded())
            for i in group.prefix(min(take, group.count - 1)) { isValidation[i] = true }
        }
        guard isValidation.contains(true) else {
            throw DatasetError(noValidationRows(n: n, groups: groups, valFraction: valFraction,
                                                classification: data.task.isClassification))
        }
        return isValidation
    }

    static func noValidationRows(n: Int, groups: [[Int]], valFraction: Double, classification: Bool) -> String {
        let vf = "\(valFraction)"
        guard classification else {
            return "leaves no validation rows: round(\(n) rows × \(vf)) = 0; use a larger val_fraction or a separate val_csv"
        }
        let largest = groups.map(\.count).max() ?? 0
        return "leaves no validation rows: \(n) rows in \(groups.count) classes (the largest has \(largest) rows), "
            + "round(rows × \(vf)) is 0 for every class and each class keeps one training row; "
            + "use a larger val_fraction or a separate val_csv"
    }

    /// σₖ² per output: the factor that turns a squared error on standardised targets into original units.
    public var targetUnitScale: [Double] { targetStd.map { $0 * $0 } }

    // MARK: - Regression targets

    /// Regression: standardises the targets of both splits with the training split's per-output mean
    /// and (population) standard deviation, as the features are, so that the learning rate does not
    /// depend on the target's scale: y' = (y − μₖ)/σₖ, σₖ = 1 for a constant column. Losses and metrics
    /// are reported back in the original units (`Training.run`).
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
