// Runs one trial of a search with the built-in trainer: sampled config in, trial record out.

import Foundation
import JSON5
import LRSchedules
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
    /// The threads each trial may use (one until a `Runner` given it shares idle workers).
    public let cores: CoreBudget

    public init(session: SearchSession, data: DataCache = DataCache(), cores: CoreBudget = CoreBudget()) {
        self.session = session
        self.data = data
        self.cores = cores
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
        var seen: [EpochMetrics] = []
        let result = Training.run(config: config.training, dataset: dataset, schedule: scheduler, cores: cores) { epoch in
            seen.append(epoch)
            guard let pruner, let value = objective.curve(seen).last else { return .continue }
            return pruner.shouldPrune(trial: id, epoch: epoch.epoch, value: value) ? .stop : .continue
        }
        if result.status == .ok { pruner?.trialCompleted(trial: id, values: objective.curve(result.epochs)) }
        var record = TrialRecord(id: id, seed: seed, config: config, sampled: node.value, state: result.status,
                                 epochs: result.epochs, seconds: result.seconds,
                                 derived: config.schedule.derivedParameters.map { DerivedValue(name: $0.name, value: $0.value) },
                                 point: point)
        record.trainRows = dataset.train.count
        return record
    }

}
