// How much memory one training run holds, from its shapes alone, so plans too large are refused up front.

/// The bytes one trial holds while it trains (Float32 scalars), computed in Double from the model's
/// shapes, so an absurd size gives a huge estimate rather than an integer overflow:
/// ```
/// P = Σ_l (fanIn·fanOut + fanOut [bias] + 2·fanOut [batch-norm scale and shift])
/// weights        4·(P + 2·Σ fanOut [running mean and variance])
/// gradients      4·P
/// optimizer      4·P for SGD with momentum, 8·P for Adam/AdamW, 0 for plain SGD
/// activations    4·B·(inputs + outputs + 2·widest + Σ_l (up to 4)·fanOut + 4·fanOut) + GEMM packing,
///                B = min(batch_size, training rows)
/// data copy      4·rows·(features + target width) + 8·training rows (the trial's copy and its shuffle order)
/// ```
/// The dataset itself (its Float splits) is shared by every trial and counted apart.
public struct MemoryEstimate: Sendable, Equatable {
    public var weights: Double
    public var gradients: Double
    public var optimizerState: Double
    public var activations: Double
    public var dataCopy: Double
    /// The shared dataset (Float training and validation splits), once however many trials run.
    public var dataset: Double

    /// One trial, without the shared dataset.
    public var perTrial: Double { weights + gradients + optimizerState + activations + dataCopy }

    /// `jobs` trials at once plus the dataset.
    public func total(jobs: Int) -> Double { perTrial * Double(max(jobs, 1)) + dataset }

    public init(config: TrainingConfig, features: Int, outputs: Int, targetWidth: Int, trainRows: Int,
                validationRows: Int) {
        let scalar = 4.0
        let batch = Double(max(1, min(config.batchSize, trainRows)))
        let widths = [Double(features)] + config.model.hidden.map(Double.init) + [Double(outputs)]
        var params = 0.0, stats = 0.0, arena = 0.0
        for l in 0..<(widths.count - 1) {
            let (fanIn, fanOut) = (widths[l], widths[l + 1])
            let isOutput = l == widths.count - 2
            let norm = config.model.batchNorm && !isOutput
            params += fanIn * fanOut + (config.model.bias ? fanOut : 0) + (norm && config.model.batchNormAffine ? 2 * fanOut : 0)
            stats += norm ? 2 * fanOut : 0
            arena += batch * fanOut * (norm ? 3 : 1) + (isOutput ? 0 : batch * fanOut) + 4 * fanOut
        }
        let widest = widths.max() ?? 1
        arena += batch * (Double(features) + Double(outputs) + 2 * widest)
        let packing = min(max(widths.max() ?? 1, batch), 256) * (widest + 8)  // GEMM.reserve, kc ≤ 256
        weights = scalar * (params + stats)
        gradients = scalar * params
        switch config.optimizer.kind {
        case .sgd: optimizerState = config.optimizer.momentum != 0 ? scalar * params : 0
        default: optimizerState = 2 * scalar * params
        }
        activations = scalar * (arena + packing)
        let rows = Double(trainRows) + Double(validationRows)
        dataCopy = scalar * rows * Double(features + targetWidth) + 8 * Double(trainRows)
        dataset = scalar * rows * Double(features + targetWidth)
    }

    /// The estimate for training `config` on `dataset`.
    public init(config: TrainingConfig, dataset: Dataset) {
        self.init(config: config, features: dataset.features, outputs: dataset.outputs, targetWidth: dataset.targetWidth,
                  trainRows: dataset.train.count, validationRows: dataset.validation.count)
    }

    /// `1.5 GB`, `320 MB`, `12 KB`: decimal units, three significant digits.
    public static func format(_ bytes: Double) -> String {
        guard bytes.isFinite else { return "more than 1e308 bytes" }
        let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
        var x = bytes, u = 0
        while x >= 1000 && u < units.count - 1 { x /= 1000; u += 1 }
        if u == 0 { return "\(Int(x)) bytes" }
        if x >= 1000 { return x < 1e15 ? "\(Int(x.rounded())) \(units[u])" : "more than 1e33 bytes" }
        return "\(formatNumber3(x)) \(units[u])"
    }

    private static func formatNumber3(_ x: Double) -> String {
        let digits = x >= 100 ? 0 : x >= 10 ? 1 : 2
        var p = 1.0
        for _ in 0..<digits { p *= 10 }
        let r = (x * p).rounded() / p
        return digits == 0 ? String(Int(r)) : String(r)
    }

    /// One line: `3.2 MB per trial (weights 1.1 MB, gradients 1.1 MB, optimizer 0 bytes, activations 0.9 MB,
    /// data copy 0.1 MB) + dataset 0.1 MB`.
    public var summary: String {
        "\(Self.format(perTrial)) per trial (weights \(Self.format(weights)), gradients \(Self.format(gradients)), "
            + "optimizer state \(Self.format(optimizerState)), activations \(Self.format(activations)), "
            + "data copy \(Self.format(dataCopy))) + dataset \(Self.format(dataset))"
    }
}
