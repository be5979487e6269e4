// The dataset, model and optimizer objects of a trial config, read with located errors and written back as JSON.

import JSON5
import LRSchedules
import Trainer

extension TrialConfig {
    static func parseDataset(_ node: JSONNode, path: String) throws(ConfigError) -> DatasetSpec {
        if case .string(let name) = node.value {
            guard BuiltinDataset.named(name) != nil else {
                let valid = BuiltinDataset.all.map(\.name)
                var message = "unknown dataset \(JSONWriter.string(name, cutAt: 60)); built-ins: \(valid.joined(separator: ", "))"
                if let near = closestMatch(to: name, in: valid + SyntheticSpec.Kind.allCases.map(\.rawValue)) {
                    message += " (did you mean '\(near)'?)"
                }
                throw ConfigError(node, path: path, message)
            }
            return .builtin(name)
        }
        var r = try ObjectReader(node, path: path)
        if r.has("csv") {
            guard let file = try r.string("csv"), let target = try r.string("target") else {
                throw ConfigError(path: r.path("target"), location: node.location, message: "is required but missing")
            }
            let task = try r.choice("task", as: TaskHint.self)
            let missing = try r.choice("missing", as: MissingPolicy.self) ?? .error
            let validation = try r.string("val_csv")
            try r.finish(allowed: ["csv", "target", "task", "missing", "val_csv"])
            return .csv(path: file, target: target, task: task, missing: missing, validation: validation)
        }
        guard r.has("name") else {
            throw ConfigError(node, path: path,
                              "expected a built-in name, { csv: \"file.csv\", target: \"column\" } or { name: \"spirals\", … }")
        }
        let kind = try r.choice("name", as: SyntheticSpec.Kind.self) ?? .spirals
        let n = try r.int("n")
        if let n, n < 4 { throw ConfigError(r.node("n"), path: r.path("n"), "must be >= 4, got \(n)") }
        let noise = try r.double("noise")
        if let noise, !(noise >= 0 && noise.isFinite) {
            throw ConfigError(r.node("noise"), path: r.path("noise"), "must be >= 0, got \(JSONWriter.number(noise))")
        }
        let classes = try r.int("classes"), features = try r.int("features")
        if let classes, classes < 2 { throw ConfigError(r.node("classes"), path: r.path("classes"), "must be >= 2, got \(classes)") }
        if let features, features < 1 {
            throw ConfigError(r.node("features"), path: r.path("features"), "must be >= 1, got \(features)")
        }
        for (key, value, bound) in [("n", n, SyntheticSpec.maxRows), ("features", features, SyntheticSpec.maxFeatures),
                                    ("classes", classes, SyntheticSpec.maxClasses)] {
            if let value, value > bound {
                throw ConfigError(r.node(key), path: r.path(key), "must be at most \(bound), got \(value)")
            }
        }
        let seed = try Self.seed(&r, "seed")
        try r.finish(allowed: ["name", "n", "noise", "classes", "features", "seed"])
        let spec = SyntheticSpec(kind, n: n, noise: noise, classes: classes, features: features, seed: seed)
        guard spec.n * spec.features <= SyntheticSpec.maxValues else {  // each factor is bounded above: no overflow
            throw ConfigError(r.node("n") ?? node, path: r.path("n"),
                              "n × features must be at most \(SyntheticSpec.maxValues) values, "
                                + "got \(spec.n) × \(spec.features)")
        }
        if spec.classes > spec.n, kind == .spirals || kind == .blobs {
            throw ConfigError(r.node("classes"), path: r.path("classes"), "must be at most n (\(spec.n)), got \(spec.classes)")
        }
        return .synthetic(spec)
    }

    static func parseModel(_ node: JSONNode?, path: String) throws(ConfigError) -> ModelConfig {
        guard let node else { return ModelConfig(hidden: [128]) }
        var r = try ObjectReader(node, path: path)
        let hidden = try r.ints("hidden") ?? [128]
        if let bad = hidden.firstIndex(where: { $0 < 1 }) {
            throw ConfigError(r.node("hidden"), path: "\(r.path("hidden"))[\(bad)]", "must be >= 1, got \(hidden[bad])")
        }
        var m = ModelConfig(hidden: hidden, activation: try r.choice("activation", as: Activation.self) ?? .relu,
                            batchNorm: try r.bool("batch_norm") ?? false)
        m.batchNormAffine = try r.bool("batch_norm_affine") ?? true
        m.batchNormMomentum = try nonNegative(&r, "batch_norm_momentum", default: 0.1)
        m.batchNormEps = try nonNegative(&r, "batch_norm_eps", default: 1e-5)
        m.bias = try r.bool("bias") ?? true
        m.initialization = try r.choice("init", as: Initialization.self)
        m.freezeOutputLayer = try r.bool("freeze_output") ?? false
        try r.finish(allowed: ["hidden", "activation", "batch_norm", "batch_norm_affine", "batch_norm_momentum",
                               "batch_norm_eps", "bias", "init", "freeze_output"])
        return m
    }

