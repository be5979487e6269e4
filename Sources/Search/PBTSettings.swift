// The spec's `strategy: { kind: "pbt", … }`: population-based training's settings, parsed and checked.

import JSON5

/// Population-based training (Jaderberg et al. 2017, arXiv 1711.09846) as a search strategy.
///
/// ```json5
/// strategy: { kind: "pbt", population: 16, interval_epochs: 2, quantile: 0.25, resample_probability: 0.25,
///             factors: [0.8, 1.2], hyperparameters: ["lr", "optimizer.momentum", "optimizer.weight_decay.lambda_new"] }
/// ```
/// Defaults follow Ray Tune's `PopulationBasedTraining` (python/ray/tune/schedulers/pbt.py) where it
/// has one: `quantile_fraction=0.25`, `resample_probability=0.25`, perturbation by 0.8 or 1.2 (each
/// with probability ½). Ray's `perturbation_interval` is in its `time_attr` (60 s of training by
/// default); here it is `interval_epochs`, default 2 (the issue's). `population` 16 is the issue's.
/// `hyperparameters` defaults to those of lr, optimizer.momentum and
/// optimizer.weight_decay.lambda_new that the spec samples (each listed one must be sampled: its
/// distribution is where members start, where resampling draws from and the range perturbation is
/// clamped to).
public struct PBTSettings: Sendable, Equatable {
    public var population = 16
    public var intervalEpochs = 2
    public var quantile = 0.25
    public var resampleProbability = 0.25
    public var factors: [Double] = [0.8, 1.2]
    public var hyperparameters: [PBTHyperparameter] = []

    public init() {}

    /// The largest population accepted (every member holds a model in memory).
    public static let maxPopulation = 1024
    static let keys = ["kind", "population", "interval_epochs", "quantile", "resample_probability", "factors",
                       "hyperparameters"]

    /// Parses the object (every problem appended to `errors`; bad values fall back to the defaults).
    static func parse(_ node: JSONNode, errors: inout [ConfigError]) -> PBTSettings? {
        var s = PBTSettings()
        do throws(ConfigError) {
            var r = try ObjectReader(node, path: "strategy")
            let kind = try r.required("kind")
            guard case .string("pbt") = kind.value else {
                throw ConfigError(kind, path: "strategy.kind",
                                  "expected \"pbt\" (the only strategy besides the samplers, which `sampler` chooses), got "
                                    + ObjectReader.describe(kind.value))
            }
            func attempt(_ body: (inout ObjectReader) throws(ConfigError) -> Void) {
                do { try body(&r) } catch { errors.append(error) }
            }
            attempt { r throws(ConfigError) in
                guard let p = try r.int("population") else { return }
                guard p >= 2, p <= maxPopulation else {
                    throw ConfigError(r.node("population"), path: "strategy.population",
                                      "must be an integer in [2, \(maxPopulation)] (members copy each other), got \(p)")
                }
                s.population = p
            }
            attempt { r throws(ConfigError) in
                guard let k = try r.int("interval_epochs") else { return }
                guard k >= 1 else {
                    throw ConfigError(r.node("interval_epochs"), path: "strategy.interval_epochs", "must be >= 1, got \(k)")
                }
                s.intervalEpochs = k
            }
            attempt { r throws(ConfigError) in
                guard let q = try r.double("quantile") else { return }
                guard q > 0, q <= 0.5 else {
                    throw ConfigError(r.node("quantile"), path: "strategy.quantile",
                                      "must be in (0, 0.5] (the bottom and top fractions may not overlap), got \(JSONWriter.number(q))")
                }
                s.quantile = q
            }
            attempt { r throws(ConfigError) in
                guard let p = try r.double("resample_probability") else { return }
                guard p >= 0, p <= 1 else {
                    throw ConfigError(r.node("resample_probability"), path: "strategy.resample_probability",
                                      "must be in [0, 1], got \(JSONWriter.number(p))")
                }
                s.resampleProbability = p
            }
            attempt { r throws(ConfigError) in
                guard let f = try r.doubles("factors") else { return }
                guard !f.isEmpty, f.count <= 64 else {
                    throw ConfigError(r.node("factors"), path: "strategy.factors", "expected 1 to 64 factors, got \(f.count)")
                }
                for (i, x) in f.enumerated() where !(x.isFinite && x > 0) {
                    throw ConfigError(r.node("factors"), path: "strategy.factors[\(i)]",
                                      "must be a finite number > 0, got \(JSONWriter.number(x))")
                }
                s.factors = f
            }
            attempt { r throws(ConfigError) in
                guard let n = r.node("hyperparameters") else { return }
                guard case .array(let items) = n.value, !items.isEmpty else {
                    throw ConfigError(n, path: "strategy.hyperparameters",
                                      "expected a non-empty array of names, got \(ObjectReader.describe(n.value))")
                }
                var names: [PBTHyperparameter] = []
                for (i, item) in items.enumerated() {
                    let path = "strategy.hyperparameters[\(i)]"
                    let known = PBTHyperparameter.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                    guard case .string(let text) = item.value, let h = PBTHyperparameter(rawValue: text) else {
                        errors.append(ConfigError(item, path: path, "expected one of \(known), got \(ObjectReader.describe(item.value))"))
                        continue
                    }
                    if names.contains(h) {
                        errors.append(ConfigError(item, path: path, "\"\(text)\" is listed twice"))
                        continue
                    }
                    names.append(h)
                }
                s.hyperparameters = names
            }
            try r.finish(allowed: keys)
        } catch {
            errors.append(error)
            return nil
        }
        return s
    }
}

