// The search spec: what to search (schedule families and their spaces), on what task, with what budget.

import JSON5
import LRSchedules

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

    /// The tasks whose trials compute this objective; on any other task every trial's value would be
    /// NaN, so the spec check refuses the pair. Each objective declares its own (no default case).
    public var tasks: Set<ObjectiveTask> {
        switch self {
        case .finalValAccuracy: return [.classification]
        case .finalValR2, .finalValMAE: return [.regression]
        case .finalValLoss, .finalTrainLoss, .bestValLoss: return [.classification, .regression]
        }
    }
}

/// The kind of task, as far as objectives are concerned.
public enum ObjectiveTask: String, Sendable, Hashable, CaseIterable {
    case classification, regression
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
    public var family: ScheduleFamily
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
    /// `lag`: TPE's suggestion for trial i and the pruner's decisions for it see only trials
    /// 0 … i − 1 − lag, so they do not depend on which trials happen to have finished (see TrialBoard).
    public var lag = SearchSpec.defaultLag
    /// 4: with up to 4 workers the trials a trial may see have almost always finished by the time it
    /// starts, so it rarely waits; a larger lag lets TPE learn less from the most recent trials.
    public static let defaultLag = 4
    /// The largest `lag` accepted.
    public static let maxLag = 10_000
    /// The whole document, for the spec hash.
    public var source: JSONNode
    /// `strategy: { kind: "pbt", … }`: population-based training instead of independent trials (PBTSettings.swift).
    public var pbt: PBTSettings? = nil
    /// The spec file's folder (set when read from a file; nil for a spec made in code): an external
    /// task's command runs there (ExternalTask.swift).
    public var directory: String? = nil

    static let topKeys = ["name", "description", "seed", "trials", "sampler", "grid_points", "objective", "repeats",
                          "task", "optimizer", "lr", "schedules", "pruner", "trial_seeds", "lag", "strategy"]

    /// Parses a spec document, collecting every problem it finds rather than stopping at the first.
    /// `defaultName` names the search when the spec has no `name` (the file's base name).
    public static func parse(_ root: JSONNode, defaultName: String) throws(SpecErrors) -> SearchSpec {
        let (spec, errors) = parseAll(root, defaultName: defaultName)
        guard errors.isEmpty, let spec else { throw SpecErrors(errors) }
        return spec
    }

