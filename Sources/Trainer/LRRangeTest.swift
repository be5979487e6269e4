// The LR range test's math, apart from training: the LR ramp, loss smoothing and the stop rule (LRSuggest.swift
// reads the suggestions off the curve).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whose LR range test to replicate. Both ramp the LR over mini-batches and smooth the loss; they differ
/// in the ramp's end point, the smoothing, the divergence threshold and the suggestion.
public enum LRRangeMethod: String, Sendable, Equatable, CaseIterable {
    /// fastai v2 `Learner.lr_find` (`fastai/callback/schedule.py`).
    case fastai
    /// Smith (arXiv 1506.01186) as torch-lr-finder implements it (`torch_lr_finder/lr_finder.py`).
    case smith
}

/// How the LR grows between `start` and `end`.
public enum LRRampMode: String, Sendable, Equatable, CaseIterable {
    case exp, linear
}

/// The settings of one LR range test and the pure functions of them.
///
/// LR of batch i (i = 0, 1, …):
/// ```
/// fastai:          lr_i = start·(end/start)^(i/N)            N = max(iterations, 6); end is never reached
/// smith, exp:      lr_i = start·(end/start)^(i/(N−1))        N = iterations; both ends are hit
/// smith, linear:   lr_i = start + (end − start)·i/(N−1)
/// ```
/// The test stops after N batches, or after recording a smoothed loss above `divergenceFactor` × the
/// smallest smoothed loss so far (4 for fastai, 5 for torch-lr-finder), or after a NaN/∞ loss.
/// - Parameters: start > 0 and start < end (finite); iterations ≥ 2; fastai's ramp is exponential only.
public struct LRRangeTest: Sendable, Equatable {
    public var start: Double
    public var end: Double
    public var iterations: Int
    public var method: LRRangeMethod
    public var mode: LRRampMode

    public init(start: Double = 1e-7, end: Double = 10, iterations: Int = 100, method: LRRangeMethod = .fastai,
                mode: LRRampMode = .exp) {
        self.start = start
        self.end = end
        self.iterations = iterations
        self.method = method
        self.mode = mode
    }

    /// The most batches the test runs: fastai raises fewer than 6 to 6 (`lr_find`'s `num_it`).
    public var steps: Int { method == .fastai ? max(iterations, 6) : iterations }

    /// Stop once a smoothed loss exceeds this multiple of the best smoothed loss so far.
    public var divergenceFactor: Double { method == .fastai ? 4 : 5 }

    /// Recorded points left out of the suggestions at the start and at the end: fastai's
    /// `recorded[num_it//10 : -5]`, torch-lr-finder's `plot(skip_start=10, skip_end=5)`.
    public var skip: (start: Int, end: Int) { method == .fastai ? (steps / 10, 5) : (10, 5) }

    /// The LR of batch `i` (0-based).
    public func learningRate(at i: Int) -> Double {
        switch (method, mode) {
        case (.fastai, _):
            return start * pow(end / start, Double(i) / Double(steps))
        case (.smith, .exp):
            return start * pow(end / start, Double(i) / Double(max(steps - 1, 1)))
        case (.smith, .linear):
            return start + (end - start) * Double(i) / Double(max(steps - 1, 1))
        }
    }

    /// A fresh smoother for this method.
    public func makeSmoother() -> LossSmoother {
        method == .fastai ? LossSmoother(.debiased(beta: 0.98)) : LossSmoother(.exponential(f: 0.05))
    }

    /// The suggestions from a recorded curve (`smoothed` losses against `lrs`), on the window
    /// `skip` leaves, cut at the first non-finite loss. A suggestion is nil when the window is too short for it.
    public func suggestions(lrs: [Double], smoothed: [Double]) -> [LRSuggestion] {
        let (lo, cut) = skip
        let hi = min(lrs.count, smoothed.count) - cut
        guard hi > lo else { return [] }
        var window = (lr: Array(lrs[lo..<hi]), loss: Array(smoothed[lo..<hi]))
        if let bad = window.loss.firstIndex(where: { !$0.isFinite }) {
            window.lr.removeSubrange(bad...)
            window.loss.removeSubrange(bad...)
        }
        let (x, y) = window
        var out: [LRSuggestion] = []
        func add(_ kind: LRSuggestion.Kind, _ found: (lr: Double, index: Int)?) {
            if let found { out.append(LRSuggestion(kind: kind, lr: found.lr, index: lo + found.index)) }
        }
        switch method {
        case .fastai:
            add(.valley, LRSuggest.valley(lrs: x, losses: y))
            add(.slide, LRSuggest.slide(lrs: x, losses: y))
            add(.minimum, LRSuggest.minimum(lrs: x, losses: y))
            add(.steep, LRSuggest.steep(lrs: x, losses: y))
        case .smith:
            add(.steepest, LRSuggest.steepestGradient(lrs: x, losses: y))
        }
        return out
    }
}

