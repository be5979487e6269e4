// Regression done properly: targets standardised with training statistics, losses and metrics in original units.

import Testing
import TestSupport
@testable import Trainer

struct RegressionTests {
    /// Two outputs, four validation rows, errors set by hand (standardised units), σ = [2, 10]:
    /// output 0: t = [1, 2, 3, 4], p = [1.5, 2, 2, 5] → SSres 0.25+0+1+1 = 2.25, Σ|e| = 2.5,
    /// SStot about t̄ = 2.5: 2.25+0.25+0.25+2.25 = 5, R²₀ = 1 − 2.25/5 = 0.55.
    /// output 1: t = [3, 3, 3, 3] (constant, SStot 0): R²₁ = 1 when predicted exactly, else 0
    /// (scikit-learn's force_finite). R² = (R²₀ + R²₁)/2; MAE = (2·Σ|e₀| + 10·Σ|e₁|)/(4·2).
    @Test func r2AndMAEFollowScikitLearnOnAHandExample() throws {
        let split = DataSplit(x: [], y: [1, 3, 2, 3, 3, 3, 4, 3], count: 4)
        let reference = try #require(RegressionReference(split, std: [2, 10]))
        #expect(reference.sst == [5, 0])
        var errors = RegressionErrors(outputs: 2)
        errors.squared = [2.25, 0]
        errors.absolute = [2.5, 0]
        var (r2, mae) = reference.metrics(errors, rows: 4)
        expectClose(r2, 0.775, absolute: 1e-15)   // (0.55 + 1)/2
        expectClose(mae, 0.625, absolute: 1e-15)  // (2·2.5 + 0)/8
        errors.squared = [2.25, 1]                 // output 1 off by 0.5 on each row: 4·0.25
        errors.absolute = [2.5, 2]
        (r2, mae) = reference.metrics(errors, rows: 4)
        expectClose(r2, 0.275, absolute: 1e-15)   // (0.55 + 0)/2
        expectClose(mae, 3.125, absolute: 1e-15)  // (2·2.5 + 10·2)/8
    }

    static func data(_ y: [Double]) -> LabeledData {
        LabeledData(name: "tiny", featureNames: ["a", "b"], task: .regression(outputs: 1),
                    x: [0, 1, 1, 0, 2, 1, 3, 5, 1, 1, 0, 2, 4, 1, 2, 2] as [Float], y: y)
    }

    /// y_train = [1, 3, 5, 7] (rows 4… are a given validation set): μ = 4, σ = √((9+1+1+9)/4) = √5,
    /// standardised y = (y − 4)/√5, on both splits.
    @Test func targetsAreStandardisedWithTrainingStatistics() throws {
        var data = Self.data([1, 3, 5, 7, 1, 3, 5, 7])
        data.validationFrom = 4
        let dataset = try Dataset(data, valFraction: 0)
        #expect(dataset.targetMean == [4])
        expectClose(dataset.targetStd[0], 5.0.squareRoot(), relative: 1e-15)
        let expected: [Float] = [-3, -1, 1, 3].map { Float($0 / 5.0.squareRoot()) }
        #expect(dataset.train.y == expected && dataset.validation.y == expected)
        var labelled = LabeledData(name: "c", featureNames: ["a"], task: .classification(classes: ["x", "y"]),
                                   x: [0, 1, 2, 3] as [Float], y: [0, 1, 0, 1])
        labelled.validationFrom = 2
        let classes = try Dataset(labelled, valFraction: 0)
        #expect(classes.targetStd.isEmpty && classes.train.y == [0, 1] && classes.validation.y == [0, 1])
    }

    /// With LR 0 the model stays at its initial weights, so the reported figures must equal those of
    /// the untrained model's predictions mapped back to original units (p·σ + μ), computed here directly:
    /// MSE = mean (p − y)², MAE = mean |p − y|, R² = 1 − Σ(p − y)²/Σ(y − ȳ)².
    @Test func lossesAndMetricsAreInOriginalUnits() throws {
        let dataset = try Dataset(Self.data([10, 30, 50, 70, 20, 40, 60, 90]), valFraction: 0.5, splitSeed: 3)
        let config = TrainingConfig(model: ModelConfig(hidden: [3], activation: .tanh),
                                    optimizer: OptimizerConfig(kind: .sgd), epochs: 1, batchSize: 4, seed: 11)
        let result = Training.run(config: config, dataset: dataset, schedule: ConstantLR(0))
        let epoch = try #require(result.epochs.first)
        var rng = SplitMix64(seed: config.seed)
        var model = MLP<Float>(inputs: 2, outputs: 1, config: config.model, maxBatch: 4, using: &rng)
        let (mu, sigma) = (dataset.targetMean[0], dataset.targetStd[0])
        func original(_ split: DataSplit) -> (p: [Double], y: [Double]) {
            model.setBatch(x: split.x, y: split.y)
            model.forward(rows: split.count, training: false)
            return (model.lastOutputs(rows: split.count).map { Double($0) * sigma + mu },
                    split.y.map { Double($0) * sigma + mu })
        }
        let train = original(dataset.train), val = original(dataset.validation)
        func mse(_ s: (p: [Double], y: [Double])) -> Double {
            zip(s.p, s.y).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(s.p.count)
        }
        let ybar = val.y.reduce(0, +) / Double(val.y.count)
        let sst = val.y.map { ($0 - ybar) * ($0 - ybar) }.reduce(0, +)
        // Float predictions of targets of size ~50: 1e-5 relative is ~100 ulps.
        expectClose(epoch.trainLoss, mse(train), relative: 1e-5)
        expectClose(epoch.valLoss, mse(val), relative: 1e-5)
        expectClose(try #require(epoch.valMAE), zip(val.p, val.y).map { abs($0 - $1) }.reduce(0, +) / 4, relative: 1e-5)
        expectClose(try #require(epoch.valR2), 1 - mse(val) * 4 / sst, relative: 1e-5)
        #expect(epoch.valAccuracy == nil)
    }
}
