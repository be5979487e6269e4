// The search's data cache: one load and split per (dataset, val_fraction, split seed), shared without copies.

import Dispatch
import Foundation
import JSON5
import Search
import Synchronization
import Testing
import Trainer

struct DataCacheTests {
    static func config(_ task: String) throws -> JSONNode {
        try JSON5Parser.parse("{ task: { \(task) }, schedule: { family: \"constant\", lr: 0.1 } }")
    }

    /// Where an array's elements live (two arrays sharing storage have the same address).
    static func base<T>(_ a: [T]) -> UInt { a.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) } }

    @Test func eachTaskIsLoadedAndSplitOnceAndSharedWithoutCopies() throws {
        let cache = DataCache()
        let (_, a) = try cache.prepare(try Self.config("dataset: \"iris\", epochs: 3"))
        // Another trial of the same task (other epochs, other trial seed): the same arrays, no new load.
        let (_, b) = try cache.prepare(try Self.config("dataset: \"iris\", epochs: 7"))
        #expect(cache.loads == 1)
        #expect(Self.base(a.train.x) == Self.base(b.train.x) && Self.base(a.validation.y) == Self.base(b.validation.y))
        // Another split seed or fraction is another split.
        _ = try cache.prepare(try Self.config("dataset: \"iris\", split_seed: 1"))
        _ = try cache.prepare(try Self.config("dataset: \"iris\", val_fraction: 0.3"))
        #expect(cache.loads == 3)
        _ = try cache.prepare(try Self.config("dataset: \"iris\", split_seed: 1"))
        #expect(cache.loads == 3)
    }

    @Test func concurrentTrialsLoadATaskOnce() throws {
        let cache = DataCache()
        let node = try Self.config("dataset: \"digits\"")
        let pointers = Mutex<[UInt]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            if let (_, d) = try? cache.prepare(node) { pointers.withLock { $0.append(Self.base(d.train.x)) } }
        }
        #expect(cache.loads == 1)
        let seen = pointers.withLock { $0 }
        #expect(seen.count == 8 && Set(seen).count == 1)
    }

    @Test func splitProblemsAreLocatedAtTheirKeys() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrsearch-cache-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "a,label\n1,x\n2,y\n3,z\n".write(to: dir.appendingPathComponent("one.csv"), atomically: false, encoding: .utf8)
        func message(_ task: String) -> String {
            do {
                let node = try Self.config(task)
                do {
                    _ = try DataCache().load(node, baseDirectory: dir.path)
                } catch {
                    switch error {
                    case .config(let e): return e.rendered(file: "s.json5")
                    case .dataset(let e):  // located at task.dataset, as a search's `prepare` does
                        return ConfigError(node.value["task"]?.value["dataset"], path: "task.dataset", "\(e)").rendered(file: "s.json5")
                    }
                }
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(message("dataset: { csv: \"one.csv\", target: \"label\" }, val_fraction: 0.3")
                == "s.json5:1:71: task.val_fraction: leaves no validation rows: 3 rows in 3 classes (the largest has 1 "
                + "rows), round(rows × 0.3) is 0 for every class and each class keeps one training row; use a larger "
                + "val_fraction or a separate val_csv")
        #expect(message("dataset: { csv: \"one.csv\", target: \"label\" }").hasPrefix(
                "s.json5:1:20: task.val_fraction: (default 0.2) leaves no validation rows: 3 rows"))
        #expect(message("dataset: { csv: \"one.csv\", target: \"label\", val_csv: \"one.csv\" }, val_fraction: 0.3")
                == "s.json5:1:91: task.val_fraction: does not apply with task.dataset.val_csv (that file is the "
                + "validation set); remove one of them")
        #expect(message("dataset: { csv: \"one.csv\", target: \"label\", val_csv: \"one.csv\" }") == "no error")
        #expect(message("dataset: { csv: \"none.csv\", target: \"label\" }")
                == "s.json5:1:20: task.dataset: \(dir.path)/none.csv: cannot read the file: no such file")
        #expect(message("dataset: { csv: \"one.csv\", target: \"label\", missing: \"skip\" }")
                == "s.json5:1:64: task.dataset.missing: expected one of error, drop, got \"skip\"")
    }

    @Test func csvOptionsRoundTripThroughTheConfigJSON() throws {
        let node = try Self.config("dataset: { csv: \"t.csv\", target: \"y\", missing: \"drop\", val_csv: \"v.csv\" }")
        let c = try TrialConfig.parse(node)
        #expect(c.dataset == .csv(path: "t.csv", target: "y", task: nil, missing: .drop, validation: "v.csv"))
        #expect(try TrialConfig.parse(JSONNode(c.json)) == c)
    }
}
