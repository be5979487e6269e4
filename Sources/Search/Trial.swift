// Trial records: what one finished training run of a search leaves behind, as values and as JSON.

import JSON5
import LRSchedules
import Trainer

extension TrialStatus {
    /// Ranking order of states: complete trials first, then pruned, then diverged, then failed.
    var rankOrder: Int {
        switch self {
        case .ok: return 0
        case .pruned: return 1
        case .diverged: return 2
        case .failed: return 3
        }
    }
}

/// A parameter the schedule derived from the sampled ones (bounded step decay's gamma, say).
public struct DerivedValue: Sendable, Equatable {
    public var name: String
    public var value: Double
    public init(name: String, value: Double) {
        self.name = name
        self.value = value
    }
}

/// Which unit of work a trial is: configuration `index`, seed repeat `repeat`.
public struct TrialID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var index: Int
    public var `repeat`: Int
    public init(index: Int, repeat: Int) {
        self.index = index
        self.repeat = `repeat`
    }
    public static func < (a: TrialID, b: TrialID) -> Bool { (a.index, a.repeat) < (b.index, b.repeat) }
    public var description: String { "\(index).\(`repeat`)" }
}

/// A finished trial: its identity, configuration (typed, and as sampled), seed, per-epoch figures, state and time.
public struct TrialRecord: Sendable, Equatable {
    public var id: TrialID
    public var seed: UInt64
    /// The configuration the trial ran, resolved once and typed; `best.json` is its `json`. Nil only for
    /// a journal line it can no longer be resolved from (a step-unit schedule of a journal written before
    /// `train_rows`, a `table` file since moved, a config this version refuses), and for hand-made records.
    public var config: TrialConfig?
    /// The configuration as the spec sampled it: the keys the spec sets, in its order, with the drawn
    /// values (the journal's `config`, written back byte for byte; the ranking's columns and the resume
    /// check read it). For `lrsearch train` it is the full config.
    public var sampled: JSONValue
    /// The family of the config's (outermost) schedule, typed when the record is made or its line read.
    public var family: ScheduleFamily
    public var state: TrialStatus
    public var epochs: [EpochMetrics]
    public var seconds: Double
    /// Schedule parameters derived from the sampled ones, shown beside them in the ranking.
    public var derived: [DerivedValue]
    /// The trial's point in unit coordinates, for model-based samplers (TPE) to learn from.
    public var point: UnitPoint?
    /// Rows in the training split: with the config it gives the steps per epoch, so a report can redraw
    /// a per-batch schedule step by step (nil in journals written before it was recorded).
    public var trainRows: Int?
    /// Why a trial `failed` (an external program's exit status or timeout, and the last lines of its
    /// log), or why it ended otherwise when the runner knows more than the status says; nil for most.
    public var reason: String?

    /// A record of a trial that ran `config`; `sampled` defaults to the config written in full.
    public init(id: TrialID, seed: UInt64, config: TrialConfig, sampled: JSONValue? = nil, state: TrialStatus,
                epochs: [EpochMetrics], seconds: Double, derived: [DerivedValue] = [], point: UnitPoint? = nil) {
        self.init(id: id, seed: seed, sampled: sampled ?? config.json, family: config.schedule.family, state: state,
                  epochs: epochs, seconds: seconds, derived: derived, point: point)
        self.config = config
    }

    /// A record known only by its sampled configuration and family (`config` nil).
    public init(id: TrialID, seed: UInt64, sampled: JSONValue, family: ScheduleFamily, state: TrialStatus,
                epochs: [EpochMetrics], seconds: Double, derived: [DerivedValue] = [], point: UnitPoint? = nil) {
        self.id = id
        self.seed = seed
        self.config = nil
        self.sampled = sampled
        self.family = family
        self.state = state
        self.epochs = epochs
        self.seconds = seconds
        self.derived = derived
        self.point = point
    }

    /// The objective's value, or NaN when the trial has no finite value for it.
    public func objective(_ objective: Objective) -> Double {
        guard let last = epochs.last else { return .nan }
        switch objective {
        case .finalValLoss: return last.valLoss
        case .finalTrainLoss: return last.trainLoss
        case .bestValLoss: return epochs.map(\.valLoss).filter { $0.isFinite }.min() ?? .nan
        case .finalValAccuracy: return last.valAccuracy ?? .nan
        case .finalValR2: return last.valR2 ?? .nan
        case .finalValMAE: return last.valMAE ?? .nan
        }
    }

    /// The schedule family a journaled config names (`config.schedule.family`).
    static func family(of config: JSONNode) throws(ConfigError) -> ScheduleFamily {
        let node = config.value["schedule"]?.value["family"]
        guard case .string(let name)? = node?.value else {
            throw ConfigError(node ?? config, path: "config.schedule.family",
                              "expected the schedule's family name, got \(node.map { ObjectReader.describe($0.value) } ?? "nothing")")
        }
        guard let family = ScheduleFamily(rawValue: name) else {
            throw ConfigError(node, path: "config.schedule.family", "unknown schedule family '\(name)'")
        }
        return family
    }
}