/// A hyperparameter PBT may explore.
public enum PBTHyperparameter: String, Sendable, Equatable, CaseIterable {
    case lr
    case momentum = "optimizer.momentum"
    case lambdaNew = "optimizer.weight_decay.lambda_new"
}

extension SearchSpec {
    /// The spec-level rules of a PBT spec (`strategy` parsed into `settings`): what PBT replaces must
    /// not be set, the run must be at least one interval long, every listed hyperparameter sampled.
    /// Returns the settings with the default hyperparameters filled in.
    func checkPBT(_ settings: PBTSettings, reader r: ObjectReader, errors: inout [ConfigError]) -> PBTSettings {
        var s = settings
        func refuse(_ key: String, _ why: String) {
            if r.has(key) {
                errors.append(ConfigError(r.members.first { $0.key == key }?.value, path: key, why))
            }
        }
        refuse("schedules", "does not apply with strategy pbt: PBT discovers the schedule (a piecewise LR per interval); "
                + "remove it")
        refuse("trials", "does not apply with strategy pbt: strategy.population sets the number of members")
        refuse("pruner", "does not apply with strategy pbt: the bottom members are replaced at every interval instead")
        refuse("grid_points", "does not apply with strategy pbt")
        if sampler != .random { refuse("sampler", "must be \"random\" (or left out) with strategy pbt: members start from random draws") }
        if repeats != 1 { refuse("repeats", "must be 1 with strategy pbt (members share one seed)") }
        if r.has("trial_seeds") && !sharedSeeds {
            refuse("trial_seeds", "must be \"shared\" with strategy pbt: a member that copies another continues its run exactly")
        }
        let strategyNode = r.members.first { $0.key == "strategy" }?.value
        let taskNode = r.members.first { $0.key == "task" }?.value
        for p in task.parameters {
            errors.append(ConfigError(path: p.name, location: p.location,
                                      message: "must be fixed with strategy pbt: members copy each other's weights, so they "
                                        + "train the same task and model"))
        }
        if let epochs = fixedEpochs ?? (task.template.value["epochs"] == nil ? 20 : nil) {
            if settings.intervalEpochs > epochs {
                errors.append(ConfigError(strategyNode?.value["interval_epochs"] ?? strategyNode, path: "strategy.interval_epochs",
                                          "is \(settings.intervalEpochs), longer than the run (task.epochs = \(epochs))"))
            }
        } else if task.parameters.isEmpty {
            let node = taskNode?.value["epochs"]
            if case .number(let e)? = node?.value {  // fixed, but not a run length (0, 2.5, 1e300)
                errors.append(ConfigError(node, path: "task.epochs", "must be a whole number of epochs in [1, 999999999], got "
                                            + JSONWriter.number(e)))
            } else {
                errors.append(ConfigError(node ?? taskNode, path: "task.epochs", "must be a fixed number with strategy pbt"))
            }
        }
        let sampled = Set(commonParameters.map(\.name))
        func isSampled(_ h: PBTHyperparameter) -> Bool {
            h == .lr ? !lr.parameters.isEmpty : sampled.contains(h.rawValue)
        }
        if s.hyperparameters.isEmpty {
            s.hyperparameters = PBTHyperparameter.allCases.filter(isSampled)
            if s.hyperparameters.isEmpty {
                errors.append(ConfigError(strategyNode, path: "strategy.hyperparameters",
                                          "none of lr, optimizer.momentum, optimizer.weight_decay.lambda_new is sampled in the "
                                            + "spec; give lr a distribution, e.g. lr: { loguniform: [1e-3, 1] }"))
            }
        } else {
            let items: [JSONNode]
            if case .array(let a)? = strategyNode?.value["hyperparameters"]?.value { items = a } else { items = [] }
            for (i, h) in s.hyperparameters.enumerated() where !isSampled(h) {
                let node = items.first { $0.value == .string(h.rawValue) } ?? strategyNode
                errors.append(ConfigError(node, path: "strategy.hyperparameters[\(items.firstIndex { $0.value == .string(h.rawValue) } ?? i)]",
                                          "\"\(h.rawValue)\" is not sampled in the spec: give \(h.rawValue) a distribution "
                                            + "(uniform, loguniform, int or choice) to explore it"))
            }
        }
        return s
    }

    /// The distribution PBT explores `h` in (nil when it is not sampled).
    public func pbtDistribution(_ h: PBTHyperparameter) -> Distribution? {
        if h == .lr { return lr.parameters.first?.distribution }
        return commonParameters.first { $0.name == h.rawValue }?.distribution
    }
}

extension PBTSettings {
    /// The schedule entry PBT members are drawn with: a constant LR (the spec's `lr`), which PBT
    /// then changes at every interval boundary.
    static let memberSchedule = ScheduleSpace(
        family: .constant, template: ParamTemplate(fixed: .object([JSONMember(key: "family", value: JSONNode("constant"))])),
        path: "strategy")
}
