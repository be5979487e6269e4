// The bundled real datasets (CSV resources from scikit-learn) and how they are found at run time.

import Foundation

/// A real dataset shipped with lrsearch as a CSV resource (see Sources/Trainer/Datasets/README.md).
public struct BuiltinDataset: Sendable, Equatable {
    public var name: String
    public var file: String
    public var target: String
    public var rows: Int
    public var features: Int
    public var classes: Int
    public var summary: String

    /// digits, iris, wine, breast_cancer — all classification.
    public static let all: [BuiltinDataset] = [
        BuiltinDataset(name: "digits", file: "digits.csv", target: "digit", rows: 1797, features: 64, classes: 10,
                       summary: "8×8 handwritten digits, pixel counts 0–16 (UCI optdigits test set)"),
        BuiltinDataset(name: "iris", file: "iris.csv", target: "species", rows: 150, features: 4, classes: 3,
                       summary: "Fisher's iris flowers, four measurements in cm"),
        BuiltinDataset(name: "wine", file: "wine.csv", target: "cultivar", rows: 178, features: 13, classes: 3,
                       summary: "chemical analysis of wines from three cultivars"),
        BuiltinDataset(name: "breast_cancer", file: "breast_cancer.csv", target: "diagnosis", rows: 569,
                       features: 30, classes: 2, summary: "Wisconsin diagnostic breast cancer, cell nucleus features"),
    ]

    public static func named(_ name: String) -> BuiltinDataset? { all.first { $0.name == name } }

    /// Loads and parses the CSV (classification, classes sorted numerically or by name).
    public func load() throws(DatasetError) -> LabeledData {
        guard let path = Self.locate(file) else {
            throw DatasetError("cannot find the bundled dataset file '\(file)'; searched: "
                               + Self.searchDirectories().joined(separator: ", ")
                               + " (set LRSEARCH_DATA to the directory holding it)")
        }
        var data = try CSVData.load(path: path, target: target, task: .classification, name: name)
        data.notes = []  // the task is the dataset's, not a choice to report
        return data
    }

    /// The directories searched for bundled CSVs, in order:
    /// 1. `$LRSEARCH_DATA`;
    /// 2. `lrsearch_Trainer.resources/Datasets` next to the running executable, or one or two directories
    ///    up (SwiftPM puts the resource bundle beside the binary; test bundles sit one level deeper);
    /// 3. `../share/lrsearch/Datasets` relative to the executable (an installed layout: bin/ + share/);
    /// 4. the source directory this file was compiled from (a checkout, `swift run` from anywhere).
    public static func searchDirectories() -> [String] {
        var dirs: [String] = []
        if let env = ProcessInfo.processInfo.environment["LRSEARCH_DATA"], !env.isEmpty { dirs.append(env) }
        var exeDir: URL?
        if let url = Bundle.main.executableURL {
            exeDir = url.resolvingSymlinksInPath().deletingLastPathComponent()
        }
        if let dir = exeDir {
            var d = dir
            for _ in 0..<3 {
                dirs.append(d.appendingPathComponent("lrsearch_Trainer.resources/Datasets").path)
                dirs.append(d.appendingPathComponent("lrsearch_Trainer.bundle/Datasets").path)
                d = d.deletingLastPathComponent()
            }
            dirs.append(dir.deletingLastPathComponent().appendingPathComponent("share/lrsearch/Datasets").path)
        }
        dirs.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Datasets").path)
        return dirs
    }

    static func locate(_ file: String) -> String? {
        for dir in searchDirectories() {
            let path = (dir as NSString).appendingPathComponent(file)
            if FileManager.default.isReadableFile(atPath: path) { return path }
        }
        return nil
    }
}