extension TrialRecord {
    /// The journal line of this record (without the trailing newline).
    public var json: JSONValue {
        let epochs: [JSONValue] = self.epochs.map { e in
            var members: [(String, JSONValue)] = [("epoch", .number(Double(e.epoch))), ("lr", Self.number(e.lr)),
                                                  ("train_loss", Self.number(e.trainLoss)), ("val_loss", Self.number(e.valLoss))]
            if let a = e.valAccuracy { members.append(("val_accuracy", Self.number(a))) }
            if let r2 = e.valR2 { members.append(("val_r2", Self.number(r2))) }
            if let mae = e.valMAE { members.append(("val_mae", Self.number(mae))) }
            members.append(("seconds", Self.number(e.seconds)))
            for (k, v) in e.extra.sorted(by: { $0.key < $1.key }) where !Self.epochKeys.contains(k) { members.append((k, Self.number(v))) }
            return .object(members.map { JSONMember(key: $0.0, value: JSONNode($0.1)) })
        }
        var pairs: [(String, JSONValue)] = [
            ("op", "trial"), ("index", .number(Double(id.index))), ("repeat", .number(Double(id.repeat))),
            ("seed", .number(Double(seed))), ("status", .string(state.rawValue)), ("seconds", Self.number(seconds)),
            ("config", sampled), ("epochs", .array(epochs.map { JSONNode($0) })),
        ]
        if let p = point {
            func list(_ xs: [Double]) -> JSONValue { .array(xs.map { JSONNode(Self.number($0)) }) }
            pairs.append(("point", ["schedule": .number(Double(p.schedule)), "common": list(p.common), "family": list(p.family)]))
        }
        if let trainRows { pairs.append(("train_rows", .number(Double(trainRows)))) }
        if let reason { pairs.append(("reason", .string(reason))) }
        if !derived.isEmpty {
            pairs.append(("derived", .object(derived.map { JSONMember(key: $0.name, value: JSONNode(Self.number($0.value))) })))
        }
        return .object(pairs.map { JSONMember(key: $0.0, value: JSONNode($0.1)) })
    }

    /// The keys of a journaled epoch; any other key is an external program's extra number.
    static let epochKeys: Set<String> = ["epoch", "lr", "train_loss", "val_loss", "val_accuracy", "val_r2", "val_mae", "seconds"]

    /// A number as the journal writes it: finite values as JSON numbers, NaN and ±infinity as the
    /// strings "NaN", "Infinity" and "-Infinity" (journal version 3), so that every line is strict JSON
    /// that any JSON reader (jq, Python's json with its defaults off, a browser) accepts.
    public static func number(_ x: Double) -> JSONValue {
        if x.isFinite { return .number(x) }
        return .string(x.isNaN ? "NaN" : x > 0 ? "Infinity" : "-Infinity")
    }

    /// Reads a number written by `number(_:)`; the bare JSON5 tokens `NaN` and `Infinity` of journals
    /// before version 3 parse as numbers already.
    static func double(_ r: inout ObjectReader, _ key: String) throws(ConfigError) -> Double? {
        guard let n = r.node(key) else { return nil }
        return try double(n, path: r.path(key))
    }

    static func double(_ n: JSONNode, path: String) throws(ConfigError) -> Double {
        switch n.value {
        case .number(let x): return x
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        default: throw ConfigError(n, path: path, "expected a number (or \"NaN\", \"Infinity\", \"-Infinity\"), got \(ObjectReader.describe(n.value))")
        }
    }

