// A trial's schedule as the trainer stepped it, from the record's typed config, so that a report reads a
// typed scheduler instead of parsing the config itself.

import LRSchedules

extension TrialRecord {
    /// The trial's scheduler (at its first step) and its optimizer steps per epoch, when the schedule is
    /// stepped per batch and driven by no metric; nil otherwise, or for records without `train_rows`
    /// (journals before it was recorded) or without a resolved config.
    public func perBatchSchedule() -> (scheduler: LRScheduler, stepsPerEpoch: Int)? {
        guard let rows = trainRows, let config, config.training.scheduleUnit == .step,
              let scheduler = try? LRScheduler(config.schedule), !scheduler.needsMetric else { return nil }
        return (scheduler, config.training.stepsPerEpoch(trainRows: rows))
    }
}