    static func parseOptimizer(_ node: JSONNode?, path: String) throws(ConfigError) -> OptimizerConfig {
        guard let node else { return OptimizerConfig() }
        var r = try ObjectReader(node, path: path)
        var o = OptimizerConfig(kind: try r.choice("kind", as: OptimizerConfig.Kind.self) ?? .sgd)
        o.momentum = try nonNegative(&r, "momentum", default: 0)
        o.dampening = try nonNegative(&r, "dampening", default: 0)
        o.nesterov = try r.bool("nesterov") ?? false
        if o.nesterov && (o.momentum == 0 || o.dampening != 0) {
            throw ConfigError(r.node("nesterov"), path: r.path("nesterov"),
                              "needs momentum > 0 and dampening 0 (as PyTorch)")
        }
        if let betas = try r.doubles("betas") {
            guard betas.count == 2, betas.allSatisfy({ $0 >= 0 && $0 < 1 }) else {
                throw ConfigError(r.node("betas"), path: r.path("betas"), "expected two numbers in [0, 1)")
            }
            (o.beta1, o.beta2) = (betas[0], betas[1])
        }
        o.eps = try nonNegative(&r, "eps", default: 1e-8)
        o.weightDecay = o.kind == .adamw ? .decoupled(0.01) : .none
        if let wd = r.node("weight_decay") {
            (o.weightDecay, o.exemptBiasAndNorm) = try parseWeightDecay(wd, path: r.path("weight_decay"), kind: o.kind)
        }
        if let clip = try r.double("grad_clip") {
            guard clip > 0 && clip.isFinite else {
                throw ConfigError(r.node("grad_clip"), path: r.path("grad_clip"), "must be > 0, got \(JSONWriter.number(clip))")
            }
            o.gradClip = clip
        }
        try r.finish(allowed: ["kind", "momentum", "dampening", "nesterov", "betas", "eps", "weight_decay", "grad_clip"])
        return o
    }

    static func parseWeightDecay(_ node: JSONNode, path: String, kind: OptimizerConfig.Kind)
        throws(ConfigError) -> (WeightDecay, Bool)
    {
        if case .number(let lambda) = node.value {
            guard lambda >= 0 && lambda.isFinite else { throw ConfigError(node, path: path, "must be >= 0, got \(JSONWriter.number(lambda))") }
            return (kind == .adamw ? .decoupled(lambda) : .coupled(lambda), false)
        }
        enum Mode: String, CaseIterable { case none, coupled, decoupled, new }
        var r = try ObjectReader(node, path: path)
        let mode = try r.choice("mode", as: Mode.self) ?? (kind == .adamw ? .decoupled : .coupled)
        let exempt = try r.bool("exempt_bias_and_norm") ?? false
        let key = mode == .new ? "lambda_new" : "lambda"
        var decay = WeightDecay.none
        if mode != .none {
            guard let lambda = try r.double(key) else {
                throw ConfigError(path: r.path(key), location: node.location, message: "is required for mode '\(mode.rawValue)'")
            }
            let valid = mode == .new ? lambda >= 0 && lambda < 1 : lambda >= 0 && lambda.isFinite
            guard valid else {
                let rule = mode == .new ? "must be in [0, 1)" : "must be >= 0"
                throw ConfigError(r.node(key), path: r.path(key), "\(rule), got \(JSONWriter.number(lambda))")
            }
            decay = mode == .coupled ? .coupled(lambda) : mode == .decoupled ? .decoupled(lambda) : .new(lambda)
        }
        if kind == .adamw, mode == .coupled {
            throw ConfigError(r.node("mode"), path: r.path("mode"),
                              "adamw decays decoupled (PyTorch AdamW); use kind 'adam' for coupled L2")
        }
        try r.finish(allowed: ["mode", key, "exempt_bias_and_norm"])
        return (decay, exempt)
    }
}
