// `lrsearch export --format pytorch`: a trial config as a self-contained Python module for torch.optim.

import Foundation
import JSON5
import LRSchedules
import Trainer

/// Writes the Python module that rebuilds a trial's optimizer and schedule in PyTorch.
///
/// The module defines `build_optimizer(params)`, `build_scheduler(optimizer)`,
/// `before_optimizer_step(optimizer)` and `STEP_PER` ("batch" | "epoch"). The schedule maps to the
/// `torch.optim.lr_scheduler` class of the same family where PyTorch has one (renamed parameters:
/// `t_max` → `T_max`, …; SequentialLR for warmups and sequences of such classes), and to a LambdaLR over
/// the family's closed form otherwise (WSD, inverse sqrt, log annealing, explr, bounded step decay with
/// gamma and step size resolved, TensorFlow/Keras forms, piecewise, table, and sequences mixing those).
/// Weight decay in the new parameterization (`θ ← (1 − λnew)·θ`) and decoupled decay for SGD have no
/// torch.optim form: `before_optimizer_step` applies them. explr's initial momentum buffer is set by
/// `build_optimizer`. Values agree with `lrsearch schedule` to 1e-9 relative (examples/export/check_export.py).
public enum PyTorchExport {
    /// Where the module came from and how long the run is, for its header.
    public struct Context: Sendable {
        /// The file (or `folder --trial N`) the config was read from.
        public var source: String
        /// Scheduler steps the run takes (epochs, or epochs × steps per epoch), when known.
        public var schedulerSteps: Int?

        public init(source: String, schedulerSteps: Int? = nil) {
            self.source = source
            self.schedulerSteps = schedulerSteps
        }
    }

    /// Whether the trial steps its scheduler once per optimizer step (schedule unit "step"); plateau is
    /// stepped once per epoch whatever the unit, on the epoch's metric, as lrsearch's trainer does.
    public static func steppedPerBatch(_ config: TrialConfig) -> Bool {
        if case .plateau = config.schedule { return false }
        return config.training.scheduleUnit == .step
    }