    /// Every problem of the document, and a spec as complete as the problems allow (nil when the root
    /// is not an object): a bad value is replaced by its default, a bad distribution stays as a plain
    /// value, a bad schedule entry is left out. So the trial-level check (`checkConfigurations`) can
    /// still run on the rest and report its problems beside these; `SpecErrors.under` drops the ones
    /// at a path already reported.
    public static func parseAll(_ root: JSONNode, defaultName: String) -> (spec: SearchSpec?, errors: [ConfigError]) {
        var errors: [ConfigError] = []
        func attempt<T>(_ fallback: T, _ body: () throws(ConfigError) -> T) -> T {
            do { return try body() } catch { errors.append(error); return fallback }
        }
        guard var r = attempt(nil as ObjectReader?, { () throws(ConfigError) in try ObjectReader(root, path: "") })
        else { return (nil, errors) }

        let name = attempt(defaultName) { () throws(ConfigError) in try r.string("name") ?? defaultName }
        if let problem = nameProblem(name) {
            errors.append(ConfigError(r.members.first { $0.key == "name" }?.value, path: "name", problem))
        }
        let description = attempt(nil) { () throws(ConfigError) in try r.string("description") }
        let seed = attempt(0) { () throws(ConfigError) in try seedValue(&r) }
        let trials = attempt(20) { () throws(ConfigError) in try positive(&r, "trials", default: 20) }
        let sampler = attempt(.random) { () throws(ConfigError) in try r.choice("sampler", as: SamplerKind.self) ?? .random }
        let gridPoints = attempt(3) { () throws(ConfigError) in
            let k = try positive(&r, "grid_points", default: 3)
            guard k <= 10_000 else {  // points per axis; the grid itself is never materialised
                throw ConfigError(r.node("grid_points"), path: "grid_points", "must be at most 10000 (values per parameter), got \(k)")
            }
            return k
        }
        let objective = attempt(.finalValLoss) { () throws(ConfigError) in
            try r.choice("objective", as: Objective.self) ?? .finalValLoss
        }
        let repeats = attempt(1) { () throws(ConfigError) in try positive(&r, "repeats", default: 1) }
        let taskNode = attempt(JSONNode([:])) { () throws(ConfigError) in try r.required("task") }
        let task = ParamTemplate(taskNode, path: "task", problems: &errors)
        let optimizer = ParamTemplate(r.node("optimizer") ?? JSONNode(["kind": "sgd"]), path: "optimizer", problems: &errors)
        let lrNode = r.node("lr") ?? JSONNode(0.1)
        let lrAuto = AutoLRSpec.isAuto(lrNode) ? attempt(nil) { () throws(ConfigError) in try AutoLRSpec.parse(lrNode) } : nil
        var lrProblems: [ConfigError] = []
        var lr = lrAuto?.placeholder ?? ParamTemplate(lrNode, path: "lr", problems: &lrProblems)
        if !lrProblems.isEmpty { lr = ParamTemplate(fixed: 0.1) }  // a bad lr would fail every family's check again
        errors += lrProblems
        let pruner = attempt(.none) { () throws(ConfigError) in try parsePruner(r.node("pruner")) }
        let sharedSeeds = attempt(false) { () throws(ConfigError) in
            try r.choice("trial_seeds", as: TrialSeeds.self) == .shared
        }
        let lag = attempt(defaultLag) { () throws(ConfigError) in
            guard let k = try r.int("lag") else { return defaultLag }
            guard k >= 0, k <= maxLag else {
                throw ConfigError(r.node("lag"), path: "lag", "must be an integer in [0, \(maxLag)], got \(k)")
            }
            return k
        }
        let pbt = r.node("strategy").flatMap { PBTSettings.parse($0, errors: &errors) }
        let schedules = r.has("strategy") && !r.has("schedules") ? [PBTSettings.memberSchedule]
                                                           : parseSchedules(r.node("schedules"), in: r, errors: &errors)
        attempt(()) { () throws(ConfigError) in try r.finish(allowed: topKeys) }
        if sampler != .grid, r.has("grid_points") {
            errors.append(ConfigError(r.members.first { $0.key == "grid_points" }?.value, path: "grid_points",
                                      "only applies to sampler \"grid\", but the sampler is \"\(sampler.rawValue)\""))
        }
        var spec = SearchSpec(name: name, description: description, seed: UInt64(seed), trials: trials, sampler: sampler,
                              gridPoints: gridPoints, objective: objective, repeats: repeats, task: task,
                              optimizer: optimizer, lr: lr, lrAuto: lrAuto, schedules: schedules, pruner: pruner,
                              source: root)
        spec.sharedSeeds = sharedSeeds
        spec.lag = lag
        if let pbt {  // members: `population` random draws of one shared seed (PBTSettings.swift)
            spec.pbt = spec.checkPBT(pbt, reader: r, errors: &errors)
            spec.trials = pbt.population
            spec.sharedSeeds = true
        }
        return (spec, errors)
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
                guard case .string = familyNode.value else {
                    throw ConfigError(familyNode, path: joinPath(path, "family"),
                                      "expected a family name, got \(ObjectReader.describe(familyNode.value))")
                }
                let family = try ScheduleParser.family(familyNode, path: joinPath(path, "family"))
                spaces.append(ScheduleSpace(family: family, template: ParamTemplate(entry, path: path, problems: &errors), path: path))
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
            if let m = maxEpochs, m > maxTrialEpochs {
                throw ConfigError(r.node("max_epochs"), path: "pruner.max_epochs", "must be at most \(maxTrialEpochs), got \(m)")
            }
            if isHyperband {
                spec = .hyperband(minEpochs: minEpochs, reductionFactor: factor, maxEpochs: maxEpochs,
                                  brackets: try Self.brackets(&r))
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

    /// Hyperband's `brackets`: 1 … 64 (bracket b starts at min_epochs·η^b, so a few are all that differ).
    private static func brackets(_ r: inout ObjectReader) throws(ConfigError) -> Int {
        let b = try positive(&r, "brackets", default: 3)
        guard b <= 64 else { throw ConfigError(r.node("brackets"), path: "pruner.brackets", "must be at most 64, got \(b)") }
        return b
    }

    /// `seed`: an integer in [0, 2^63), kept exact (an integer literal is not rounded through Double).
    private static func seedValue(_ r: inout ObjectReader) throws(ConfigError) -> Int {
        let rule = "must be an integer in [0, 2^63)"
        guard let n = r.node("seed") else { return 0 }
        if case .outOfRange(let text)? = n.integer { throw ConfigError(n, path: "seed", "\(rule), got \(text)") }
        let v = try ObjectReader.int(n, path: "seed")
        guard v >= 0 else { throw ConfigError(n, path: "seed", "\(rule), got \(v)") }
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

    /// `more` without the problems at or under a path one of `errors` already names (a bad
    /// distribution left as a plain value fails the trial-level check again, at the same field).
    public static func under(_ errors: [ConfigError], dropping more: [ConfigError]) -> [ConfigError] {
        let paths = errors.map(\.path).filter { !$0.isEmpty }
        return more.filter { e in
            !paths.contains { p in e.path == p || e.path.hasPrefix(p + ".") || e.path.hasPrefix(p + "[") }
                && !errors.contains(e)
        }
    }

    /// One line per problem, each `file:line:column: path: message`.
    public func rendered(file: String?) -> String {
        errors.map { $0.rendered(file: file) }.joined(separator: "\n")
    }
}

/// Why `name` cannot be the folder `results/<name>` (nil when it can): it must be one path component
/// of at most 255 bytes (NAME_MAX) that is not empty, holds no '/', does not start with '.' (so
/// neither "." nor ".."), and holds no control character (NUL, newline, ESC, …), which would
/// otherwise reach the filesystem and the terminal raw.
func nameProblem(_ name: String) -> String? {
    let shown = name.unicodeScalars.count > 60 ? JSONWriter.string(String(name.unicodeScalars.prefix(60))) + "…"
                                               : JSONWriter.string(name)
    let rule = "must be usable as a folder name: non-empty, at most 255 bytes, no '/', no leading '.', "
        + "no control characters"
    if name.isEmpty || name.contains("/") || name.hasPrefix(".") { return rule + ", got \(shown)" }
    if name.utf8.count > 255 { return rule + ", got \(name.utf8.count) bytes: \(shown)" }
    if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
        return rule + ", got \(shown)"
    }
    return nil
}
