// What the running search knows of its trials, by index: the epochs each has reported and which have
// finished. Adaptive decisions (TPE's suggestions, pruning) read it to see exactly trials 0 … i − 1 − lag.

import Foundation

/// The shared progress of one search's units (of this shard): each unit's objective curve so far and
/// whether it has finished, primed with the journal's finished trials on resume.
///
/// Trial i may look only at trials with index ≤ i − 1 − `lag` ("its peers"). Those have lower indices,
/// so they were handed out before it: waiting for them cannot deadlock (the running trial with the
/// lowest index never waits). `cancel()` releases every wait when the search stops on an error.
///
/// An `NSCondition` rather than a `Mutex`, because trials wait on it for their peers.
public final class TrialBoard: @unchecked Sendable {  // every stored var is read and written under `condition`
    public let lag: Int
    public let units: TrialUnits
    private let condition = NSCondition()
    private var reported: [TrialID: [Double]] = [:]
    private var finished: [TrialID: PrunePeer] = [:]
    /// The lowest index of this shard whose repeat 0 has not finished (every lower one has).
    private var frontier: Int
    private var cancelled = false
    /// Units whose wait was cut short by `cancel()`: their results are not the deterministic ones.
    private var released: Set<TrialID> = []

    public init(lag: Int, units: TrialUnits) {
        self.lag = max(0, lag)
        self.units = units
        frontier = units.shardIndex
    }

    /// Indices of this shard's configurations that trial `index` may look at: ≤ index − 1 − lag.
    public func peerIndices(of index: Int) -> StrideTo<Int> {
        let (last, overflow) = index.subtractingReportingOverflow(lag)
        let end = overflow ? units.shardIndex : min(last, units.configurations)  // exclusive: ≤ index − 1 − lag
        return stride(from: units.shardIndex, to: max(units.shardIndex, end), by: units.shardCount)
    }

    /// A unit has finished (ran out, was pruned or diverged), now or in the journal.
    public func finish(_ id: TrialID, values: [Double], complete: Bool) {
        condition.lock()
        finished[id] = PrunePeer(id: id, values: values, finished: true, complete: complete)
        reported[id] = nil
        while frontier < units.configurations, finished[TrialID(index: frontier, repeat: 0)] != nil {
            let (next, overflow) = frontier.addingReportingOverflow(units.shardCount)
            frontier = overflow ? units.configurations : next
        }
        condition.broadcast()
        condition.unlock()
    }

    /// Whether every peer of configuration `index` has finished its repeat 0 (what TPE learns from).
    public func firstRepeatsFinished(before index: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let (limit, overflow) = index.subtractingReportingOverflow(lag)  // peers are < limit
        return overflow || frontier >= min(limit, units.configurations)
    }

    /// Records `value`, the objective of running unit `id` after its next epoch (peers may wait for it).
    public func report(_ id: TrialID, value: Double) {
        condition.lock()
        reported[id, default: []].append(value)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until each peer of `id` meets `checkpoint` at `epoch` (or has finished) and returns the
    /// peers, in index order, or nil when the wait was cancelled.
    public func peers(of id: TrialID, epoch: Int, checkpoint: PruneCheckpoint,
                      including: (TrialID) -> Bool = { _ in true }) -> [PrunePeer]? {
        condition.lock()
        defer { condition.unlock() }
        let indices = peerIndices(of: id.index)
        while true {
            if cancelled {
                released.insert(id)
                return nil
            }
            var peers: [PrunePeer] = []
            var ready = true
            outer: for i in indices {
                for r in 0..<units.repeats {
                    let peer = TrialID(index: i, repeat: r)
                    guard including(peer) else { continue }
                    if let done = finished[peer] {
                        peers.append(done)
                    } else if checkpoint == .reached, let values = reported[peer], values.count >= epoch {
                        peers.append(PrunePeer(id: peer, values: values, finished: false, complete: false))
                    } else {
                        ready = false
                        break outer
                    }
                }
            }
            if ready { return peers }
            _ = condition.wait(until: Date(timeIntervalSinceNow: 1))
        }
    }

    /// The curve `values` that a peer process published for running unit `id` (`run --join`): kept
    /// when it is longer than what is known.
    public func progress(_ id: TrialID, values: [Double]) {
        condition.lock()
        if finished[id] == nil, values.count > reported[id]?.count ?? 0 {
            reported[id] = values
            condition.broadcast()
        }
        condition.unlock()
    }

    /// Unit `id` starts (again) here: forget what a dead peer published of it, so that this run's
    /// epochs are counted from the first.
    public func restart(_ id: TrialID) {
        condition.lock()
        reported[id] = nil
        condition.unlock()
    }

    /// The objective after each epoch unit `id` has reported so far.
    public func curve(of id: TrialID) -> [Double] {
        condition.lock()
        defer { condition.unlock() }
        return reported[id] ?? []
    }

    /// Wakes the waits, to look again (a peer process's results were read).
    public func poke() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Releases every wait: the search is stopping on an error, and those peers may never finish.
    public func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// Whether `id` decided without its peers because the wait was cancelled (its record should not
    /// be journaled: on resume it runs again and decides as it should).
    public func wasReleased(_ id: TrialID) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return released.contains(id)
    }
}

/// What a trial's epochs meet: the pure `Pruner` of the spec, fed with the trial's peers from the
/// board, so every decision is the same at any `--jobs`, in any shard run and after a resume.
public final class PruningGate: Sendable {
    public let pruner: any Pruner
    public let board: TrialBoard
    /// Called with a trial's curve so far at each of its checkpoints, before it waits (a `--join`
    /// peer journals it, so that other processes can judge their trials against it).
    let publish: (@Sendable (TrialID, [Double]) -> Void)?

    public init(pruner: any Pruner, board: TrialBoard, publish: (@Sendable (TrialID, [Double]) -> Void)? = nil) {
        self.pruner = pruner
        self.board = board
        self.publish = publish
    }

    /// Whether `trial`, whose objective after `epoch` is `value`, stops now. Waits for the peers the
    /// pruner needs; stops the trial when the search is cancelled meanwhile.
    public func shouldPrune(trial: TrialID, epoch: Int, value: Double) -> Bool {
        board.report(trial, value: value)  // every epoch: later trials may wait for it
        guard let checkpoint = pruner.checkpoint(trial: trial, epoch: epoch) else { return false }
        if let publish, checkpoint == .reached { publish(trial, board.curve(of: trial)) }
        guard let peers = board.peers(of: trial, epoch: epoch, checkpoint: checkpoint,
                                      including: { pruner.compares(trial, with: $0) }) else { return true }
        return pruner.shouldPrune(trial: trial, epoch: epoch, value: value, peers: peers)
    }

    /// Nothing to learn here: the board learns each finished trial from its record.
    public func trialCompleted(trial: TrialID, values: [Double]) {}
}
