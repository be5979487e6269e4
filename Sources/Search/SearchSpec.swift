// The search spec: what to search (schedule families and their spaces), on what task, with what budget.

import JSON5

/// How trials are drawn from the space.
public enum SamplerKind: String, Sendable, CaseIterable {
    case random, grid, sobol, tpe
}

/// What a trial is ranked by. Accuracy and R² are maximised; losses and the MAE are minimised.
public enum Objective: String, Sendable, CaseIterable, Codable {
    case finalValLoss = "final_val_loss"
    case finalTrainLoss = "final_train_loss"
    case bestValLoss = "best_val_loss"
    case finalValAccuracy = "final_val_accuracy"
    /// Regression: the last epoch's validation R² (scikit-learn's `r2_score`).
    case finalValR2 = "final_val_r2"
    /// Regression: the last epoch's validation mean absolute error, in the target's units.
    case finalValMAE = "final_val_mae"

    public var maximizes: Bool { self == .finalValAccuracy || self == .finalValR2 }
}

/// Early stopping of trials, as written in the spec's `pruner`.
public enum PrunerSpec: Sendable, Equatable {
    case none
    /// Asynchronous successive halving; `maxEpochs` nil means the task's epochs.
    case asha(minEpochs: Int, reductionFactor: Int, maxEpochs: Int?)
    /// ASHA brackets with minimum epochs min·η^b, b = 0..<brackets.
    case hyperband(minEpochs: Int, reductionFactor: Int, maxEpochs: Int?, brackets: Int)
    /// Median stopping rule.
    case median(warmupEpochs: Int, minTrials: Int)

    enum Kind: String, CaseIterable { case none, asha, hyperband, median }
}

/// One entry of `schedules`: a family and the space of its parameters.
public struct ScheduleSpace: Sendable, Equatable {
    public var family: String
    /// The entry's object (family, and each parameter fixed or a distribution).
    public var template: ParamTemplate
    /// Where the entry is written: `schedules[2]`.
    public var path: String
}

/// `trial_seeds` in a spec.
enum TrialSeeds: String, CaseIterable {
    case distinct, shared
}

/// A parsed, checked search spec (the JSON5 format of DESIGN.md).
public struct SearchSpec: Sendable, Equatable {
    public var name: String
    public var description: String?
    public var seed: UInt64
    public var trials: Int
    public var sampler: SamplerKind
    public var gridPoints: Int
    public var objective: Objective
    public var repeats: Int
    public var task: ParamTemplate
    public var optimizer: ParamTemplate
    /// The base LR: a number or a distribution (`lr` in the spec).
    public var lr: ParamTemplate
    /// `lr: { auto: true, span }`: `lr` is a placeholder until `resolvingAutoLR` (AutoLR.swift).
    public var lrAuto: AutoLRSpec? = nil
    /// The range an auto `lr` was resolved to (nil before, and for specs without auto).
    public var lrRange: AutoLRRange? = nil
    public var schedules: [ScheduleSpace]
    public var pruner: PrunerSpec
    /// `trial_seeds: "shared"`: every configuration trains from the same initialisation and batch order
    /// (one seed per repeat), so schedules are compared on common random numbers; `"distinct"` (the
    /// default) gives every configuration its own seed.
    public var sharedSeeds = false
    /// The whole document, for the spec hash.
    public var source: JSONNode

    static let topKeys = ["name", "description", "seed", "trials", "sampler", "grid_points", "objective", "repeats",
                          "task", "optimizer", "lr", "schedules", "pruner", "trial_seeds"]

