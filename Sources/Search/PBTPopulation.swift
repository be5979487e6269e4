// Population-based training: members train an interval concurrently, then the worst copy the best and explore.

import Dispatch
import Foundation
import JSON5
import LRSchedules
import Synchronization
import Trainer

/// The hyperparameters a member trains one interval with (nil: not explored, the config's).
public struct PBTValues: Sendable, Equatable {
    public var lr: Double
    public var momentum: Double?
    public var lambdaNew: Double?

    public init(lr: Double, momentum: Double? = nil, lambdaNew: Double? = nil) {
        self.lr = lr
        self.momentum = momentum
        self.lambdaNew = lambdaNew
    }
}

/// What member `slot` did in interval `interval` (0-based): epochs `startEpoch…endEpoch` (1-based),
/// with `values`, ending at `objective` (the spec's objective after its last epoch; NaN if none).
public struct PBTSegment: Sendable, Equatable {
    public var slot: Int
    public var interval: Int
    public var startEpoch: Int
    public var endEpoch: Int
    public var values: PBTValues
    public var objective: Double
}

/// At the boundary after epoch `epoch`, member `recipient` copied `donor`'s state (weights, optimizer,
/// RNG, history, lineage) and explored from the donor's `from` values to `to`.
public struct PBTExploit: Sendable, Equatable {
    public var epoch: Int
    public var recipient: Int
    public var donor: Int
    public var from: PBTValues
    public var to: PBTValues
}

/// One member: its lineage's root config (`base`: seed, task, optimizer and the initial constant
/// schedule), the lineage's values per interval so far, and its training state.
public struct PBTMember: Sendable {
    public var slot: Int
    public var base: JSONValue
    public var path: [PBTValues]
    public var state: TrainingState<Float>
}

/// The population between two intervals. Everything that decides the outcome — member states, the
/// coordinator RNG that draws donors and explores — is in this value, and a snapshot of it
/// (PBTSnapshot.swift) resumes a run to the same bits; the members of an interval train
/// independently, so the result does not depend on how many workers run them.
///
/// - Complexity: each boundary sorts the population, O(P log P), and copies at most P/2 states.
public struct PBTPopulation: Sendable {
    public let spec: SearchSpec
    public let settings: PBTSettings
    public internal(set) var members: [PBTMember]
    /// Intervals trained so far.
    public internal(set) var interval = 0
    public internal(set) var rng: SplitMix64
    public internal(set) var segments: [PBTSegment] = []
    public internal(set) var exploits: [PBTExploit] = []
    /// Worker time spent waiting at interval boundaries for the slowest member, summed over workers.
    public internal(set) var idleSeconds = 0.0
    /// Epochs trained by all members in this process (not kept by snapshots): the budget `bench --pbt` compares.
    public internal(set) var epochsTrained = 0
    /// The training split's size (steps per epoch for step-unit schedules, and the records' `trainRows`).
    public let trainRows: Int

    /// The task's epochs (checked to be fixed by the spec check).
    public var epochs: Int { members.first?.state.config.epochs ?? 0 }
    /// Intervals in the run: ⌈epochs / interval_epochs⌉ (the last may be shorter).
    public var intervals: Int { (epochs + settings.intervalEpochs - 1) / settings.intervalEpochs }
    public var isFinished: Bool { interval >= intervals }

