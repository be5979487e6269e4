// A trial config written back as JSON: every field explicit, so best.json documents what ran.

import JSON5
import LRSchedules
import Trainer

extension TrialConfig {
    /// The config as JSON, with the defaults written out (`init` only when set); `TrialConfig.parse(JSONNode(json))` gives it back.
    public var json: JSONValue {
        let t = training, m = t.model, o = t.optimizer
        var model: [(String, JSONValue)] = [
            ("hidden", .array(m.hidden.map { JSONNode(.number(Double($0))) })),
            ("activation", .string(m.activation.rawValue)), ("batch_norm", .bool(m.batchNorm)),
        ]
        if m.batchNorm {
            model += [("batch_norm_affine", .bool(m.batchNormAffine)), ("batch_norm_momentum", .number(m.batchNormMomentum)),
                      ("batch_norm_eps", .number(m.batchNormEps))]
        }
        model.append(("bias", .bool(m.bias)))
        if let i = m.initialization { model.append(("init", .string(i.rawValue))) }
        model.append(("freeze_output", .bool(m.freezeOutputLayer)))
        var task: [(String, JSONValue)] = [
            ("dataset", Self.json(dataset)), ("model", Self.object(model)),
            ("epochs", .number(Double(t.epochs))), ("batch_size", .number(Double(t.batchSize))),
            ("val_fraction", .number(valFraction)), ("schedule_unit", .string(t.scheduleUnit.rawValue)),
            ("split_seed", .number(Double(splitSeed))),
        ]
        if case .csv(_, _, _, _, .some) = dataset { task.removeAll { $0.0 == "val_fraction" } }  // val_csv is the split
        var optimizer: [(String, JSONValue)] = [("kind", .string(o.kind.rawValue))]
        if o.kind == .sgd {
            optimizer += [("momentum", .number(o.momentum)), ("dampening", .number(o.dampening)),
                          ("nesterov", .bool(o.nesterov))]
        } else {
            optimizer += [("betas", [.number(o.beta1), .number(o.beta2)]), ("eps", .number(o.eps))]
        }
        var decay: [(String, JSONValue)]
        switch o.weightDecay {
        case .none: decay = [("mode", "none")]
        case .coupled(let l): decay = [("mode", "coupled"), ("lambda", .number(l))]
        case .decoupled(let l): decay = [("mode", "decoupled"), ("lambda", .number(l))]
        case .new(let l): decay = [("mode", "new"), ("lambda_new", .number(l))]
        }
        if o.weightDecay != .none { decay.append(("exempt_bias_and_norm", .bool(o.exemptBiasAndNorm))) }
        optimizer.append(("weight_decay", Self.object(decay)))
        if let clip = o.gradClip { optimizer.append(("grad_clip", .number(clip))) }
        var top: [(String, JSONValue)] = [
            ("seed", .number(Double(t.seed))), ("task", Self.object(task)), ("optimizer", Self.object(optimizer)),
            ("schedule", ScheduleParser.json(schedule)),
        ]
        if let paths { top.append(("hyperparameter_paths", paths.json)) }
        return Self.object(top)
    }

    static func json(_ d: DatasetSpec) -> JSONValue {
        switch d {
        case .builtin(let name): return .string(name)
        case .csv(let path, let target, let task, let missing, let validation):
            var members: [(String, JSONValue)] = [("csv", .string(path)), ("target", .string(target))]
            if let task { members.append(("task", .string(task.rawValue))) }
            if missing != .error { members.append(("missing", .string(missing.rawValue))) }
            if let validation { members.append(("val_csv", .string(validation))) }
            return object(members)
        case .synthetic(let s):
            var members: [(String, JSONValue)] = [("name", .string(s.kind.rawValue)), ("n", .number(Double(s.n))),
                                                  ("noise", .number(s.noise))]
            if s.kind == .spirals || s.kind == .blobs { members.append(("classes", .number(Double(s.classes)))) }
            if s.kind == .blobs || s.kind == .teacher { members.append(("features", .number(Double(s.features)))) }
            members.append(("seed", .number(Double(s.seed))))
            return object(members)
        }
    }

    static func object(_ members: [(String, JSONValue)]) -> JSONValue {
        .object(members.map { JSONMember(key: $0.0, value: JSONNode($0.1)) })
    }
}
