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
        let a = Dataset(raw, valFraction: 0.2, splitSeed: 0)
        // 50 rows per class: round(50·0.2) = 10 of each go to validation.
        #expect(a.validation.count == 30 && a.train.count == 120)
        for c in 0..<3 { #expect(a.validation.y.filter { $0 == Float(c) }.count == 10) }
        #expect(a == Dataset(raw, valFraction: 0.2, splitSeed: 0))
        #expect(a != Dataset(raw, valFraction: 0.2, splitSeed: 1))
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

    // MARK: - CSV

    @Test func categoricalTargetMeansClassification() throws {
        let d = try CSVData.parse("a,b,label\n1,2,cat\n3,4,dog\n5,6,cat\n", file: "x.csv", target: "label", task: nil)
        #expect(d.task == .classification(classes: ["cat", "dog"]))
        #expect(d.featureNames == ["a", "b"])
        #expect(d.x == [1, 2, 3, 4, 5, 6] && d.y == [0, 1, 0])
    }

    @Test func numericTargetMeansRegressionUnlessTold() throws {
        let text = "y,x\n1.5,2\n2,3\n"
        #expect(try CSVData.parse(text, file: "r.csv", target: "y", task: nil).task == .regression(outputs: 1))
        let c = try CSVData.parse("y,x\n1,2\n0,3\n", file: "r.csv", target: "y", task: .classification)
        #expect(c.task == .classification(classes: ["0", "1"]))
        #expect(c.y == [1, 0])
    }

    @Test func quotedFieldsAndCRLF() throws {
        let d = try CSVData.parse("\"a\",\"the, label\"\r\n1,\"x \"\"y\"\"\"\r\n2,z\r\n", file: "q.csv",
                                  target: "the, label", task: nil)
        #expect(d.task == .classification(classes: ["x \"y\"", "z"]))
    }

    @Test func badCSVsGiveLocatedErrors() {
        func message(_ text: String, target: String = "label", task: TaskHint? = nil) -> String {
            do {
                _ = try CSVData.parse(text, file: "data.csv", target: target, task: task)
                return "no error"
            } catch {
                return error.description
            }
        }
        #expect(message("") == "data.csv: the file is empty")
        #expect(message("a,label\n") == "data.csv: no data rows after the header")
        #expect(message("a,b,label\n1,2,x\n3,4\n") == "data.csv:3: expected 3 fields as in the header, got 2")
        #expect(message("a,b,label\n1,2,x\n3,oops,y\n") == "data.csv:3: column 'b': expected a number, got 'oops'")
        #expect(message("a,b,label\n1,,x\n") == "data.csv:2: column 'b': expected a number, got an empty field")
        #expect(message("a,b,Label\n1,2,x\n")
                == "data.csv:1: no column 'label' in the header (columns: a, b, Label); did you mean 'Label'?")
        #expect(message("a,label\n1,x\n2,y\n", task: .regression)
                == "data.csv:2: column 'label': regression needs a numeric target, got 'x'")
        #expect(message("a,label\n1,x\n2,x\n") == "data.csv: column 'label': classification needs at least 2 classes, found 1")
    }

    @Test func missingFileAndUnknownBuiltinAreErrors() {
        #expect(throws: DatasetError.self) { try DatasetSpec.csv(path: "/nonexistent/x.csv", target: "y", task: nil).load() }
        do {
            _ = try DatasetSpec.builtin("mnist").load()
        } catch {
            #expect(error.description == "unknown dataset 'mnist'; built-ins: digits, iris, wine, breast_cancer")
        }
    }
}