    /// The members' initial draws: trial i of the spec's random sampler (all with the shared seed).
    public init(spec: SearchSpec, data: DataCache) throws(ConfigError) {
        guard let settings = spec.pbt else { throw ConfigError(path: "strategy", location: nil, message: "is not pbt") }
        self.spec = spec
        self.settings = settings
        let sampler = try StaticSampler(spec: spec, trials: settings.population)
        var members: [PBTMember] = []
        var rows = 0
        for i in 0..<settings.population {
            let node = spec.trialConfig(sampler.point(i), seed: spec.trialSeed(TrialID(index: i, repeat: 0)))
            let (config, dataset) = try data.prepare(node)
            rows = dataset.train.count
            var values = PBTValues(lr: 0)
            if case .constant(let lr, _, _) = config.schedule { values.lr = lr }
            if settings.hyperparameters.contains(.momentum) { values.momentum = config.training.optimizer.momentum }
            if settings.hyperparameters.contains(.lambdaNew), case .new(let l) = config.training.optimizer.weightDecay {
                values.lambdaNew = l
            }
            let state = TrainingState<Float>(config: config.training, dataset: dataset, schedule: LRScheduler.constant(values.lr))
            members.append(PBTMember(slot: i, base: node.value, path: [values], state: state))
        }
        self.members = members
        trainRows = rows
        rng = SplitMix64(seed: deriveSeed(spec.seed, 0x5042_5400))  // "PBT": the coordinator's own stream
    }

    /// Restores a population taken by `PBTSnapshot` (internal: the snapshot reader builds it).
    init(spec: SearchSpec, settings: PBTSettings, members: [PBTMember], interval: Int, rng: SplitMix64,
         segments: [PBTSegment], exploits: [PBTExploit], idleSeconds: Double, trainRows: Int) {
        self.spec = spec
        self.settings = settings
        self.members = members
        self.interval = interval
        self.rng = rng
        self.segments = segments
        self.exploits = exploits
        self.idleSeconds = idleSeconds
        self.trainRows = trainRows
    }

    // MARK: - Schedules

    /// Scheduler steps in one epoch for the members' unit.
    var unitsPerEpoch: Int {
        guard let c = members.first?.state.config, c.scheduleUnit == .step else { return 1 }
        return c.stepsPerEpoch(trainRows: trainRows)
    }

    /// The piecewise LR of a path: value j from the first step of interval j (a boundary only where
    /// the LR changes, so a lineage that kept its LR for several intervals reads as one piece).
    func piecewise(_ path: [PBTValues]) -> ScheduleSpec {
        let span = settings.intervalEpochs * unitsPerEpoch
        var boundaries: [Int] = [], values: [Double] = path.first.map { [$0.lr] } ?? []
        for (j, v) in path.enumerated().dropFirst() where v.lr != values.last {
            boundaries.append(j * span - 1)
            values.append(v.lr)
        }
        return .piecewise(boundaries: boundaries, values: values)
    }

    /// Gives member i the schedule of its path (advanced to where its run is) and its momentum and λnew.
    mutating func prepare(_ i: Int) {
        let m = members[i]
        guard let values = m.path.last, var scheduler = try? LRScheduler(piecewise(m.path)) else { return }
        let done = m.state.config.scheduleUnit == .epoch ? m.state.epochsDone : m.state.steps
        for _ in 0..<done { scheduler.step(metric: nil) }
        members[i].state.schedule = scheduler
        HyperparameterPaths.apply(momentum: values.momentum, lambdaNew: values.lambdaNew, to: &members[i].state)
    }

    // MARK: - One interval

    /// Trains every unfinished member for one interval on up to `jobs` workers, then (unless it was
    /// the last interval) lets the bottom quantile exploit the top and explore. Returns the segments
    /// and exploits it added.
    public mutating func step(jobs: Int) -> (segments: [PBTSegment], exploits: [PBTExploit]) {
        guard !isFinished else { return ([], []) }
        for i in members.indices where !members[i].state.isFinished { prepare(i) }
        let start = interval * settings.intervalEpochs
        let length = min(settings.intervalEpochs, epochs - start)
        train(epochs: length, jobs: jobs)
        interval += 1
        let added = members.map { m in
            PBTSegment(slot: m.slot, interval: interval - 1, startEpoch: start + 1, endEpoch: start + length,
                       values: m.path.last ?? PBTValues(lr: 0), objective: objective(m))
        }
        segments += added
        var done: [PBTExploit] = []
        if !isFinished { done = exploitAndExplore(epoch: start + length) }
        exploits += done
        return (added, done)
    }