    /// The module's text for `config`.
    public static func module(_ config: TrialConfig, context: Context) -> String {
        var plan = scheduler(config.schedule)
        var forms = ClosedForms()
        var schedulerBody: [String]
        var classes: [String] = []
        switch plan.kind {
        case .native(var expression):
            if case .onecycle(let p) = config.schedule, let steps = context.schedulerSteps, steps > p.totalSteps {
                // OneCycleLR raises once stepped past total_steps; lrsearch holds the final LR from there on.
                expression = expression.replacingOccurrences(of: "torch.optim.lr_scheduler.OneCycleLR(", with: "_OneCycleHoldLR(")
                plan.summary = "OneCycleLR, holding its final LR after total_steps"
                classes = oneCycleHold
            }
            schedulerBody = ["return " + expression]
        case .lambda:
            let f = forms.function(config.schedule)
            schedulerBody = ["# LambdaLR multiplies each group's initial_lr by the lambda; with initial_lr 1.0 the",
                             "# lambda (the closed form above) is the LR itself.",
                             "for group in optimizer.param_groups:",
                             "    group[\"initial_lr\"] = 1.0",
                             "return torch.optim.lr_scheduler.LambdaLR(optimizer, \(f))"]
        }
        let training = config.training
        let perBatch = steppedPerBatch(config)
        var out = header(config, context: context, plan: plan)
        out += (forms.usesBisect ? ["import bisect"] : []) + ["import math", "", "import torch", "", ""]
        out.append("STEP_PER = \"\(perBatch ? "batch" : "epoch")\"  # call scheduler.step() once per "
                   + (perBatch ? "optimizer step (batch)" : "epoch"))
        out.append("EPOCHS = \(training.epochs)")
        if let steps = context.schedulerSteps {
            out.append("SCHEDULER_STEPS = \(steps)  # the run lrsearch trained: run-length parameters were resolved for it")
        }
        out.append("LR = \(py(plan.optimizerLR))  # the optimizer's initial LR")
        if case .plateau(let p) = config.schedule {
            out.append("MONITOR = \"\(p.monitor.rawValue)\"  # pass it to scheduler.step(metric) once per epoch")
        }
        out += ["", ""]
        if config.schedule.needsRecurrences { out += pythonRecurrences.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) + [""] }
        if !forms.lines.isEmpty { out += forms.lines + [""] }
        if !classes.isEmpty { out += classes + ["", ""] }
        out += optimizer(config)
        out += hyperparameterPaths(config)
        out += ["def build_scheduler(optimizer):"]
        out += schedulerBody.map { "    " + $0 }
        return out.joined(separator: "\n") + "\n"
    }

    // MARK: - Scheduler

    /// OneCycleLR for a run longer than its total_steps: from step total_steps on, the final LR (and the
    /// last momentum), as lrsearch's ``OneCycle`` holds them.
    static let oneCycleHold = [
        "class _OneCycleHoldLR(torch.optim.lr_scheduler.OneCycleLR):",
        "    # OneCycleLR raises when stepped past total_steps; lrsearch holds the final LR there (momentum stays)",
        "    def step(self, epoch=None):",
        "        if self.last_epoch + 1 < self.total_steps:",
        "            return super().step(epoch)",
        "        self.last_epoch += 1",
        "        for group in self.optimizer.param_groups:",
        "            group[\"lr\"] = group[\"min_lr\"]",
        "        self._last_lr = [group[\"lr\"] for group in self.optimizer.param_groups]",
    ]

    struct Plan {
        enum Kind { case native(String), lambda }
        var kind: Kind
        /// The LR to build the optimizer with.
        var optimizerLR: Double
        /// What the header says about the mapping.
        var summary: String
    }

    /// The `torch.optim.lr_scheduler` class the module builds for `spec` (`"LambdaLR"` for a closed form).
    public static func schedulerClass(_ spec: ScheduleSpec) -> String {
        guard let (expression, _) = native(spec, top: true) else { return "LambdaLR" }
        return String(expression.prefix { $0 != "(" }.dropFirst("torch.optim.lr_scheduler.".count))
    }

    static func scheduler(_ spec: ScheduleSpec) -> Plan {
        if let (expression, lr) = native(spec, top: true) {
            let name = expression.prefix { $0 != "(" }.replacingOccurrences(of: "torch.optim.lr_scheduler.", with: "")
            return Plan(kind: .native(expression), optimizerLR: lr, summary: "torch.optim.lr_scheduler.\(name)")
        }
        let lr = (try? LRScheduler(spec).learningRate) ?? .nan
        return Plan(kind: .lambda, optimizerLR: lr, summary: "torch.optim.lr_scheduler.LambdaLR over the closed form")
    }

    /// The torch class for `spec` and the optimizer LR it needs, or nil when PyTorch has none. `top`:
    /// the schedule stands alone (cyclic and one-cycle then cycle momentum, plateau is allowed).
    static func native(_ spec: ScheduleSpec, top: Bool) -> (String, Double)? {
        let s = "torch.optim.lr_scheduler."
        switch spec {
        case let .constant(lr, factor, totalIters):
            return ("\(s)ConstantLR(optimizer, factor=\(py(factor)), total_iters=\(totalIters))", lr)
        case let .step(lr, stepSize, gamma):
            return ("\(s)StepLR(optimizer, step_size=\(stepSize), gamma=\(py(gamma)))", lr)
        case let .multistep(lr, milestones, gamma):
            return ("\(s)MultiStepLR(optimizer, milestones=\(list(milestones)), gamma=\(py(gamma)))", lr)
        case let .exponential(lr, gamma):
            return ("\(s)ExponentialLR(optimizer, gamma=\(py(gamma)))", lr)
        case let .polynomial(lr, totalIters, power):
            return ("\(s)PolynomialLR(optimizer, total_iters=\(totalIters), power=\(py(power)))", lr)
        case let .linear(lr, startFactor, endFactor, totalIters):
            return ("\(s)LinearLR(optimizer, start_factor=\(py(startFactor)), end_factor=\(py(endFactor)), "
                    + "total_iters=\(totalIters))", lr)
        case let .cosine(lr, tMax, etaMin):
            return ("\(s)CosineAnnealingLR(optimizer, T_max=\(tMax), eta_min=\(py(etaMin)))", lr)
        case let .sgdr(lr, t0, tMult, etaMin):
            return ("\(s)CosineAnnealingWarmRestarts(optimizer, T_0=\(t0), T_mult=\(tMult), eta_min=\(py(etaMin)))", lr)
        case .cyclic(let p) where top:
            let down = p.stepSizeDown.map { "step_size_down=\($0), " } ?? ""
            return ("\(s)CyclicLR(optimizer, base_lr=\(py(p.baseLR)), max_lr=\(py(p.maxLR)), "
                    + "step_size_up=\(p.stepSizeUp), \(down)mode=\"\(p.mode.rawValue)\", gamma=\(py(p.gamma)), "
                    + "cycle_momentum=\(py(p.cycleMomentum)), base_momentum=\(py(p.baseMomentum)), "
                    + "max_momentum=\(py(p.maxMomentum)))", p.baseLR)
        case .onecycle(let p) where top:
            return ("\(s)OneCycleLR(optimizer, max_lr=\(py(p.maxLR)), total_steps=\(p.totalSteps), "
                    + "pct_start=\(py(p.pctStart)), anneal_strategy=\"\(p.annealStrategy.rawValue)\", "
                    + "div_factor=\(py(p.divFactor)), final_div_factor=\(py(p.finalDivFactor)), "
                    + "three_phase=\(py(p.threePhase)), cycle_momentum=\(py(p.cycleMomentum)), "
                    + "base_momentum=\(py(p.baseMomentum)), max_momentum=\(py(p.maxMomentum)))", p.maxLR / p.divFactor)
        case .plateau(let p) where top:
            return ("\(s)ReduceLROnPlateau(optimizer, mode=\"\(p.mode.rawValue)\", factor=\(py(p.factor)), "
                    + "patience=\(p.patience), threshold=\(py(p.threshold)), threshold_mode=\"\(p.thresholdMode.rawValue)\", "
                    + "cooldown=\(p.cooldown), min_lr=\(py(p.minLR)), eps=\(py(p.eps)))", p.lr)
        case let .warmup(schedule, warmupSteps, startFactor):
            guard let (base, lr) = native(schedule, top: false) else { return nil }
            if warmupSteps == 0 { return (base, lr) }
            return ("\(s)SequentialLR(optimizer, [\n"
                    + "        \(s)LinearLR(optimizer, start_factor=\(py(startFactor)), end_factor=1.0, "
                    + "total_iters=\(warmupSteps)),\n        \(base),\n    ], milestones=[\(warmupSteps)])", lr)
        case let .sequence(schedules, milestones):
            // SequentialLR shares the optimizer's initial LR between its schedulers: only parts with one lr.
            let parts = schedules.compactMap { native($0, top: false) }
            guard parts.count == schedules.count, let lr = parts.first?.1, parts.allSatisfy({ $0.1 == lr }),
                  !schedules.contains(where: { if case .warmup = $0 { return true }; if case .sequence = $0 { return true }; return false })
            else { return nil }
            let inner = parts.map { "        \($0.0),\n" }.joined()
            return ("\(s)SequentialLR(optimizer, [\n\(inner)    ], milestones=\(list(milestones)))", lr)
        default:
            return nil
        }
    }

    // MARK: - Optimizer

    static func optimizer(_ config: TrialConfig) -> [String] {
        let o = config.training.optimizer
        var lines = ["def _trainable(params):",
                     "    # accepts model.parameters() or model.named_parameters()",
                     "    params = [p[1] if isinstance(p, tuple) else p for p in params]",
                     "    return [p for p in params if p.requires_grad]", "", "",
                     "def build_optimizer(params):",
                     "    params = _trainable(params)"]
        var torchDecay = 0.0      // the optimizer's own weight_decay
        var shrink: String?       // what before_optimizer_step multiplies θ by
        var className: String
        switch o.kind {
        case .sgd: className = "SGD"
        case .adam: className = "Adam"
        case .adamw: className = "AdamW"
        }
        switch o.weightDecay {
        case .none: break
        case .coupled(let l):
            torchDecay = l
            if o.kind == .adamw { className = "Adam" }  // Adam's weight_decay is the coupled (L2) one
        case .decoupled(let l):
            if o.kind == .sgd { shrink = "1 - group[\"lr\"] * \(py(l))" } else { torchDecay = l; className = "AdamW" }
        case .new(let l):
            // A PBT winner's λnew changes per epoch: before_epoch sets it on the groups.
            shrink = config.paths?.lambdaNew != nil ? "1 - group[\"lrsearch_lambda_new\"]" : "1 - \(py(l))"
        }
        if o.exemptBiasAndNorm, o.weightDecay != .none {
            lines += ["    # biases and norm weights (tensors of one dimension) take no weight decay",
                      "    decay = [p for p in params if p.ndim > 1]",
                      "    exempt = [p for p in params if p.ndim <= 1]"]
        } else {
            lines += ["    decay, exempt = params, []"]
        }
        lines += ["    groups = [g for g in [",
                  "        {\"params\": decay, \"weight_decay\": \(py(torchDecay)), \"lrsearch_shrink\": \(py(shrink != nil))},",
                  "        {\"params\": exempt, \"weight_decay\": 0.0, \"lrsearch_shrink\": False},",
                  "    ] if g[\"params\"]]"]
        let arguments = o.kind == .sgd
            ? "momentum=\(py(o.momentum)), dampening=\(py(o.dampening)), nesterov=\(py(o.nesterov))"
            : "betas=(\(py(o.beta1)), \(py(o.beta2))), eps=\(py(o.eps))"
        lines.append("    optimizer = torch.optim.\(className)(groups, lr=LR, \(arguments))")
        if let c = try? LRScheduler(config.schedule).initialMomentumBufferCoefficient, o.kind == .sgd, o.momentum != 0 {
            lines += ["    # \(config.schedule.family.rawValue) is equivalent to the weight-decay run only from the initial momentum",
                      "    # buffer b0 = c * theta0 (Li & Arora 2020), c = -(1 - alpha)/(alpha * lr):",
                      "    with torch.no_grad():",
                      "        for p in params:",
                      "            optimizer.state[p][\"momentum_buffer\"] = \(py(c)) * p.detach().clone()"]
        }
        if config.paths?.lambdaNew != nil || config.paths?.momentum != nil {
            lines.append("    before_epoch(optimizer, 0)  # the first segment's momentum and lambda_new")
        }
        lines += ["    return optimizer", "", ""]
        return lines + beforeStep(o, shrink: shrink)
    }

    /// `hyperparameter_paths` (a PBT winner's momentum and λnew per epoch segment) as `before_epoch`,
    /// which sets the segment's values on the optimizer's groups as lrsearch does before each segment
    /// (SGD: `momentum`; Adam: β₁; λnew: the factor `before_optimizer_step` shrinks θ by).
    static func hyperparameterPaths(_ config: TrialConfig) -> [String] {
        guard let paths = config.paths, paths.momentum != nil || paths.lambdaNew != nil else { return [] }
        func list(_ xs: [Double]) -> String { "[" + xs.map(py).joined(separator: ", ") + "]" }
        var lines = ["# hyperparameter_paths: segment i holds for the epochs e (1-based) with",
                     "# PATH_BOUNDARIES[i-1] < e <= PATH_BOUNDARIES[i]",
                     "PATH_BOUNDARIES = [" + paths.boundaries.map(String.init).joined(separator: ", ") + "]"]
        if let m = paths.momentum { lines.append("MOMENTUM_PATH = \(list(m))") }
        if let l = paths.lambdaNew { lines.append("LAMBDA_NEW_PATH = \(list(l))") }
        lines += ["", "",
                  "def before_epoch(optimizer, epoch):",
                  "    \"\"\"Call at the start of every epoch (epoch = 0, 1, ...): sets that epoch's momentum and lambda_new.\"\"\"",
                  "    i = sum(1 for b in PATH_BOUNDARIES if b <= epoch)",
                  "    for group in optimizer.param_groups:"]
        if let m = paths.momentum, !m.isEmpty {
            lines.append(config.training.optimizer.kind == .sgd
                         ? "        group[\"momentum\"] = MOMENTUM_PATH[i]"
                         : "        group[\"betas\"] = (MOMENTUM_PATH[i], group[\"betas\"][1])")
        }
        if paths.lambdaNew != nil { lines.append("        group[\"lrsearch_lambda_new\"] = LAMBDA_NEW_PATH[i]") }
        return lines + ["", ""]
    }

    /// `before_optimizer_step`: gradient clipping, then the weight decay torch.optim has no form for
    /// (`shrink`, the factor on θ), applied to the groups flagged `lrsearch_shrink`.
    static func beforeStep(_ o: OptimizerConfig, shrink: String?) -> [String] {
        var lines = ["def before_optimizer_step(optimizer):",
                  "    \"\"\"Call after loss.backward() and before optimizer.step() (does nothing when the run had no",
                  "    gradient clipping and no weight decay outside torch.optim).\"\"\""]
        var body: [String] = []
        if let clip = o.gradClip {
            body += ["torch.nn.utils.clip_grad_norm_([p for g in optimizer.param_groups for p in g[\"params\"]], "
                        + "\(py(clip)))"]
        }
        if let shrink {
            if case .new = o.weightDecay {
                body.append("# weight decay in the new parameterization: theta <- (1 - lambda_new) * theta before each step")
            } else {
                body.append("# decoupled weight decay for SGD: theta <- (1 - lr * lambda) * theta before each step")
            }
            body += ["with torch.no_grad():",
                     "    for group in optimizer.param_groups:",
                     "        if group[\"lrsearch_shrink\"]:",
                     "            for p in group[\"params\"]:",
                     "                p.mul_(\(shrink))"]
        }
        if body.isEmpty { body = ["pass"] }
        lines += body.map { "    " + $0 } + ["", ""]
        return lines
    }

    // MARK: - Header

    static func header(_ config: TrialConfig, context: Context, plan: Plan) -> [String] {
        let t = config.training
        let step = steppedPerBatch(config)
        let plateau: Bool
        if case .plateau = config.schedule { plateau = true } else { plateau = false }
        var lines = [
            "# Generated by `lrsearch export` from \(commentSafe(context.source)).",
            "# Rebuilds the trial's optimizer and learning-rate schedule in PyTorch:",
            "#   schedule  \(config.schedule.family.rawValue) -> \(plan.summary)",
            "#   optimizer \(t.optimizer.kind.rawValue), \(t.epochs) epochs, scheduler stepped per \(step ? "batch" : "epoch")",
            "#",
            "# Wiring it into a training loop (this file as winner.py):",
            "#",
            "#   import winner",
            "#   optimizer = winner.build_optimizer(model.named_parameters())",
            "#   scheduler = winner.build_scheduler(optimizer)",
            "#   for epoch in range(winner.EPOCHS):",
        ]
        if config.paths?.momentum != nil || config.paths?.lambdaNew != nil {
            lines.append("#       winner.before_epoch(optimizer, epoch)       # the PBT path: momentum / lambda_new per epoch")
        }
        lines += [
            "#       for x, y in loader:",
            "#           optimizer.zero_grad()",
            "#           loss_fn(model(x), y).backward()",
            "#           winner.before_optimizer_step(optimizer)  # weight decay / clipping torch.optim lacks",
            "#           optimizer.step()",
        ]
        if step { lines.append("#           scheduler.step()                        # STEP_PER == \"batch\"") }
        if plateau {
            lines.append("#       scheduler.step(val_loss)                    # the metric named by MONITOR")
        } else if !step {
            lines.append("#       scheduler.step()                            # STEP_PER == \"epoch\"")
        }
        lines += ["#", plateau
                    ? "# The LR follows the metric: `lrsearch schedule @CONFIG --steps N --metrics FILE` replays it for a run's losses."
                    : "# The LR after k scheduler steps is row k of `lrsearch export --format csv` (row 0: before any step).",
                  ""]
        return lines
    }
}

