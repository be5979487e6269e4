// Bundled and synthetic datasets, the stratified split, standardisation, and exact errors for bad CSVs.

import Foundation
import Testing
import TestSupport
import Trainer

struct DatasetTests {
    @Test(arguments: BuiltinDataset.all.map(\.name))
    func builtinsLoadWithTheirDocumentedShapes(name: String) throws {
        let info = try #require(BuiltinDataset.named(name))
        let data = try DatasetSpec.builtin(name).load()
        #expect(data.count == info.rows)
        #expect(data.features == info.features)
        #expect(data.task.outputs == info.classes)
    }

    @Test func digitsClassesAreTheDigitsInOrder() throws {
        let data = try DatasetSpec.builtin("digits").load()
        #expect(data.task == .classification(classes: (0...9).map(String.init)))
    }

    @Test func splitIsStratifiedSeededAndStandardisedWithTrainStatistics() throws {
        let raw = try DatasetSpec.builtin("iris").load()
        let a = try Dataset(raw, valFraction: 0.2, splitSeed: 0)
        // 50 rows per class: round(50·0.2) = 10 of each go to validation.
        #expect(a.validation.count == 30 && a.train.count == 120)
        for c in 0..<3 { #expect(a.validation.y.filter { $0 == Float(c) }.count == 10) }
        #expect(try a == Dataset(raw, valFraction: 0.2, splitSeed: 0))
        #expect(try a != Dataset(raw, valFraction: 0.2, splitSeed: 1))
        #expect(raw.x.count == 150 * 4)  // the caller's copy is untouched by the in-place split
        // Each training feature column has mean 0 and (biased) std 1 after standardisation.
        for j in 0..<a.features {
            let col = (0..<a.train.count).map { Double(a.train.x[$0 * a.features + j]) }
            let mean = col.reduce(0, +) / Double(col.count)
            let sd = (col.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(col.count)).squareRoot()
            expectClose(mean, 0, absolute: 1e-6)
            expectClose(sd, 1, relative: 1e-5)
        }
    }

    @Test(arguments: SyntheticSpec.Kind.allCases)
    func syntheticDataIsSeeded(kind: SyntheticSpec.Kind) {
        let a = SyntheticSpec(kind, n: 50).generate(), b = SyntheticSpec(kind, n: 50).generate()
        #expect(a == b)
        #expect(a != SyntheticSpec(kind, n: 50, seed: 1).generate())
        #expect(a.count == 50)
        #expect(a.x.allSatisfy(\.isFinite) && a.y.allSatisfy(\.isFinite))
    }

    @Test func splitMix64AndDeriveSeedAreStable() {
        // Reference: SplitMix64 from seed 0 (Vigna's splitmix64.c) gives 0xE220A8397B1DCDAF first.
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(deriveSeed(7, 0) != deriveSeed(7, 1))
        #expect(deriveSeed(7, 3) == deriveSeed(7, 3))
    }

    // MARK: - Split errors

    @Test func aSplitWithoutValidationRowsIsRefused() throws {
        // 3 classes of 1 row each: every class keeps its one row for training.
        let one = try CSVData.parse("a,label\n1,x\n2,y\n3,z\n", file: "one.csv", target: "label", task: nil)
        #expect(throws: DatasetError("leaves no validation rows: 3 rows in 3 classes (the largest has 1 rows), "
                                     + "round(rows × 0.2) is 0 for every class and each class keeps one training row; "
                                     + "use a larger val_fraction or a separate val_csv")) {
            try Dataset(one, valFraction: 0.2)
        }
        // Regression: round(10 × 0.01) = 0.
        let ten = LabeledData(name: "r", featureNames: ["a"], task: .regression(outputs: 1),
                              x: (0..<10).map { Float($0) }, y: (0..<10).map { Double($0) / 2 })
        #expect(throws: DatasetError("leaves no validation rows: round(10 rows × 0.01) = 0; "
                                     + "use a larger val_fraction or a separate val_csv")) {
            try Dataset(ten, valFraction: 0.01)
        }
        #expect(throws: DatasetError("val_fraction must be in (0, 1), got 1.0")) { try Dataset(ten, valFraction: 1) }
        #expect(throws: DatasetError("val_fraction must be in (0, 1), got nan")) { try Dataset(ten, valFraction: .nan) }
        // round(10 × 0.05) = round(0.5) = 1 (half away from zero): one validation row.
        #expect(try Dataset(ten, valFraction: 0.05).validation.count == 1)
    }

    @Test func classCountsCoverBothSplits() throws {
        let d = try Dataset(try DatasetSpec.builtin("iris").load(), valFraction: 0.2)
        #expect(d.classCounts == [50, 50, 50])
        #expect(try Dataset(SyntheticSpec(.sine, n: 20).generate(), valFraction: 0.2).classCounts == [])
    }

    @Test func missingFileAndUnknownBuiltinAreErrors() {
        #expect(throws: DatasetError(file: "/nonexistent/x.csv", "cannot read the file: no such file")) {
            try DatasetSpec.csv(path: "/nonexistent/x.csv", target: "y", task: nil).load()
        }
        #expect(throws: DatasetError("unknown dataset 'mnist'; built-ins: digits, iris, wine, breast_cancer")) {
            try DatasetSpec.builtin("mnist").load()
        }
    }
}
