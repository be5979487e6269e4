// LRSchedules' scheduler is the training loop's LR source.

import LRSchedules

extension LRScheduler: LRSource {
    /// plateau's `monitor`: val_loss (the default), train_loss or val_accuracy (NaN for regression,
    /// which validation refuses).
    public func monitoredMetric(_ epoch: EpochMetrics) -> Double {
        switch monitor {
        case .trainLoss?: return epoch.trainLoss
        case .valAccuracy?: return epoch.valAccuracy ?? .nan
        case .valLoss?, nil: return epoch.valLoss
        }
    }
}
