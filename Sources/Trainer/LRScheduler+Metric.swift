// What the training loop feeds a metric-driven scheduler (plateau) after each epoch.

import LRSchedules

extension LRScheduler {
    /// plateau's `monitor`: val_loss (the default), train_loss or val_accuracy (NaN for regression,
    /// which validation refuses); the validation loss for every other schedule (which ignores it).
    public func monitoredMetric(_ epoch: EpochMetrics) -> Double {
        switch monitor {
        case .trainLoss?: return epoch.trainLoss
        case .valAccuracy?: return epoch.valAccuracy ?? .nan
        case .valLoss?, nil: return epoch.valLoss
        }
    }
}
