// `lrsearch explr`: the exponential LR that replaces weight decay, its α, growth and initial buffer.

import Foundation
import LRSchedules
import Search

/// `lrsearch explr --lr η (--wd λ | --wd-new λnew) [--momentum γ] [--steps N] [--steps-per-epoch K] [--of SCHEDULE] [--texp]`.
///
/// Prints the numbers of Li & Arora's equivalence (α, the growth per step and per epoch, the initial
/// momentum buffer) and the first N LRs of the converted schedule as CSV.
public enum ExpLRCommand {
    public static let spec = CommandSpec(
        name: "explr",
        abstract: "Convert weight decay into the equivalent exponentially growing LR (Li & Arora 2020).",
        discussion: """
            For a scale-invariant network (every trainable layer followed by BatchNorm, a fixed last layer), \
            SGD with momentum γ and weight decay λ at LR η trains exactly like SGD without weight decay under \
            lr(t) = α^(−2t−1)·η, starting from the momentum buffer b₀ = c·θ₀, where α is the larger root of \
            x² − (1 + γ − λη)x + γ (real iff λη ≤ (1 − √γ)²).
            With --of SCHEDULE the whole schedule (with weight decay λ) is converted exactly, from zero buffers \
            (family equivalent_explr); with --of and --texp, by the paper's approximate tapered form (texp).
            λnew (--wd-new) is the decay per step in the new parameterization, θ ← (1 − λnew)θ − η·update: \
            λnew = λ·η. Examples:
              lrsearch explr --lr 0.1 --wd 5e-4 --momentum 0.9 --steps-per-epoch 391
              lrsearch explr --wd 5e-4 --momentum 0.9 --steps 300 --of '{ family: "step", lr: 0.1, step_size: 100 }'
            """,
        options: [
            OptionSpec("--lr", "η", help: "The constant LR of the weight-decay run (not with --of)."),
            OptionSpec("--wd", "λ", help: "Weight decay λ as PyTorch's SGD weight_decay (coupled, L2 in the gradient)."),
            OptionSpec("--wd-new", "λnew", help: "Weight decay per step in the new parameterization (λnew = λ·η)."),
            OptionSpec("--momentum", "γ", help: "SGD momentum γ in [0, 1) (default 0)."),
            OptionSpec("--steps", "N", help: "Print the LR of steps 0 to N-1 (default 10; 0 prints none)."),
            OptionSpec("--steps-per-epoch", "K", help: "Also print the growth per epoch of K steps."),
            OptionSpec("--of", "SCHEDULE", help: "Convert this schedule (JSON5 object, inline or @file) instead."),
            OptionSpec("--texp", help: "With --of: the tapered exponential (approximate) instead of the exact form."),
        ],
        run: run)

    static func run(_ args: ParsedArguments) throws -> ExitCode {
        let steps = try args.int("--steps", min: 0, max: maxScheduleSteps) ?? 10
        let momentum = try args.double("--momentum") ?? 0
        let spec: ScheduleSpec
        if let of = args.string("--of") {
            if args.string("--lr") != nil { throw CLIError("--lr cannot be combined with --of: the schedule gives the LR") }
            let (source, text) = try ScheduleCommand.readSchedule(of)
            let base = try ScheduleCommand.parse(text, source: source, steps: max(steps, 1))
            guard case .schedule(let s)? = try? base.make() else {
                throw CLIError("\(source): --of needs a pure schedule (plateau depends on a metric)")
            }
            let lambda = try weightDecay(args, lr: s.learningRate(at: 0))
            spec = args.flag("--texp") ? .texp(of: base, weightDecay: lambda, momentum: momentum)
                : .equivalentExplr(of: base, weightDecay: lambda, momentum: momentum)
        } else {
            if args.flag("--texp") { throw CLIError("--texp needs --of SCHEDULE") }
            guard let lr = try args.double("--lr") else { throw CLIError("missing option --lr <η> (or --of SCHEDULE)") }
            spec = .explr(lr: lr, weightDecay: try weightDecay(args, lr: lr), momentum: momentum)
        }
        var scheduler: LRScheduler
        do {
            scheduler = try LRScheduler(spec)
        } catch {
            throw CLIError(flagged(error))
        }
        print(summary(spec, stepsPerEpoch: try args.int("--steps-per-epoch", min: 1, max: maxScheduleSteps)))
        guard steps > 0 else { return .success }
        var base = try? LRScheduler(spec.convertedSchedule ?? spec)
        var out = CSVStream()  // constant memory in N
        out.append(spec.convertedSchedule == nil ? "step,lr\n" : "step,lr,of_lr\n")
        for k in 0..<steps {
            if k > 0 { scheduler.step(); base?.step() }
            out.append("\(k),\(scheduler.learningRate)")
            if spec.convertedSchedule != nil, let b = base { out.append(",\(b.learningRate)") }
            out.append("\n")
        }
        out.flush()
        return .success
    }

