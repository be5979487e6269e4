// `hyperparameter_paths` in a trial config: the momentum and λnew a PBT winner used per interval, replayed exactly.

import JSON5
import LRSchedules
import Trainer

/// Momentum and λnew that change between epochs, as PBT's winner had them (its LR path is the
/// config's `piecewise` schedule):
///
/// ```json5
/// hyperparameter_paths: { boundaries: [2, 4], momentum: [0.9, 0.72, 0.864], lambda_new: [1e-4, 1e-4, 8e-5] }
/// ```
/// Value i holds for the epochs e with boundaries[i−1] < e ≤ boundaries[i] (1-based epochs, as the
/// piecewise family's boundaries). Before each such segment the momentum becomes every step's
/// momentum (as a cycling schedule's is) and λnew the optimizer's decay, exactly as PBT set them.
public struct HyperparameterPaths: Sendable, Equatable {
    public var boundaries: [Int]
    public var momentum: [Double]?
    public var lambdaNew: [Double]?

    public init(boundaries: [Int], momentum: [Double]?, lambdaNew: [Double]?) {
        self.boundaries = boundaries
        self.momentum = momentum
        self.lambdaNew = lambdaNew
    }

    /// The segment epoch `epoch` (1-based) falls in.
    public func segment(ofEpoch epoch: Int) -> Int {
        boundaries.firstIndex { epoch <= $0 } ?? boundaries.count
    }

    /// Sets segment `i`'s momentum and λnew on `state` (what PBT does before a member's interval).
    public func apply<T>(segment i: Int, to state: inout TrainingState<T>) {
        Self.apply(momentum: momentum.map { $0[min(i, $0.count - 1)] }, lambdaNew: lambdaNew.map { $0[min(i, $0.count - 1)] },
                   to: &state)
    }

    /// The one place both PBT and the replay set an interval's momentum and λnew.
    public static func apply<T>(momentum: Double?, lambdaNew: Double?, to state: inout TrainingState<T>) {
        if let momentum { state.momentumOverride = momentum }
        if let lambdaNew { state.setWeightDecay(.new(lambdaNew)) }
    }

    public var json: JSONValue {
        var members: [JSONMember] = [JSONMember(key: "boundaries", value: JSONNode(.array(boundaries.map { JSONNode(.number(Double($0))) })))]
        if let momentum { members.append(JSONMember(key: "momentum", value: JSONNode(.array(momentum.map { JSONNode(.number($0)) })))) }
        if let lambdaNew {
            members.append(JSONMember(key: "lambda_new", value: JSONNode(.array(lambdaNew.map { JSONNode(.number($0)) }))))
        }
        return .object(members)
    }

    /// Parses `hyperparameter_paths` of a config whose optimizer is `optimizer` and run `epochs` long.
    static func parse(_ node: JSONNode, optimizer: OptimizerConfig, epochs: Int) throws(ConfigError) -> HyperparameterPaths {
        let path = "hyperparameter_paths"
        var r = try ObjectReader(node, path: path)
        let boundaries = try r.ints("boundaries") ?? []
        for (i, b) in boundaries.enumerated() where b < 1 || b >= epochs || (i > 0 && b <= boundaries[i - 1]) {
            throw ConfigError(r.node("boundaries"), path: "\(path).boundaries[\(i)]",
                              "must increase strictly and lie in [1, task.epochs − 1] (\(epochs - 1)), got \(b)")
        }
        func values(_ key: String, _ ok: (Double) -> Bool, _ rule: String) throws(ConfigError) -> [Double]? {
            guard let xs = try r.doubles(key) else { return nil }
            guard xs.count == boundaries.count + 1 else {
                throw ConfigError(r.node(key), path: "\(path).\(key)",
                                  "expected one more value than boundaries (\(boundaries.count + 1)), got \(xs.count)")
            }
            for (i, x) in xs.enumerated() where !ok(x) {
                throw ConfigError(r.node(key), path: "\(path).\(key)[\(i)]", "must be \(rule), got \(JSONWriter.number(x))")
            }
            return xs
        }
        let momentum = try values("momentum", { $0 >= 0 && $0 < 1 }, "in [0, 1)")
        let lambdaNew = try values("lambda_new", { $0 >= 0 && $0 < 1 }, "in [0, 1)")
        if lambdaNew != nil, case .new = optimizer.weightDecay {} else if lambdaNew != nil {
            throw ConfigError(r.node("lambda_new"), path: "\(path).lambda_new",
                              "needs optimizer.weight_decay.mode \"new\" (λnew is its decay)")
        }
        try r.finish(allowed: ["boundaries", "momentum", "lambda_new"])
        return HyperparameterPaths(boundaries: boundaries, momentum: momentum, lambdaNew: lambdaNew)
    }
}

extension TrialConfig {
    /// Trains this config: `Training.run`, or, with `paths`, the same run segment by segment with each
    /// segment's momentum and λnew set first (bit-identical to the PBT member it replays).
    public func train(dataset: Dataset, schedule: LRScheduler, cores: CoreBudget = .single,
                      onEpoch: (EpochMetrics) -> EpochDecision = { _ in .continue }) -> TrainingResult {
        guard let paths else {
            return Training.run(config: training, dataset: dataset, schedule: schedule, cores: cores, onEpoch: onEpoch)
        }
        var state = TrainingState<Float>(config: training, dataset: dataset, schedule: schedule,
                                         threads: cores.threadsPerTrial)
        while !state.isFinished {
            let segment = paths.segment(ofEpoch: state.epochsDone + 1)
            paths.apply(segment: segment, to: &state)
            let end = segment < paths.boundaries.count ? paths.boundaries[segment] : training.epochs
            state.run(epochs: max(1, end - state.epochsDone), cores: cores, onEpoch: onEpoch)
        }
        return state.result
    }
}