    /// Runs the members concurrently; the workers take members in slot order as they free up.
    mutating func train(epochs length: Int, jobs: Int) {
        let todo = members.indices.filter { !members[$0].state.isFinished }
        guard !todo.isEmpty else { return }
        let snapshot = members
        let results = Mutex<[Int: TrainingState<Float>]>([:])
        let finished = Mutex<[ContinuousClock.Instant]>([])
        let next = Atomic<Int>(0)
        let clock = ContinuousClock()
        let workers = max(1, min(jobs, todo.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let k = next.add(1, ordering: .relaxed).oldValue
                guard k < todo.count else { break }
                var s = snapshot[todo[k]].state
                s.run(epochs: length)
                results.withLock { $0[todo[k]] = s }
            }
            finished.withLock { $0.append(clock.now) }
        }
        let barrier = clock.now
        idleSeconds += finished.withLock { $0 }.reduce(0.0) { $0 + Training.secondsBetween($1, barrier) }
        for (i, s) in results.withLock({ $0 }) {
            epochsTrained += s.epochsDone - members[i].state.epochsDone
            members[i].state = s
        }
    }

    /// The member's current objective, lower is better (+∞ when it has none or diverged).
    func score(_ m: PBTMember) -> Double {
        let v = objective(m)
        guard v.isFinite, m.state.status != .diverged else { return .infinity }
        return spec.objective.maximizes ? -v : v
    }

    func objective(_ m: PBTMember) -> Double { spec.objective.curve(m.state.history).last ?? .nan }

    /// Ray Tune's `_quantiles`: sort by score; q = ⌈P·quantile⌉, at most ⌊P/2⌋; the worst q copy a
    /// donor drawn uniformly from the best q. Ties break by slot, so the order is a function of the values.
    mutating func exploitAndExplore(epoch: Int) -> [PBTExploit] {
        let order = members.indices.sorted { (score(members[$0]), $0) < (score(members[$1]), $1) }
        let p = members.count
        var q = Int((Double(p) * settings.quantile).rounded(.up))
        q = min(q, p / 2)
        guard q >= 1 else { return [] }
        let top = Array(order.prefix(q)), bottom = Array(order.suffix(q)).sorted()
        let before = members
        for i in members.indices where !bottom.contains(i) {
            if let last = members[i].path.last { members[i].path.append(last) }
        }
        var done: [PBTExploit] = []
        for r in bottom {
            let d = top[Int(rng.next() % UInt64(q))]
            let donor = before[d]
            let from = donor.path.last ?? PBTValues(lr: 0)
            let to = explore(from)
            members[r] = PBTMember(slot: r, base: donor.base, path: donor.path + [to], state: donor.state)
            done.append(PBTExploit(epoch: epoch, recipient: r, donor: d, from: from, to: to))
        }
        return done
    }

    /// Each explored hyperparameter, in the order `hyperparameters` lists them.
    mutating func explore(_ v: PBTValues) -> PBTValues {
        var out = v
        for h in settings.hyperparameters {
            guard let d = spec.pbtDistribution(h) else { continue }
            switch h {
            case .lr: out.lr = PBTExplore.explore(v.lr, in: d, settings: settings, rng: &rng)
            case .momentum: out.momentum = v.momentum.map { PBTExplore.explore($0, in: d, settings: settings, rng: &rng) }
            case .lambdaNew: out.lambdaNew = v.lambdaNew.map { PBTExplore.explore($0, in: d, settings: settings, rng: &rng) }
            }
        }
        return out
    }

    // MARK: - Results

