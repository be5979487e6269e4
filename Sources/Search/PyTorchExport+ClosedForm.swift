// Python closed forms of every schedule family, for the LambdaLR an exported module uses where PyTorch has no class.

import Foundation
import LRSchedules

extension PyTorchExport {
    /// Writes one Python function `_lr<n>(k)` per (nested) schedule: the LR after k scheduler steps, in the
    /// same floating-point order as the Swift type where that matters (to well within 1e-9 relative).
    struct ClosedForms {
        private(set) var lines: [String] = []
        private var count = 0
        /// Whether the module needs `import bisect`.
        private(set) var usesBisect = false

        /// Emits the functions for `spec` (and its parts) and returns the name of the one for `spec`.
        mutating func function(_ spec: ScheduleSpec) -> String {
            let name = "_lr\(count)"
            count += 1
            var body: [String]
            switch spec {
            case let .constant(lr, factor, totalIters):
                body = ["return \(py(lr)) * \(py(factor)) if k < \(totalIters) else \(py(lr))"]
            case let .step(lr, stepSize, gamma):
                body = ["return \(py(lr)) * \(py(gamma)) ** (k // \(stepSize))"]
            case let .boundedStep(lr, finalLR, updates, totalSteps):
                let d = BoundedStepDecay.derive(lr: lr, finalLR: finalLR, updates: updates, totalSteps: totalSteps)
                body = ["# step decay from lr to final_lr in \(updates) decays: gamma = (final_lr/lr)^(1/updates), "
                            + "step_size = total_steps // updates",
                        "decays = k // \(d.stepSize)",
                        "return \(py(finalLR)) if decays >= \(updates) else \(py(lr)) * \(py(d.gamma)) ** decays"]
            case let .multistep(lr, milestones, gamma):
                usesBisect = true
                body = ["return \(py(lr)) * \(py(gamma)) ** bisect.bisect_right(\(list(milestones.sorted())), k)"]
            case let .exponential(lr, gamma):
                body = ["return \(py(lr)) * \(py(gamma)) ** k"]
            case let .exponentialRate(lr, decayRate, decaySteps, staircase):
                body = rateDecay(lr, "\(py(lr)) * \(py(decayRate)) ** p", decaySteps, staircase)
            case let .exponentialToFinal(lr, finalLR, totalSteps):
                body = ["# decay_rate = final_lr / lr over total_steps steps",
                        "return \(py(lr)) * \(py(finalLR / lr)) ** (k / \(totalSteps))"]
            case let .inverseTime(lr, decayRate, decaySteps, staircase):
                body = rateDecay(lr, "\(py(lr)) / (1 + \(py(decayRate)) * p)", decaySteps, staircase)
            case let .polynomial(lr, totalIters, power):
                body = ["return \(py(lr)) * (1.0 - min(k, \(totalIters)) / \(totalIters)) ** \(py(power))"]
            case let .linear(lr, startFactor, endFactor, totalIters):
                body = ["return \(py(lr)) * (\(py(startFactor)) + (\(py(endFactor)) - \(py(startFactor))) "
                            + "* min(\(totalIters), k) / \(totalIters))"]
            case let .cosine(lr, tMax, etaMin):
                // Reduced modulo the period so that every trough is exactly eta_min, as in PyTorch's recursion.
                body = ["r = k % \(2 * tMax)",
                        "return \(py(etaMin)) + (\(py(lr)) - \(py(etaMin))) * (1 + math.cos(math.pi * r / \(tMax))) / 2"]
            case let .sgdr(lr, t0, tMult, etaMin):
                body = tMult == 1
                    ? ["t_cur, t_i = k % \(t0), \(t0)"]
                    : ["t_cur, t_i = k, \(t0)", "while t_cur >= t_i:", "    t_cur -= t_i", "    t_i *= \(tMult)"]
                body.append("return \(py(etaMin)) + (\(py(lr)) - \(py(etaMin))) * (1 + math.cos(math.pi * t_cur / t_i)) / 2")
            case .cyclic(let p): body = cyclic(p)
            case .onecycle(let p): body = onecycle(p)
            case .plateau:
                body = ["raise ValueError('plateau depends on the validation loss; it has no closed form')"]
            case let .sequence(schedules, milestones):
                usesBisect = true
                let parts = schedules.map { function($0) }
                body = ["parts = [\(parts.joined(separator: ", "))]",
                        "milestones = \(list(milestones))",
                        "i = bisect.bisect_right(milestones, k)",
                        "return parts[i](k - milestones[i - 1] if i > 0 else k)"]
            case let .warmup(schedule, warmupSteps, startFactor):
                let base = function(schedule)
                body = ["if k < \(warmupSteps):",
                        "    return \(base)(0) * (\(py(startFactor)) + (1 - \(py(startFactor))) * k / \(warmupSteps))",
                        "return \(base)(k - \(warmupSteps))"]
            case let .inverseSqrt(lr, warmupSteps, timescale):
                let tau = timescale ?? InverseSqrt.defaultTimescale(warmupSteps: warmupSteps)
                body = ["if k < \(warmupSteps):",
                        "    return \(py(lr)) * (k / \(max(1, warmupSteps)))",
                        "return \(py(lr)) * (1.0 / math.sqrt((k + \(tau - warmupSteps)) / \(tau)))"]
            case .wsd(let p): body = wsd(p)
            case let .logAnnealing(lr, tMax, etaMin):
                body = ["if k >= \(tMax):", "    return \(py(etaMin))",
                        "return \(py(etaMin)) + (\(py(lr)) - \(py(etaMin))) * (1 - math.log1p((math.e - 1) * (k / \(tMax))))"]
            case let .explr(lr, weightDecay, momentum):
                let alpha = WeightDecayEquivalence.alpha(lr: lr, weightDecay: weightDecay, momentum: momentum) ?? .nan
                body = ["# alpha: the larger root of x^2 - (1 + momentum - weight_decay*lr)*x + momentum",
                        "return \(py(lr)) * \(py(alpha)) ** -(2 * k + 1)"]
            case let .equivalentExplr(of, weightDecay, momentum):
                body = ["return \(recurrence("EquivalentExpLR", base: function(of), weightDecay, momentum))(k)"]
            case let .texp(of, weightDecay, momentum):
                body = ["return \(recurrence("TaperedExpLR", base: function(of), weightDecay, momentum))(k)"]
            case let .stepDrop(lr, drop, epochsDrop):
                body = ["return \(py(lr)) * \(py(drop)) ** ((1 + k) // \(epochsDrop))"]
            case let .piecewise(boundaries, values):
                usesBisect = true
                body = ["return \(list(values))[bisect.bisect_left(\(list(boundaries)), k)]"]
            case let .table(lrs, _):
                let table = "_TABLE\(count)"
                lines.append("\(table) = [")
                for start in stride(from: 0, to: lrs.count, by: 6) {
                    lines.append("    " + lrs[start..<min(lrs.count, start + 6)].map { py($0) + "," }.joined(separator: " "))
                }
                lines += ["]", ""]
                body = ["return \(table)[min(k, \(lrs.count - 1))]"]
            }
            lines.append("def \(name)(k):")
            lines += body.map { "    " + $0 }
            lines.append("")
            return name
        }

