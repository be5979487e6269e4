// The one config loader: a trial config's JSON resolved into a typed TrialConfig and its data set. `lrsearch
// train`, `lrsearch find-lr` and every trial of a search go through it; the search shares one cache.

import Foundation
import JSON5
import Synchronization
import Trainer

/// Why a config could not be loaded: the config itself (located in its file) or its data set's file.
public enum ConfigLoadError: Error, CustomStringConvertible {
    case config(ConfigError)
    case dataset(DatasetError)

    public var description: String {
        switch self {
        case .config(let e): return e.description
        case .dataset(let e): return e.description
        }
    }
}

/// Data sets loaded once per distinct task (dataset, validation fraction, split seed, base folder) and
/// shared read-only by every trial that uses them: the split and standardisation run once per key, loads
/// are serialised (two workers never load the same file twice), and trials get the same arrays (no copy).
public final class DataCache: Sendable {
    private let datasets = Mutex<[String: Dataset]>([:])
    /// Held while loading; counts the loads done.
    private let loading = Mutex<Int>(0)

    public init() {}

    /// How many data sets were loaded and split (not found in the cache).
    public var loads: Int { loading.withLock { $0 } }

    /// Parses a config, loads (or finds) its data set — relative CSV paths against `baseDirectory`
    /// (the config file's folder; nil: the working directory, and paths are kept as written) —
    /// splits it, and resolves the config against the training split (steps per epoch, schedule
    /// lengths). Refuses a split with fewer than 2 training rows and a plateau schedule monitoring
    /// accuracy on a regression task.
    public func load(_ node: JSONNode, baseDirectory: String?) throws(ConfigLoadError) -> (TrialConfig, Dataset) {
        let task: TrialConfig.Task
        do {
            task = try TrialConfig.parseTask(node)
        } catch {
            throw .config(error)
        }
        let key = "\(task.dataset)|\(task.valFraction)|\(task.splitSeed)|\(baseDirectory ?? "")"
        let dataset: Dataset
        if let cached = datasets.withLock({ $0[key] }) {
            dataset = cached
        } else {
            dataset = try loading.withLock { (count: inout Int) throws(ConfigLoadError) -> Dataset in
                if let other = datasets.withLock({ $0[key] }) { return other }  // another worker loaded it meanwhile
                let loaded = try Self.load(task, node: node, baseDirectory: baseDirectory)
                count += 1
                datasets.withLock { $0[key] = loaded }
                return loaded
            }
        }
        do throws(ConfigError) {
            guard dataset.train.count >= 2 else {
                throw ConfigError(node.value["task"]?.value["dataset"], path: "task.dataset",
                                  "needs at least 2 training rows, got \(dataset.train.count)")
            }
            let config = try TrialConfig.parse(node, task: task, trainRows: dataset.train.count, baseDirectory: baseDirectory)
            try config.checkMonitor(dataset, node: node)
            return (config, dataset)
        } catch {
            throw .config(error)
        }
    }

    /// Reads and splits one task's data (relative paths from `baseDirectory`): a file's problem as a
    /// dataset error, a split's (no validation rows, say) located at task.val_fraction of `node`.
    static func load(_ task: TrialConfig.Task, node: JSONNode, baseDirectory: String?) throws(ConfigLoadError) -> Dataset {
        let raw: LabeledData
        do {
            raw = try task.dataset.load(baseDirectory: baseDirectory)
        } catch {
            throw .dataset(error)
        }
        do {
            // Handed over, not copied: the split standardises the matrix in place.
            return try Dataset(consume raw, valFraction: task.valFraction, splitSeed: task.splitSeed)
        } catch {
            let taskNode = node.value["task"]
            let given = taskNode?.value["val_fraction"]
            throw .config(ConfigError(given ?? taskNode?.value["dataset"], path: "task.val_fraction",
                                      (given == nil ? "(default 0.2) " : "") + "\(error)"))
        }
    }

    /// `load` for a search's sampled config (paths relative to the working directory), every problem
    /// as a `ConfigError` (a data set's file problem located at `task.dataset`).
    public func prepare(_ node: JSONNode) throws(ConfigError) -> (TrialConfig, Dataset) {
        do {
            return try load(node, baseDirectory: nil)
        } catch {
            switch error {
            case .config(let e): throw e
            case .dataset(let e): throw ConfigError(node.value["task"]?.value["dataset"], path: "task.dataset", "\(e)")
            }
        }
    }
}
