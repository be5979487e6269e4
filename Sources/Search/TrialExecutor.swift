// Runs one trial of a search with the built-in trainer: sampled config in, trial record out.

import Foundation
import JSON5
import LRSchedules
import Synchronization
import Trainer

/// A trial that could not run for a reason other than divergence (an unreadable CSV, say). It stops
/// the search; validation is meant to catch it before the first trial.
public struct TrialFailure: Error, CustomStringConvertible {
    public var id: TrialID
    public var message: String
    public var description: String { "trial \(id.index) (repeat \(id.repeat)): \(message)" }
}

/// Turns a search's units into trainer runs.
public final class TrialExecutor: Sendable {
    public let session: SearchSession
    public let data: DataCache
    /// Early stopping, if the spec asks for it; it has already seen the journal's finished trials.
    public let pruner: PruningGate?

    public init(session: SearchSession, data: DataCache = DataCache()) {
        self.session = session
        self.data = data
        pruner = session.makePruner()
    }

    /// Runs unit `id` to its end: ok, diverged, or pruned by the spec's pruner.
    public func run(_ id: TrialID) throws(TrialFailure) -> TrialRecord {
        let (node, seed, point) = session.config(for: id)
        let config: TrialConfig
        let dataset: Dataset
        do {
            (config, dataset) = try data.prepare(node)
        } catch {
            throw TrialFailure(id: id, message: error.description)
        }
        let scheduler: LRScheduler
        do {
            scheduler = try LRScheduler(config.schedule)
        } catch {
            throw TrialFailure(id: id, message: "schedule: \(error)")
        }
        let objective = session.spec.objective
        var seen: [EpochRecord] = []
        let result = Trainer.run(config: config.training, dataset: dataset, schedule: scheduler) { epoch in
            seen.append(epoch)
            guard let pruner, let value = objective.curve(seen).last else { return .continue }
            return pruner.shouldPrune(trial: id, epoch: epoch.epoch, value: value) ? .stop : .continue
        }
        if result.status == .ok { pruner?.trialCompleted(trial: id, values: objective.curve(result.epochs)) }
        var record = TrialRecord(id: id, seed: seed, config: node.value, state: result.status, epochs: result.epochs,
                                 seconds: result.seconds,
                                 derived: config.schedule.derivedParameters.map { DerivedValue(name: $0.name, value: $0.value) },
                                 point: point)
        record.trainRows = dataset.train.count
        return record
    }

}

/// Data sets loaded once per distinct task (dataset, validation fraction, split seed) and shared
/// read-only by every trial that uses them.
public final class DataCache: Sendable {
    private let datasets = Mutex<[String: Dataset]>([:])

    public init() {}

    /// Parses a sampled config and finds (or loads) its data set.
    public func prepare(_ node: JSONNode) throws(ConfigError) -> (TrialConfig, Dataset) {
        let task = try TrialConfig.parseTask(node)
        let key = "\(task.dataset)|\(task.valFraction)|\(task.splitSeed)"
        let dataset: Dataset
        if let cached = datasets.withLock({ $0[key] }) {
            dataset = cached
        } else {
            let raw: LabeledData
            do {
                raw = try task.dataset.load(baseDirectory: FileManager.default.currentDirectoryPath)
            } catch {
                throw ConfigError(node.value["task"]?.value["dataset"], path: "task.dataset", "\(error)")
            }
            let loaded = Dataset(raw, valFraction: task.valFraction, splitSeed: task.splitSeed)
            dataset = datasets.withLock { cache in
                if let other = cache[key] { return other }  // another worker loaded it meanwhile
                cache[key] = loaded
                return loaded
            }
        }
        guard dataset.train.count >= 2 else {
            throw ConfigError(node.value["task"]?.value["dataset"], path: "task.dataset",
                              "needs at least 2 training rows, got \(dataset.train.count)")
        }
        let config = try TrialConfig.parse(node, trainRows: dataset.train.count)
        try config.checkMonitor(dataset, node: node)
        return (config, dataset)
    }
}