        private func rateDecay(_ lr: Double, _ expression: String, _ decaySteps: Int, _ staircase: Bool) -> [String] {
            [staircase ? "p = float(k // \(decaySteps))" : "p = k / \(decaySteps)", "return \(expression)"]
        }

        private func cyclic(_ p: CyclicSchedule.Parameters) -> [String] {
            let up = Double(p.stepSizeUp)
            let total = up + Double(p.stepSizeDown ?? p.stepSizeUp)
            let scale: String
            switch p.mode {
            case .triangular: scale = "1.0"
            case .triangular2: scale = "1 / 2.0 ** (cycle - 1)"
            case .expRange: scale = "\(py(p.gamma)) ** k"
            }
            return ["cycle = math.floor(1 + k / \(py(total)))",
                    "x = 1.0 + k / \(py(total)) - cycle",
                    "ratio = \(py(up / total))",
                    "s = x / ratio if x <= ratio else (x - 1) / (ratio - 1)",
                    "return \(py(p.baseLR)) + (\(py(p.maxLR)) - \(py(p.baseLR))) * s * (\(scale))"]
        }

        private func onecycle(_ p: OneCycle.Parameters) -> [String] {
            let n = Double(p.totalSteps)
            let initial = p.maxLR / p.divFactor
            let minLR = initial / p.finalDivFactor
            let phases: [(Double, Double, Double)] = p.threePhase
                ? [(p.pctStart * n - 1, initial, p.maxLR), (2 * p.pctStart * n - 2, p.maxLR, initial), (n - 1, initial, minLR)]
                : [(p.pctStart * n - 1, initial, p.maxLR), (n - 1, p.maxLR, minLR)]
            let anneal = p.annealStrategy == .cos
                ? "end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)"
                : "(end - start) * pct + start"
            return ["if k >= \(p.totalSteps):", "    return \(py(minLR))",
                    "phases = [" + phases.map { "(\(py($0.0)), \(py($0.1)), \(py($0.2)))" }.joined(separator: ", ") + "]",
                    "begin = 0.0",
                    "for i, (end_step, start, end) in enumerate(phases):",
                    "    if k <= end_step or i == len(phases) - 1:",
                    "        pct = (k - begin) / (end_step - begin)",
                    "        return \(anneal)",
                    "    begin = end_step"]
        }