extension PyTorchExport {
    /// `text` for one Python comment line: control characters (a CR or LF would end the comment and make
    /// the rest of a file name code) become `?`.
    static func commentSafe(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : $0 }))
    }
}

extension ScheduleSpec {
    /// Whether the closed form needs the Python recursion classes (equivalent_explr, texp).
    var needsRecurrences: Bool {
        switch self {
        case .equivalentExplr, .texp: return true
        default: return false
        }
    }
}

// MARK: - JSON

extension PyTorchExport {
    /// `lrsearch export --format json`: the trial's schedule object with every parameter explicit, its
    /// `unit`, and tables inline (a relative csv path would not survive the move), so that
    /// `lrsearch schedule @file` and a spec's `schedules` read it back unchanged.
    public static func resolvedScheduleJSON(_ config: TrialConfig) -> JSONValue {
        let unit = JSONMember(key: "unit", value: JSONNode(.string(config.training.scheduleUnit.rawValue)))
        guard case .object(let members) = ScheduleParser.json(inliningTables(config.schedule)) else {
            return ScheduleParser.json(config.schedule)  // unreachable: a schedule is an object
        }
        return .object(members + [unit])
    }

    static func inliningTables(_ spec: ScheduleSpec) -> ScheduleSpec {
        switch spec {
        case let .table(lrs, _): return .table(lrs: lrs, csv: nil)
        case let .sequence(schedules, milestones):
            return .sequence(schedules: schedules.map(inliningTables), milestones: milestones)
        case let .warmup(schedule, steps, factor):
            return .warmup(schedule: inliningTables(schedule), warmupSteps: steps, startFactor: factor)
        case let .equivalentExplr(of, wd, m): return .equivalentExplr(of: inliningTables(of), weightDecay: wd, momentum: m)
        case let .texp(of, wd, m): return .texp(of: inliningTables(of), weightDecay: wd, momentum: m)
        default: return spec
        }
    }
}