    /// λ from --wd or --wd-new (λ = λnew/η), exactly one of them.
    static func weightDecay(_ args: ParsedArguments, lr: Double) throws(CLIError) -> Double {
        switch (try args.double("--wd"), try args.double("--wd-new")) {
        case (let wd?, nil): return wd
        case (nil, let wdNew?):
            guard wdNew >= 0 && wdNew < 1 else { throw CLIError("--wd-new must be in [0, 1), got \(formatNumber(wdNew))") }
            return wdNew / lr
        case (nil, nil): throw CLIError("missing option --wd <λ> (or --wd-new <λnew>)")
        case (_?, _?): throw CLIError("--wd and --wd-new cannot be combined: λnew = λ·η is the same decay")
        }
    }

    /// A ScheduleError in the words of the command line: weight_decay → --wd, momentum → --momentum.
    static func flagged(_ error: ScheduleError) -> String {
        let flag = ["weight_decay": "--wd", "momentum": "--momentum", "lr": "--lr"][error.parameter]
            ?? (error.parameter.hasPrefix("of.") ? "--of \(error.parameter.dropFirst(3))" : error.parameter)
        return "\(flag) \(error.requirement)"
    }

    static func summary(_ spec: ScheduleSpec, stepsPerEpoch: Int?) -> String {
        let (lr, lambda, gamma): (Double, Double, Double)
        switch spec {
        case let .explr(l, w, m): (lr, lambda, gamma) = (l, w, m)
        case let .equivalentExplr(of, w, m), let .texp(of, w, m):
            let first = (try? LRScheduler(of))?.learningRate ?? .nan
            (lr, lambda, gamma) = (first, w, m)
        default: return ""
        }
        let alpha = WeightDecayEquivalence.alpha(lr: lr, weightDecay: lambda, momentum: gamma) ?? .nan
        let growth = 1 / (alpha * alpha)
        let buffer = ("initial buffer b₀ = c·θ₀, c = −(1−α)/(αη)", formatNumber(-(1 - alpha) / (alpha * lr)))
        let (schedule, alphaNote, bufferRow): (String, String, (String, String)) = switch spec {
        case .explr: ("explr: lr(t) = α^(−2t−1)·η, η = \(formatNumber(lr))", "", buffer)
        case .texp: ("texp of the --of schedule (approximate)", " (first phase)", buffer)
        default: ("equivalent_explr of the --of schedule (exact)", " (at η_0)", ("initial buffer", "none (zero buffers)"))
        }
        var rows: [(String, String)] = [
            ("schedule", schedule + ", momentum \(formatNumber(gamma))"),
            ("weight decay λ (PyTorch SGD weight_decay)", formatNumber(lambda)),
            ("λ·η = λnew", "\(formatNumber(lambda * lr))   (real α needs ≤ (1 − √γ)² = "
                + "\(formatNumber(WeightDecayEquivalence.bound(momentum: gamma))))"),
            ("α, larger root of x² − (1+γ−λη)x + γ" + alphaNote, formatNumber(alpha)),
            ("growth per step α^−2", formatNumber(growth)),
        ]
        if let k = stepsPerEpoch { rows.append(("growth per epoch α^−\(2 * k) (\(k) steps)", formatNumber(pow(growth, Double(k))))) }
        rows.append(bufferRow)
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
            .joined(separator: "\n") + "\n"
    }
}

extension ScheduleSpec {
    /// The schedule a conversion converts (`of`), or nil.
    var convertedSchedule: ScheduleSpec? {
        switch self {
        case .equivalentExplr(let of, _, _), .texp(let of, _, _): return of
        default: return nil
        }
    }
}