    /// Parses a spec document, collecting every problem it finds rather than stopping at the first.
    /// `defaultName` names the search when the spec has no `name` (the file's base name).
    public static func parse(_ root: JSONNode, defaultName: String) throws(SpecErrors) -> SearchSpec {
        var errors: [ConfigError] = []
        func attempt<T>(_ fallback: T, _ body: () throws(ConfigError) -> T) -> T {
            do { return try body() } catch { errors.append(error); return fallback }
        }
        guard var r = attempt(nil as ObjectReader?, { () throws(ConfigError) in try ObjectReader(root, path: "") })
        else { throw SpecErrors(errors) }

        let name = attempt(defaultName) { () throws(ConfigError) in try r.string("name") ?? defaultName }
        if name.isEmpty || name.contains("/") || name.hasPrefix(".") {
            errors.append(ConfigError(r.members.first { $0.key == "name" }?.value, path: "name",
                                      "must be a non-empty name without '/' that does not start with '.', got \(JSONWriter.string(name))"))
        }
        let description = attempt(nil) { () throws(ConfigError) in try r.string("description") }
        let seed = attempt(0) { () throws(ConfigError) in try nonNegative(&r, "seed", default: 0) }
        let trials = attempt(20) { () throws(ConfigError) in try positive(&r, "trials", default: 20) }
        let sampler = attempt(.random) { () throws(ConfigError) in try r.choice("sampler", as: SamplerKind.self) ?? .random }
        let gridPoints = attempt(3) { () throws(ConfigError) in try positive(&r, "grid_points", default: 3) }
        let objective = attempt(.finalValLoss) { () throws(ConfigError) in
            try r.choice("objective", as: Objective.self) ?? .finalValLoss
        }
        let repeats = attempt(1) { () throws(ConfigError) in try positive(&r, "repeats", default: 1) }
        let task = attempt(ParamTemplate(fixed: [:])) { () throws(ConfigError) in
            try ParamTemplate(try r.required("task"), path: "task")
        }
        let optimizer = attempt(ParamTemplate(fixed: ["kind": "sgd"])) { () throws(ConfigError) in
            try ParamTemplate(r.node("optimizer") ?? JSONNode(["kind": "sgd"]), path: "optimizer")
        }
        let lrNode = r.node("lr") ?? JSONNode(0.1)
        let lrAuto = AutoLRSpec.isAuto(lrNode) ? attempt(nil) { () throws(ConfigError) in try AutoLRSpec.parse(lrNode) } : nil
        let lr = lrAuto?.placeholder ?? attempt(ParamTemplate(fixed: 0.1)) { () throws(ConfigError) in
            try ParamTemplate(lrNode, path: "lr")
        }
        let pruner = attempt(.none) { () throws(ConfigError) in try parsePruner(r.node("pruner")) }
        let sharedSeeds = attempt(false) { () throws(ConfigError) in
            try r.choice("trial_seeds", as: TrialSeeds.self) == .shared
        }
        let schedules = parseSchedules(r.node("schedules"), in: r, errors: &errors)
        attempt(()) { () throws(ConfigError) in try r.finish(allowed: topKeys) }
        if sampler != .grid, r.has("grid_points") {
            errors.append(ConfigError(r.members.first { $0.key == "grid_points" }?.value, path: "grid_points",
                                      "only applies to sampler \"grid\", but the sampler is \"\(sampler.rawValue)\""))
        }
        guard errors.isEmpty else { throw SpecErrors(errors) }
        var spec = SearchSpec(name: name, description: description, seed: UInt64(seed), trials: trials, sampler: sampler,
                              gridPoints: gridPoints, objective: objective, repeats: repeats, task: task,
                              optimizer: optimizer, lr: lr, lrAuto: lrAuto, schedules: schedules, pruner: pruner,
                              source: root)
        spec.sharedSeeds = sharedSeeds
        return spec
    }

    private static func parseSchedules(_ node: JSONNode?, in r: ObjectReader, errors: inout [ConfigError]) -> [ScheduleSpace] {
        guard let node else {
            errors.append(ConfigError(path: "schedules", location: r.node.location,
                                      message: "is required but missing: list the schedule families to search"))
            return []
        }
        guard case .array(let entries) = node.value, !entries.isEmpty else {
            errors.append(ConfigError(node, path: "schedules",
                                      "expected a non-empty array of schedule objects, got \(ObjectReader.describe(node.value))"))
            return []
        }
        var spaces: [ScheduleSpace] = []
        for (i, entry) in entries.enumerated() {
            let path = "schedules[\(i)]"
            do throws(ConfigError) {
                var er = try ObjectReader(entry, path: path)
                let familyNode = try er.required("family")
                guard case .string(let family) = familyNode.value else {
                    throw ConfigError(familyNode, path: joinPath(path, "family"),
                                      "expected a family name, got \(ObjectReader.describe(familyNode.value))")
                }
                spaces.append(ScheduleSpace(family: family, template: try ParamTemplate(entry, path: path), path: path))
            } catch {
                errors.append(error)
            }
        }
        return spaces
    }

