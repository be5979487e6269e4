// Seeded synthetic datasets (spirals, moons, blobs, teacher, sine) and the DatasetSpec that names any dataset.

import Foundation

/// A generated dataset. The same spec (including `seed`) always gives the same rows.
public struct SyntheticSpec: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// `classes` interleaved spiral arms in 2-D (CS231n): r = t, θ = 4(c + t) + noise·N(0,1), t ∈ [0, 1].
        case spirals
        /// Two interleaving half circles in 2-D (scikit-learn `make_moons`), + noise·N(0, I).
        case moons
        /// `classes` Gaussian blobs in `features` dimensions, centres ~ U(−10, 10), std `noise`.
        case blobs
        /// Regression: y = v·tanh(W·x) + noise·N(0,1), x ~ N(0, I) in `features` dims, W (32 × features)
        /// ~ N(0, 1/features), v ~ N(0, 1/32): a random two-layer teacher network.
        case teacher
        /// Regression: y = sin(x) + noise·N(0,1), x ~ U(−π, π).
        case sine
    }

    /// Bounds on a generated dataset's size, so that a typo cannot ask for terabytes: at most
    /// 10,000,000 rows, 100,000 features, 10,000 classes and 100,000,000 values (rows × features).
    public static let maxRows = 10_000_000
    public static let maxFeatures = 100_000
    public static let maxClasses = 10_000
    public static let maxValues = 100_000_000

    public var kind: Kind
    public var n: Int
    public var noise: Double
    public var classes: Int
    public var features: Int
    public var seed: UInt64

    /// Defaults: spirals n 600, noise 0.2, 3 classes; moons n 500, noise 0.1; blobs n 600, noise 1, 3 classes,
    /// 2 features; teacher n 1000, noise 0.1, 10 features; sine n 500, noise 0.1. Seed 0.
    public init(_ kind: Kind, n: Int? = nil, noise: Double? = nil, classes: Int? = nil, features: Int? = nil,
                seed: UInt64 = 0) {
        self.kind = kind
        self.seed = seed
        switch kind {
        case .spirals: (self.n, self.noise, self.classes, self.features) = (600, 0.2, 3, 2)
        case .moons: (self.n, self.noise, self.classes, self.features) = (500, 0.1, 2, 2)
        case .blobs: (self.n, self.noise, self.classes, self.features) = (600, 1.0, 3, 2)
        case .teacher: (self.n, self.noise, self.classes, self.features) = (1000, 0.1, 0, 10)
        case .sine: (self.n, self.noise, self.classes, self.features) = (500, 0.1, 0, 1)
        }
        if let n { self.n = n }
        if let noise { self.noise = noise }
        if let classes, kind == .spirals || kind == .blobs { self.classes = classes }
        if let features, kind == .blobs || kind == .teacher { self.features = features }
    }

    /// Generates the rows.
    public func generate() -> LabeledData {
        var rng = SplitMix64(seed: seed)
        var x: [Double] = [], y: [Double] = []
        let names = (0..<features).map { "x\($0)" }
        func labels(_ k: Int) -> TaskKind { .classification(classes: (0..<k).map { "class_\($0)" }) }
        switch kind {
        case .spirals:
            for i in 0..<n {
                let c = i % classes
                let t = Double(i / classes) / Double(max(1, (n - 1) / classes))
                let angle: Double = 4 * (Double(c) + t) + noise * rng.nextGaussian()
                x.append(t * sin(angle))
                x.append(t * cos(angle))
                y.append(Double(c))
            }
            return LabeledData(name: "spirals", featureNames: names, task: labels(classes), x: x, y: y)
        case .moons:
            for i in 0..<n {
                let c = i % 2
                let t = Double.pi * rng.nextUniform()
                let (a, b) = c == 0 ? (cos(t), sin(t)) : (1 - cos(t), 0.5 - sin(t))
                x += [a + noise * rng.nextGaussian(), b + noise * rng.nextGaussian()]
                y.append(Double(c))
            }
            return LabeledData(name: "moons", featureNames: names, task: labels(2), x: x, y: y)
        case .blobs:
            let centres = (0..<(classes * features)).map { _ in 20 * rng.nextUniform() - 10 }
            for i in 0..<n {
                let c = i % classes
                for j in 0..<features { x.append(centres[c * features + j] + noise * rng.nextGaussian()) }
                y.append(Double(c))
            }
            return LabeledData(name: "blobs", featureNames: names, task: labels(classes), x: x, y: y)
        case .teacher:
            let hidden = 32
            let w = (0..<(hidden * features)).map { _ in rng.nextGaussian() / Double(features).squareRoot() }
            let v = (0..<hidden).map { _ in rng.nextGaussian() / Double(hidden).squareRoot() }
            for _ in 0..<n {
                let row = (0..<features).map { _ in rng.nextGaussian() }
                var out = 0.0
                for h in 0..<hidden {
                    var s = 0.0
                    for j in 0..<features { s += w[h * features + j] * row[j] }
                    out += v[h] * Foundation.tanh(s)
                }
                x += row
                y.append(out + noise * rng.nextGaussian())
            }
            return LabeledData(name: "teacher", featureNames: names, task: .regression(outputs: 1), x: x, y: y)
        case .sine:
            for _ in 0..<n {
                let t = Double.pi * (2 * rng.nextUniform() - 1)
                x.append(t)
                y.append(sin(t) + noise * rng.nextGaussian())
            }
            return LabeledData(name: "sine", featureNames: names, task: .regression(outputs: 1), x: x, y: y)
        }
    }
}

/// Which data a trial trains on.
public enum DatasetSpec: Sendable, Equatable {
    /// A bundled dataset by name (`BuiltinDataset.all`).
    case builtin(String)
    case synthetic(SyntheticSpec)
    /// A user CSV; a relative path is resolved against the directory passed to `load`. `validation` is a
    /// second CSV with the same header used as the validation set (then no fraction is split off).
    case csv(path: String, target: String, task: TaskHint?, missing: MissingPolicy = .error, validation: String? = nil)

    /// Loads the rows. `baseDirectory` resolves relative CSV paths (the config file's directory).
    public func load(baseDirectory: String? = nil) throws(DatasetError) -> LabeledData {
        switch self {
        case .builtin(let name):
            guard let b = BuiltinDataset.named(name) else {
                let shown = name.count > 60 ? name.prefix(60) + "… (\(name.count) characters)" : name
                throw DatasetError("unknown dataset '\(shown)'; built-ins: "
                                   + BuiltinDataset.all.map(\.name).joined(separator: ", "))
            }
            return try b.load()
        case .synthetic(let spec):
            return spec.generate()
        case .csv(let path, let target, let task, let missing, let validation):
            func resolved(_ path: String) -> String {
                guard let baseDirectory, !path.hasPrefix("/") else { return path }
                return URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).path
            }
            return try CSVData.load(path: resolved(path), target: target, task: task, missing: missing,
                                    validationPath: validation.map(resolved))
        }
    }
}
