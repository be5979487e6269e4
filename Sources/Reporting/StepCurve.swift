// The LR of a per-batch schedule at every optimizer step, rebuilt from a trial's config for the LR plot.

import Search

extension SearchReport {
    /// The LR at every optimizer step of a trial whose schedule is stepped per batch, at x = 1 + step /
    /// (steps per epoch), so that epoch e's first step sits at x = e as in the journaled per-epoch LRs.
    /// The record's scheduler (`TrialRecord.perBatchSchedule`) is stepped as the trainer does; nil for
    /// epoch-stepped or metric-driven schedules and for records without `train_rows`.
    /// Long runs keep each bucket's lowest and highest LR, in order, so cycles are not aliased away.
    /// Runs of more than `maxSteps` optimizer steps return nil (the cost is linear in the steps).
    public static func stepCurve(_ r: TrialRecord, maxPoints: Int = 800, maxSteps: Int = 1_000_000) -> [PlotPoint]? {
        guard !r.epochs.isEmpty, let (first, perEpoch) = r.perBatchSchedule() else { return nil }
        var scheduler = first
        guard perEpoch > 1 else { return nil }
        // The cost is one scheduler step per optimizer step, and `train_rows` comes from the journal:
        // past `maxSteps` (or on overflow) the plot keeps the journaled per-epoch LRs instead.
        let (total, overflow) = r.epochs.count.multipliedReportingOverflow(by: perEpoch)
        guard !overflow, total <= maxSteps else { return nil }
        let bucket = max(1, (2 * total + maxPoints - 1) / maxPoints)
        var points: [PlotPoint] = []
        points.reserveCapacity(min(total, maxPoints + 2))
        var low = (step: 0, lr: Double.infinity), high = (step: 0, lr: -Double.infinity)
        for step in 0..<total {
            let lr = scheduler.learningRate
            if lr < low.lr { low = (step, lr) }
            if lr > high.lr { high = (step, lr) }
            if (step + 1) % bucket == 0 || step == total - 1 {
                let kept = low.step == high.step ? [low] : [low, high].sorted { $0.step < $1.step }
                points += kept.map { PlotPoint(1 + Double($0.step) / Double(perEpoch), $0.lr) }
                low = (0, .infinity)
                high = (0, -.infinity)
            }
            scheduler.step()
        }
        return points
    }
}