extension LRRangeTest {
    /// Runs the test: batch i gets LR `learningRate(at: i)`, and `batchLoss(lr, i)` trains on it and
    /// returns the batch's loss (measured before the update, as both libraries record it). Each loss
    /// is recorded with its LR and smoothed; the test ends after `steps` batches, after a non-finite
    /// loss (recorded), or after recording a smoothed loss above `divergenceFactor` × the best so far.
    public func run(_ batchLoss: (_ lr: Double, _ i: Int) -> Double) -> LRRangeCurve {
        var curve = LRRangeCurve(test: self)
        for i in 0..<steps {
            let lr = learningRate(at: i)
            if !curve.record(lr: lr, loss: batchLoss(lr, i)) { return curve }
        }
        curve.stop = .completed
        return curve
    }
}

/// What a range test recorded: per batch the LR, the raw loss and the smoothed loss, and why it stopped.
public struct LRRangeCurve: Sendable, Equatable {
    public enum Stop: String, Sendable, Equatable {
        /// Still recording (only while `run` is going).
        case running
        /// All `steps` batches ran.
        case completed
        /// A smoothed loss exceeded `divergenceFactor` × the best one.
        case diverged
        /// A raw loss was NaN or infinite.
        case nonFinite = "non-finite"
    }
    public let test: LRRangeTest
    public private(set) var lrs: [Double] = []
    public private(set) var losses: [Double] = []
    public private(set) var smoothed: [Double] = []
    /// The smallest smoothed loss recorded.
    public private(set) var best = Double.infinity
    public internal(set) var stop = Stop.running
    private var smoother: LossSmoother

    public init(test: LRRangeTest) {
        self.test = test
        smoother = test.makeSmoother()
        lrs.reserveCapacity(test.steps)
        losses.reserveCapacity(test.steps)
        smoothed.reserveCapacity(test.steps)
    }

    /// Records one batch; false when the test must stop here.
    public mutating func record(lr: Double, loss: Double) -> Bool {
        let s = smoother.add(loss)
        lrs.append(lr)
        losses.append(loss)
        smoothed.append(s)
        best = min(best, s)
        if !loss.isFinite || !s.isFinite {
            stop = .nonFinite
            return false
        }
        if s > test.divergenceFactor * best {
            stop = .diverged
            return false
        }
        return true
    }

    /// The suggestions read from this curve (see `LRRangeTest.suggestions`).
    public var suggestions: [LRSuggestion] { test.suggestions(lrs: lrs, smoothed: smoothed) }
}

/// One suggested LR. `index` is the recorded point it was read at (for `minimum`, the point of the
/// smallest loss, whose LR is ten times the suggestion).
public struct LRSuggestion: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// fastai `valley`: a third of the way into the longest decreasing run.
        case valley
        /// fastai `slide`: where the loss gradient stops changing, scanning from the right.
        case slide
        /// fastai `minimum`: the LR of the smallest loss, divided by 10.
        case minimum
        /// fastai `steep`: the left end of the steepest segment in ln LR.
        case steep
        /// torch-lr-finder: the smallest `numpy.gradient` of the smoothed loss.
        case steepest
    }
    public var kind: Kind
    public var lr: Double
    public var index: Int

    public init(kind: Kind, lr: Double, index: Int) {
        self.kind = kind
        self.lr = lr
        self.index = index
    }
}

/// Loss smoothing as the two libraries do it.
///
/// ```
/// debiased(β):   m ← β·m + (1 − β)·ℓ_i  (m_0 = 0),  s_i = m / (1 − β^(i+1))     fastai AvgSmoothLoss, β = 0.98
/// exponential(f): s_0 = ℓ_0,  s_i = f·ℓ_i + (1 − f)·s_{i−1}                     torch-lr-finder, f = 0.05
/// ```
public struct LossSmoother: Sendable, Equatable {
    public enum Rule: Sendable, Equatable {
        case debiased(beta: Double)
        case exponential(f: Double)
    }
    public let rule: Rule
    private var mean = 0.0
    private var count = 0

    public init(_ rule: Rule) { self.rule = rule }

    /// Takes the next raw loss and returns the smoothed one.
    public mutating func add(_ loss: Double) -> Double {
        defer { count += 1 }
        switch rule {
        case .debiased(let beta):
            mean = beta * mean + (1 - beta) * loss
            return mean / (1 - pow(beta, Double(count + 1)))
        case .exponential(let f):
            mean = count == 0 ? loss : f * loss + (1 - f) * mean
            return mean
        }
    }
}