    /// Reads a record written by `json`, resolving its config (against `train_rows`, relative `table`
    /// paths from the working directory) as the trial did; `config` is nil when that fails.
    public init(json node: JSONNode) throws(ConfigError) {
        var r = try ObjectReader(node, path: "")
        _ = try r.string("op")
        let index = try r.int("index") ?? -1
        let rep = try r.int("repeat") ?? 0
        let seed = try r.int("seed") ?? 0
        guard index >= 0 else { throw ConfigError(r.node("index"), path: "index", "expected a trial index >= 0, got \(index)") }
        guard rep >= 0 else { throw ConfigError(r.node("repeat"), path: "repeat", "expected a repeat >= 0, got \(rep)") }
        guard seed >= 0 else { throw ConfigError(r.node("seed"), path: "seed", "expected a seed >= 0, got \(seed)") }
        let state = try r.choice("status", as: TrialStatus.self) ?? .ok
        let seconds = try Self.double(&r, "seconds") ?? 0
        let configNode = try r.required("config")
        let family = try Self.family(of: configNode)
        var epochs: [EpochMetrics] = []
        if let list = r.node("epochs"), case .array(let items) = list.value {
            for (i, item) in items.enumerated() {
                var e = try ObjectReader(item, path: "epochs[\(i)]")
                var record = EpochMetrics(
                    epoch: try e.int("epoch") ?? i + 1, lr: try Self.double(&e, "lr") ?? .nan,
                    trainLoss: try Self.double(&e, "train_loss") ?? .nan, valLoss: try Self.double(&e, "val_loss") ?? .nan,
                    valAccuracy: try Self.double(&e, "val_accuracy"), seconds: try Self.double(&e, "seconds") ?? 0,
                    valR2: try Self.double(&e, "val_r2"), valMAE: try Self.double(&e, "val_mae"))
                for m in e.members where !Self.epochKeys.contains(m.key) {
                    record.extra[m.key] = try Self.double(m.value, path: "epochs[\(i)].\(m.key)")
                }
                epochs.append(record)
            }
        }
        var derived: [DerivedValue] = []
        if let node = r.node("derived"), case .object(let members) = node.value {
            for m in members {
                derived.append(DerivedValue(name: m.key, value: try Self.double(m.value, path: "derived.\(m.key)")))
            }
        }
        self.init(id: TrialID(index: index, repeat: rep), seed: UInt64(seed), sampled: configNode.value, family: family,
                  state: state, epochs: epochs, seconds: seconds, derived: derived)
        trainRows = try r.int("train_rows")
        reason = try r.string("reason")
        // A split has at least 2 training rows; an edited count resolves nothing rather than a wrong run length.
        if trainRows.map({ $0 >= 2 }) ?? true { config = try? TrialConfig.parse(configNode, trainRows: trainRows) }
        if let node = r.node("point") {
            var pr = try ObjectReader(node, path: "point")
            point = UnitPoint(schedule: try pr.int("schedule") ?? 0, common: try pr.doubles("common") ?? [],
                              family: try pr.doubles("family") ?? [])
        }
    }
}

extension SearchSpec {
    /// The seed of trial `id`: derived from the spec seed, the configuration index (unless seeds are
    /// shared) and the repeat, kept below 2^53 so that it survives a round trip through JSON numbers.
    public func trialSeed(_ id: TrialID) -> UInt64 {
        deriveSeed(deriveSeed(seed, sharedSeeds ? 0 : UInt64(id.index)), UInt64(id.repeat) &+ 1) >> 11
    }

    /// The full configuration of a trial (the format of `best.json`): the sampled task, optimizer
    /// and schedule, with the base LR placed in the schedule object unless the entry sets its own.
    public func trialConfig(_ point: TrialPoint, seed: UInt64) -> JSONNode {
        let nTask = task.parameters.count, nOpt = optimizer.parameters.count
        let taskNode = task.instantiate(Array(point.common[0..<nTask]))
        let optNode = optimizer.instantiate(Array(point.common[nTask..<(nTask + nOpt)]))
        let lrNode = lr.instantiate(Array(point.common[(nTask + nOpt)...]))
        let space = schedules[point.schedule]
        var schedule = space.template.instantiate(point.family)
        if case .object(var members) = schedule.value {
            let lrKey = Self.baseLRKey(family: space.family)
            let at = members.firstIndex { $0.key == "family" }.map { $0 + 1 } ?? 0
            // piecewise and table give their LRs outright; the spec's base lr does not apply to them.
            if !members.contains(where: { $0.key == lrKey }), space.family != .piecewise, space.family != .table {
                members.insert(JSONMember(key: lrKey, value: lrNode), at: at)
            }
            // Smith (2015): base_lr between max_lr/4 and max_lr/3; a cyclic entry without one gets max_lr/4.
            if space.family == .cyclic, !members.contains(where: { $0.key == "base_lr" }),
               let i = members.firstIndex(where: { $0.key == "max_lr" }), case .number(let peak) = members[i].value.value {
                members.insert(JSONMember(key: "base_lr", value: JSONNode(.number(peak / 4), at: members[i].value.location)), at: at)
            }
            schedule.value = .object(members)
        }
        return JSONNode(.object([
            JSONMember(key: "seed", value: JSONNode(.number(Double(seed)))),
            JSONMember(key: "task", value: taskNode),
            JSONMember(key: "optimizer", value: optNode),
            JSONMember(key: "schedule", value: schedule),
        ]))
    }

    /// The schedule parameter that the spec's base `lr` fills: `max_lr` for the families whose
    /// peak is their defining LR (cyclic, onecycle), `lr` for the rest. A cyclic entry that sets no
    /// `base_lr` cycles between max_lr/4 and max_lr.
    static func baseLRKey(family: ScheduleFamily) -> String {
        family == .onecycle || family == .cyclic ? "max_lr" : "lr"
    }
}