    private static func parsePruner(_ node: JSONNode?) throws(ConfigError) -> PrunerSpec {
        guard let node else { return .none }
        var r: ObjectReader
        if case .string = node.value {
            r = try ObjectReader(JSONNode(.object([JSONMember(key: "kind", value: node)]), at: node.location), path: "pruner")
        } else {
            r = try ObjectReader(node, path: "pruner")
        }
        let spec: PrunerSpec
        switch try r.choice("kind", as: PrunerSpec.Kind.self) ?? .none {
        case .none:
            spec = .none
        case .asha, .hyperband:
            let isHyperband = (try r.choice("kind", as: PrunerSpec.Kind.self)) == .hyperband
            let minEpochs = try positive(&r, "min_epochs", default: 1)
            let factor = try positive(&r, "reduction_factor", default: 3)
            guard factor >= 2 else {
                throw ConfigError(r.node("reduction_factor"), path: "pruner.reduction_factor", "must be an integer >= 2, got \(factor)")
            }
            let maxEpochs = try r.int("max_epochs")
            if let m = maxEpochs, m <= minEpochs {
                throw ConfigError(r.node("max_epochs"), path: "pruner.max_epochs", "must be > min_epochs (\(minEpochs)), got \(m)")
            }
            if isHyperband {
                spec = .hyperband(minEpochs: minEpochs, reductionFactor: factor, maxEpochs: maxEpochs,
                                  brackets: try positive(&r, "brackets", default: 3))
            } else {
                spec = .asha(minEpochs: minEpochs, reductionFactor: factor, maxEpochs: maxEpochs)
            }
        case .median:
            spec = .median(warmupEpochs: try nonNegative(&r, "warmup_epochs", default: 1),
                           minTrials: try positive(&r, "min_trials", default: 5))
        }
        try r.finish()
        return spec
    }

    private static func positive(_ r: inout ObjectReader, _ key: String, default value: Int) throws(ConfigError) -> Int {
        guard let v = try r.int(key) else { return value }
        guard v > 0 else { throw ConfigError(r.node(key), path: r.path(key), "must be a positive integer, got \(v)") }
        return v
    }

    private static func nonNegative(_ r: inout ObjectReader, _ key: String, default value: Int) throws(ConfigError) -> Int {
        guard let v = try r.int(key) else { return value }
        guard v >= 0 else { throw ConfigError(r.node(key), path: r.path(key), "must be an integer >= 0, got \(v)") }
        return v
    }

    /// The spec with every trial's epochs set to `epochs` (the `--epochs` override).
    public func overriding(epochs: Int) -> SearchSpec {
        var copy = self
        if case .object(var members) = task.template.value {
            let node = JSONNode(.number(Double(epochs)))
            if let i = members.firstIndex(where: { $0.key == "epochs" }) {
                members[i].value = node
            } else {
                members.append(JSONMember(key: "epochs", value: node))
            }
            copy.task.template.value = .object(members)
        }
        return copy
    }

    /// The task's epochs when they are a fixed number (nil when sampled or left to the default).
    public var fixedEpochs: Int? {
        if case .number(let e)? = task.template.value["epochs"]?.value, e >= 1, e < 1e9 { return Int(e) }
        return nil
    }

    /// The parameters every trial samples whatever its family: task, optimizer and base LR.
    public var commonParameters: [Parameter] { task.parameters + optimizer.parameters + lr.parameters }
}

/// Every problem found in a spec, in document order.
public struct SpecErrors: Error, Equatable, Sendable, CustomStringConvertible {
    public var errors: [ConfigError]
    public init(_ errors: [ConfigError]) {
        self.errors = errors.sorted {
            ($0.location?.line ?? Int.max, $0.location?.column ?? 0) < ($1.location?.line ?? Int.max, $1.location?.column ?? 0)
        }
    }
    public var description: String { rendered(file: nil) }

    /// One line per problem, each `file:line:column: path: message`.
    public func rendered(file: String?) -> String {
        errors.map { $0.rendered(file: file) }.joined(separator: "\n")
    }
}