    /// Member i's config in the format of best.json: its lineage root's config with the lineage's LR
    /// path as a `piecewise` schedule and, when explored, its momentum and λnew paths.
    public func replayConfig(_ i: Int) -> JSONValue {
        let m = members[i]
        guard case .object(var top) = m.base else { return m.base }
        var schedule: [JSONMember] = [JSONMember(key: "family", value: JSONNode("piecewise"))]
        if case .piecewise(let b, let v) = piecewise(m.path) {
            schedule.append(JSONMember(key: "boundaries", value: JSONNode(.array(b.map { JSONNode(.number(Double($0))) }))))
            schedule.append(JSONMember(key: "values", value: JSONNode(.array(v.map { JSONNode(.number($0)) }))))
        }
        if let s = top.firstIndex(where: { $0.key == "schedule" }) {
            top[s].value = JSONNode(.object(schedule))
        } else {
            top.append(JSONMember(key: "schedule", value: JSONNode(.object(schedule))))
        }
        let momentum = m.path.compactMap(\.momentum), lambdaNew = m.path.compactMap(\.lambdaNew)
        if momentum.count == m.path.count || lambdaNew.count == m.path.count {
            let paths = HyperparameterPaths(
                boundaries: (0..<max(0, m.path.count - 1)).map { ($0 + 1) * settings.intervalEpochs },
                momentum: momentum.count == m.path.count && !momentum.isEmpty ? momentum : nil,
                lambdaNew: lambdaNew.count == m.path.count && !lambdaNew.isEmpty ? lambdaNew : nil)
            if paths.momentum != nil || paths.lambdaNew != nil {
                top.append(JSONMember(key: "hyperparameter_paths", value: JSONNode(paths.json)))
            }
        }
        return .object(top)
    }

    /// One record per member (its lineage's epochs and replay config), as the journal and the ranking take them.
    public func records() -> [TrialRecord] {
        members.map { m in
            var r = TrialRecord(id: TrialID(index: m.slot, repeat: 0), seed: m.state.config.seed, sampled: replayConfig(m.slot),
                                family: .piecewise, state: m.state.status, epochs: m.state.history,
                                seconds: m.state.seconds)
            r.trainRows = trainRows
            return r
        }
    }
}

extension Training {
    /// Seconds from `a` to `b` (0 when b is earlier).
    static func secondsBetween(_ a: ContinuousClock.Instant, _ b: ContinuousClock.Instant) -> Double {
        let d = b - a
        return max(0, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
    }
}

/// What the report draws of a PBT run: every member's segments and every exploit.
public struct PBTHistory: Sendable, Equatable {
    public var population: Int
    public var intervalEpochs: Int
    public var epochs: Int
    public var segments: [PBTSegment]
    public var exploits: [PBTExploit]
    public var idleSeconds: Double
    public var objective: Objective

    public init(population: Int, intervalEpochs: Int, epochs: Int, segments: [PBTSegment], exploits: [PBTExploit],
                idleSeconds: Double, objective: Objective) {
        self.population = population
        self.intervalEpochs = intervalEpochs
        self.epochs = epochs
        self.segments = segments
        self.exploits = exploits
        self.idleSeconds = idleSeconds
        self.objective = objective
    }

    /// The slot whose segment holds member `slot`'s lineage in each interval (index = interval): walking
    /// back from the last interval, an exploit into the slot at the end of interval k − 1 moves the
    /// lineage to its donor.
    public func lineage(of slot: Int) -> [Int] {
        let intervals = (segments.map(\.interval).max() ?? -1) + 1
        guard intervals > 0 else { return [] }
        var path = [Int](repeating: slot, count: intervals)
        var start: [Int: Int] = [:]  // interval → its first segment's first epoch
        for s in segments where start[s.interval] == nil { start[s.interval] = s.startEpoch }
        var donors: [Int: [Int: Int]] = [:]  // epoch → recipient → donor (the last exploit of each)
        for e in exploits { donors[e.epoch, default: [:]][e.recipient] = e.donor }
        var current = slot
        for k in stride(from: intervals - 1, through: 0, by: -1) {
            path[k] = current
            let boundaryEpoch = start[k].map { $0 - 1 } ?? 0
            if let d = donors[boundaryEpoch]?[current] { current = d }
        }
        return path
    }
}

extension PBTPopulation {
    public var history: PBTHistory {
        PBTHistory(population: members.count, intervalEpochs: settings.intervalEpochs, epochs: epochs, segments: segments,
                   exploits: exploits, idleSeconds: idleSeconds, objective: spec.objective)
    }
}
