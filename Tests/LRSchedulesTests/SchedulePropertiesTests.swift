// Properties over every pure family and random parameters: finite, ≥ 0, ≤ peak, stepping = random access.

import LRSchedules
import TestSupport
import Testing

/// SplitMix64, for reproducible random parameters (the library's generator lives in Trainer).
struct TestRNG: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A random valid spec of `family` and the highest LR it may reach.
func randomSpec(_ family: ScheduleFamily, seed: UInt64) -> (spec: ScheduleSpec, peak: Double)? {
    var g = TestRNG(state: seed)
    let lr = Double.random(in: 1e-4...1, using: &g)
    let n = Int.random(in: 1...200, using: &g)
    let f = Double.random(in: 0.01...1, using: &g)
    switch family {
    case .constant: return (.constant(lr: lr, factor: f, totalIters: n), lr)
    case .step: return (.step(lr: lr, stepSize: n, gamma: f), lr)
    case .multistep: return (.multistep(lr: lr, milestones: [n, n / 2, n, 3 * n], gamma: f), lr)
    case .exponential: return (.exponential(lr: lr, gamma: f), lr)
    case .polynomial: return (.polynomial(lr: lr, totalIters: n, power: 3 * f), lr)
    case .linear: return (.linear(lr: lr, startFactor: f, endFactor: 1 - f / 2, totalIters: n), lr)
    case .cosine: return (.cosine(lr: lr, tMax: n, etaMin: lr * f / 2), lr)
    case .sgdr: return (.sgdr(lr: lr, t0: n, tMult: Int.random(in: 1...3, using: &g), etaMin: lr * f / 2), lr)
    case .cyclic:
        let mode = CyclicSchedule.Mode.allCases.randomElement(using: &g) ?? .triangular
        return (.cyclic(.init(baseLR: lr * f, maxLR: lr, stepSizeUp: n, stepSizeDown: n / 3, mode: mode, gamma: 0.99)), lr)
    case .onecycle:
        return (.onecycle(.init(maxLR: lr, totalSteps: 100 + n, pctStart: 0.1 + 0.3 * f,
                                annealStrategy: f < 0.5 ? .cos : .linear, threePhase: n % 2 == 0)), lr)
    case .plateau: return nil
    case .sequence:
        return (.sequence(schedules: [.linear(lr: lr, startFactor: f, endFactor: 1, totalIters: n),
                                      .cosine(lr: lr, tMax: n, etaMin: 0)], milestones: [n]), lr)
    case .warmup: return (.warmup(schedule: .exponential(lr: lr, gamma: 0.99), warmupSteps: n, startFactor: f), lr)
    case .inverseSqrt: return (.inverseSqrt(lr: lr, warmupSteps: n, timescale: nil), lr)
    case .wsd:
        let shapes = WarmupStableDecay.Shape.allCases
        return (.wsd(.init(lr: lr, warmupSteps: n, stableSteps: n / 2, decaySteps: n, warmupType: shapes[n % 3],
                           decayType: shapes[(n / 3) % 3], minLRRatio: f / 2)), lr)
    case .logAnnealing: return (.logAnnealing(lr: lr, tMax: n, etaMin: lr * f / 2), lr)
    case .inverseTime:
        return (.inverseTime(lr: lr, decayRate: 3 * f, decaySteps: n, staircase: n % 2 == 0), lr)
    case .piecewise:
        return (.piecewise(boundaries: [n, 2 * n, 3 * n], values: [lr, lr * f, lr, lr * f / 2]), lr)
    case .table: return (.table(lrs: (0..<n).map { lr * Double(n - $0) / Double(n) }, csv: nil), lr)
    // The weight-decay conversions grow the LR: α^(−2t−1)·lr at most (λ·lr ≤ (1−√γ)²/4 here).
    case .explr, .equivalentExplr, .texp:
        let momentum = 0.9 * f, weightDecay = WeightDecayEquivalence.bound(momentum: 0.9 * f) / (4 * lr)
        let peak = ExpLR(lr: lr, weightDecay: weightDecay, momentum: momentum).learningRate(at: 700)
        let base = ScheduleSpec.step(lr: lr, stepSize: n, gamma: 0.5)
        return (family == .explr ? .explr(lr: lr, weightDecay: weightDecay, momentum: momentum)
                : family == .texp ? .texp(of: base, weightDecay: weightDecay, momentum: momentum)
                : .equivalentExplr(of: base, weightDecay: weightDecay, momentum: momentum), peak)
    }
}

@Suite struct SchedulePropertiesTests {
    static let pureFamilies = ScheduleFamily.allCases.filter { $0 != .plateau }

    @Test(arguments: pureFamilies, 0..<8)
    func learningRateIsFiniteNonNegativeAndAtMostPeak(family: ScheduleFamily, seed: Int) throws {
        let (spec, peak) = try #require(randomSpec(family, seed: UInt64(seed)))
        let lrs = try #require(stepped(spec, 700), "\(family) seed \(seed): \(makeError(spec) ?? "")")
        for (k, lr) in lrs.enumerated() {
            #expect(lr.isFinite && lr >= 0 && lr <= peak * (1 + 1e-12), "\(family) seed \(seed) step \(k): \(lr) > \(peak)?")
        }
    }

    @Test(arguments: pureFamilies, 0..<8)
    func steppingAgreesWithRandomAccess(family: ScheduleFamily, seed: Int) throws {
        let (spec, _) = try #require(randomSpec(family, seed: UInt64(seed)))
        let s = try #require(schedule(spec))
        let lrs = try #require(stepped(spec, 700))
        for k in stride(from: 0, to: 700, by: 7) {
            expectClose(s.learningRate(at: k), lrs[k], relative: 1e-9, "\(family) seed \(seed) step \(k)")
        }
    }

    @Test(arguments: [ScheduleFamily.cosine, .polynomial, .linear, .logAnnealing, .exponential, .wsd])
    func decayingFamiliesAreMonotoneWhileDecaying(family: ScheduleFamily) throws {
        let spec: ScheduleSpec = switch family {
        case .cosine: .cosine(lr: 0.1, tMax: 100, etaMin: 0.001)
        case .polynomial: .polynomial(lr: 0.1, totalIters: 100, power: 2)
        case .linear: .linear(lr: 0.1, startFactor: 1, endFactor: 0.01, totalIters: 100)
        case .logAnnealing: .logAnnealing(lr: 0.1, tMax: 100, etaMin: 0.001)
        case .exponential: .exponential(lr: 0.1, gamma: 0.97)
        default: .wsd(.init(lr: 0.1, warmupSteps: 0, stableSteps: 0, decaySteps: 100))
        }
        let lrs = try #require(stepped(spec, 101))
        for k in 1...100 { #expect(lrs[k] <= lrs[k - 1], "\(family) rises at step \(k)") }
    }

    @Test func everyFamilyHasASpecName() {
        #expect(ScheduleFamily.allCases.map(\.rawValue) == [
            "constant", "step", "multistep", "exponential", "polynomial", "linear", "cosine", "sgdr", "cyclic",
            "onecycle", "plateau", "sequence", "warmup", "inverse_sqrt", "wsd", "log_annealing",
            "explr", "equivalent_explr", "texp", "inverse_time", "piecewise", "table",
        ])
    }
}