        private func wsd(_ p: WarmupStableDecay.Parameters) -> [String] {
            let m = py(p.minLRRatio)
            let warm: String
            switch p.warmupType {
            case .linear: warm = "progress"
            case .cosine: warm = "0.5 * (1.0 - math.cos(math.pi * progress))"
            case .oneMinusSqrt: warm = "1.0 - math.sqrt(1.0 - progress)"
            }
            let decay: String
            switch p.decayType {
            case .linear: decay = "1.0 - progress"
            case .cosine: decay = "0.5 * (1.0 + math.cos(math.pi * \(py(p.numCycles)) * 2.0 * progress))"
            case .oneMinusSqrt: decay = "1.0 - math.sqrt(progress)"
            }
            let w = p.warmupSteps, s = p.warmupSteps + p.stableSteps, d = s + p.decaySteps
            return ["if k < \(w):",
                    "    progress = k / \(max(1, w))",
                    "    return \(py(p.lr)) * max(0.0, (\(warm)) * (1.0 - \(m)) + \(m))",
                    "if k < \(s):", "    return \(py(p.lr)) * 1.0",
                    "if k < \(d):",
                    "    progress = (k - \(s)) / \(max(1, p.decaySteps))",
                    "    return \(py(p.lr)) * max(0.0, (\(decay)) * (1.0 - \(m)) + \(m))",
                    "return \(py(p.lr)) * \(m)"]
        }

        /// A module-level recurrence object (see `_EquivalentExpLR` / `_TaperedExpLR` in the module) over `base`.
        private mutating func recurrence(_ kind: String, base: String, _ weightDecay: Double, _ momentum: Double) -> String {
            let name = "_rec\(count)"
            lines += ["\(name) = _\(kind)(\(base), weight_decay=\(py(weightDecay)), momentum=\(py(momentum)))", ""]
            return name
        }
    }

    /// A Python float literal that reads back as `x` (Swift's shortest round-trip form is valid Python).
    static func py(_ x: Double) -> String {
        if x.isNaN { return "float('nan')" }
        if x.isInfinite { return x > 0 ? "float('inf')" : "-float('inf')" }
        return "\(x)"
    }

    static func py(_ b: Bool) -> String { b ? "True" : "False" }

    static func list(_ xs: [Int]) -> String { "[" + xs.map(String.init).joined(separator: ", ") + "]" }
    static func list(_ xs: [Double]) -> String { "[" + xs.map { py($0) }.joined(separator: ", ") + "]" }
}

/// The Python classes the closed forms of `equivalent_explr` and `texp` use: their recursions, stepped
/// forward from a cached state (O(1) per scheduler step) and replayed from 0 if asked for an earlier step.
let pythonRecurrences = """
    class _Recurrence:
        def __init__(self, base, weight_decay, momentum):
            self.base, self.wd, self.mom = base, weight_decay, momentum
            self.k = -1

        def __call__(self, k):
            if self.k < 0 or k < self.k:
                self.k, self.eta = 0, self.base(0)
                self.lr = self.start(self.eta)
            while self.k < k:
                self.k += 1
                previous, self.eta = self.eta, self.base(self.k)
                self.lr = self.advance(self.eta, previous)
            return self.lr

        def alpha_star(self, eta):
            # the larger root of x^2 - (1 + momentum - weight_decay*eta)*x + momentum
            if not (eta > 0 and self.wd * eta <= (1 - math.sqrt(self.mom)) ** 2):
                return float('nan')
            b = 1 + self.mom - self.wd * eta
            return (b + math.sqrt(max(0.0, b * b - 4 * self.mom))) / 2


    class _EquivalentExpLR(_Recurrence):
        # alpha_{t+1} = 1 - eta_t*wd + momentum*(eta_t/eta_{t-1})*(1 - 1/alpha_t),  P_{t+1} = P_t/alpha_{t+1},
        # lr(t) = P_t * P_{t+1} * eta_t  (exact; start from zero momentum buffers)
        def start(self, eta):
            self.alpha, self.scale = 1.0, 1.0
            return self.close(eta, eta)

        def advance(self, eta, previous):
            return self.close(eta, previous)

        def close(self, eta, previous):
            nxt = 1 - eta * self.wd + self.mom * (eta / previous) * (1 - 1 / self.alpha)
            if not (nxt > 0 and self.alpha > 0):
                self.alpha = self.scale = float('nan')
                return float('nan')
            p = self.scale
            self.alpha, self.scale = nxt, p / nxt
            return p * self.scale * eta


    class _TaperedExpLR(_Recurrence):
        # TEXP: the LR grows by alpha*^-2 per step inside a phase and is rescaled at each drop
        def start(self, eta):
            self.alpha = self.alpha_star(eta)
            self.scale = eta / self.alpha
            return self.scale

        def advance(self, eta, previous):
            if eta == previous:
                self.scale /= self.alpha * self.alpha
            else:
                alpha = self.alpha_star(eta)
                self.scale *= (eta / previous) / (self.alpha * alpha)
                self.alpha = alpha
            return self.scale

    """
