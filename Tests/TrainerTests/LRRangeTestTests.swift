// The LR range test's math against THEORY.md §B's reference numbers, and the finder on real data.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import TestSupport
import Trainer

struct LRRangeTestTests {
    /// THEORY.md §B's shared synthetic curve: a loss that falls around lr = 10^-3.5 and explodes past
    /// lr ≈ 10^-0.5, with a little batch noise.
    static func syntheticLoss(_ lr: Double, _ i: Int) -> Double {
        let x = log10(lr)
        return 2.3 - 2 / (1 + exp(-2.5 * (x + 3.5))) + 0.05 * sin(7 * Double(i)) + exp(3 * (x + 0.5))
    }

    func suggestion(_ kind: LRSuggestion.Kind, _ curve: LRRangeCurve) -> Double? {
        curve.suggestions.first { $0.kind == kind }?.lr
    }

    // MARK: - LR ramps

    @Test func fastaiRampNeverReachesEnd() {
        let test = LRRangeTest(start: 1e-7, end: 10, iterations: 100)
        #expect(test.learningRate(at: 0) == 1e-7)
        // derivation: 1e-7 · 1e8^(50/100) = 1e-3
        expectClose(test.learningRate(at: 50), 1e-3, relative: 1e-12)
        // derivation: 1e-7 · 1e8^(99/100) = 10^(-7 + 7.92) = 8.317637711026709 (THEORY §B: 8.3176)
        expectClose(test.learningRate(at: 99), 8.317637711026709, relative: 1e-12)
    }

    @Test func fastaiRaisesFewerThanSixIterationsToSix() {
        #expect(LRRangeTest(iterations: 2).steps == 6)
        #expect(LRRangeTest(iterations: 2, method: .smith).steps == 2)
    }

    @Test func smithRampHitsBothEnds() {
        let exp = LRRangeTest(start: 1e-7, end: 10, iterations: 100, method: .smith, mode: .exp)
        #expect(exp.learningRate(at: 0) == 1e-7)
        expectClose(exp.learningRate(at: 99), 10, relative: 1e-12)
        let linear = LRRangeTest(start: 0.01, end: 1, iterations: 11, method: .smith, mode: .linear)
        #expect(linear.learningRate(at: 0) == 0.01)
        // derivation: 0.01 + 0.99 · 5/10 = 0.505
        expectClose(linear.learningRate(at: 5), 0.505, relative: 1e-12)
        expectClose(linear.learningRate(at: 10), 1, relative: 1e-12)
    }

    // MARK: - Smoothing

    @Test func fastaiSmoothingIsBiasCorrected() {
        var s = LossSmoother(.debiased(beta: 0.98))
        // derivation (THEORY §B): m = 0.04, 0.0592, 0.118016; / (1 − 0.98^k) → 2, 1.494949…, 2.006802
        expectAllClose([2.0, 1, 3].map { s.add($0) }, [2, 1.494949494949495, 2.006801795674056], relative: 1e-12)
    }

    @Test func smithSmoothingHasNoBiasCorrection() {
        var s = LossSmoother(.exponential(f: 0.05))
        // derivation: s0 = 2; s1 = 0.05·1 + 0.95·2 = 1.95; s2 = 0.15 + 0.95·1.95 = 2.0025
        expectAllClose([2.0, 1, 3].map { s.add($0) }, [2, 1.95, 2.0025], relative: 1e-12)
    }

    // MARK: - Suggestions

    @Test func valleyOfTheReferenceExample() throws {
        // THEORY §B: longest decreasing run 5,4,3,2,1,0.5 (indices 0…7, start −1), s = 8/3, idx = −1 + 2 + 1 = 4
        let r = try #require(LRSuggest.valley(lrs: (1...10).map(Double.init), losses: [5, 4, 4.5, 3, 2, 2.5, 1, 0.5, 3, 9]))
        #expect(r.index == 4)
        #expect(r.lr == 5)
    }

    @Test func valleyWrapsLikePythonOnTinyInputs() throws {
        // [2, 1]: run at indices 0…1, start −1, s = 2/3, idx = −1 → Python's lrs[-1], the last element
        let r = try #require(LRSuggest.valley(lrs: [10, 20], losses: [2, 1]))
        #expect(r.index == 1)
        #expect(r.lr == 20)
        // one point, or nothing decreasing: idx 0
        #expect(LRSuggest.valley(lrs: [3], losses: [1])?.index == 0)
        #expect(LRSuggest.valley(lrs: [1, 2, 3], losses: [1, 2, 3])?.index == 0)
        #expect(LRSuggest.valley(lrs: [], losses: []) == nil)
    }

    @Test func numpyGradientUsesOneSidedEnds() {
        // derivation: [1−0, (4−0)/2, (9−1)/2, 9−4]
        #expect(LRSuggest.gradient([0, 1, 4, 9]) == [1, 2, 4, 5])
    }

    @Test func fastaiOnTheSyntheticCurveMatchesTheReference() throws {
        let curve = LRRangeTest(start: 1e-7, end: 10, iterations: 100).run(Self.syntheticLoss)
        // THEORY §B [V]: divergence stop after 98 recorded iterations; suggestions to 1e-6 relative
        #expect(curve.lrs.count == 98)
        #expect(curve.stop == .diverged)
        expectClose(try #require(suggestion(.valley, curve)), 5.754399e-4, relative: 1e-6)
        expectClose(try #require(suggestion(.slide, curve)), 6.918310e-4, relative: 1e-6)
        expectClose(try #require(suggestion(.minimum, curve)), 2.511886e-2, relative: 1e-6)
        expectClose(try #require(suggestion(.steep, curve)), 1.0e-3, relative: 1e-6)
    }

    @Test func smithOnTheSyntheticCurveMatchesTheReference() throws {
        let curve = LRRangeTest(start: 1e-7, end: 10, iterations: 100, method: .smith).run(Self.syntheticLoss)
        // THEORY §B [V]: torch-lr-finder stops after 94 iterations; steepest 1.097499e-3
        #expect(curve.lrs.count == 94)
        #expect(curve.stop == .diverged)
        expectClose(try #require(suggestion(.steepest, curve)), 1.097499e-3, relative: 1e-6)
        #expect(curve.suggestions.map(\.kind) == [.steepest])
    }

    @Test func nonFiniteLossStopsTheTestAfterRecordingIt() {
        let test = LRRangeTest(start: 1e-4, end: 1, iterations: 40)
        let curve = test.run { lr, i in i == 30 ? .nan : 1 / (1 + 1e4 * lr) }
        #expect(curve.stop == .nonFinite)
        #expect(curve.lrs.count == 31)
        // window [40/10, 31 − 5) = [4, 26); the loss only falls, so the minimum is at its last point
        let minimum = curve.suggestions.first { $0.kind == .minimum }
        #expect(minimum?.index == 25)
    }

    @Test func tooShortCurveGivesNoSuggestions() {
        let curve = LRRangeTest(iterations: 6).run { _, _ in 1 }
        #expect(curve.stop == .completed)
        #expect(curve.lrs.count == 6)
        // window [6/10, 6 − 5) = [0, 1): one point, enough for valley and minimum, not for slide (16) or steep (2)
        #expect(curve.suggestions.map(\.kind) == [.valley, .minimum])
        #expect(LRRangeTest(iterations: 6).suggestions(lrs: [1, 2, 3], smoothed: [1, 1, 1]).isEmpty)
    }

    // MARK: - On real data

    static func digitsConfig(seed: UInt64 = 3) throws -> (TrainingConfig, Dataset) {
        let data = try Dataset(try DatasetSpec.builtin("digits").load(), valFraction: 0.2, splitSeed: 0)
        let config = TrainingConfig(model: ModelConfig(hidden: [64]), optimizer: OptimizerConfig(momentum: 0.9),
                                    epochs: 1, batchSize: 64, seed: seed)
        return (config, data)
    }

    @Test func finderOnDigitsIsDeterministicAndFindsAValleyInsideTheRange() throws {
        let (config, data) = try Self.digitsConfig()
        let test = LRRangeTest()
        let a = LRFinder.run(config: config, dataset: data, test: test)
        let b = LRFinder.run(config: config, dataset: data, test: test)
        #expect(a.curve == b.curve)
        #expect(a.suggestions == b.suggestions)
        // 1438 training rows, batch 64 → 23 steps per epoch, so 100 batches span 5 epochs
        #expect(a.stepsPerEpoch == 23)
        #expect(a.curve.stop == .diverged)
        let valleyPoint = try #require(LRFinder.suggestion(.valley, in: a))
        let valley = valleyPoint.lr
        // the model learns during the ramp: the smoothed loss falls well below where it started
        #expect(a.curve.best < 0.7 * a.curve.smoothed[0], "smoothed \(a.curve.smoothed)")
        #expect(a.curve.smoothed[valleyPoint.index] < a.curve.smoothed[0])
        // SGD momentum 0.9 on digits trains well at 1e-3…0.3 (the quickstart's range)
        #expect(valley > 1e-3 && valley < 1, "valley \(valley)")
        let other = LRFinder.run(config: { var c = config; c.seed = 4; return c }(), dataset: data, test: test)
        #expect(other.curve.losses != a.curve.losses)
    }
}

@Suite struct ValleyEquivalenceTests {
    /// Random curves with ties, NaN, ±0 and ±∞ from a seeded generator: the O(n log n) valley equals
    /// fastai's O(n²) loop (the reference) on every one.
    @Test(arguments: 0..<40)
    func fastValleyEqualsFastaiLoop(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let n = Int(rng.next() % 300) + 1
        let palette: [Double] = [0, -0.0, .nan, .infinity, -.infinity, 1, 1, 2]
        var losses: [Double] = []
        var level = 3.0
        for _ in 0..<n {
            switch rng.next() % 10 {
            case 0: losses.append(palette[Int(rng.next() % UInt64(palette.count))])
            case 1, 2: losses.append(Double(rng.next() % 5))  // ties
            default:
                level += (Double(rng.next() % 1000) / 1000 - 0.6)  // a noisy descent, like a range test
                losses.append(level)
            }
        }
        let lrs = (0..<n).map { pow(10, -7 + 8 * Double($0) / Double(n)) }
        let fast = LRSuggest.valley(lrs: lrs, losses: losses), naive = LRSuggest.valleyNaive(lrs: lrs, losses: losses)
        #expect(fast?.index == naive?.index, "seed \(seed), n \(n)")
        #expect(fast?.lr == naive?.lr)
    }

    @Test func valleyOfAMillionPointsIsFast() throws {
        // A strictly decreasing run of 10^6: d = 10^6 at the end, start = −1, s = (999999 + 1)/3 →
        // idx = −1 + 333333 + 166666 = 499998 (the naive loop would take ~10^12 steps).
        let n = 1_000_000
        let r = try #require(LRSuggest.valley(lrs: (0..<n).map(Double.init), losses: (0..<n).map { Double(n - $0) }))
        #expect(r.index == 499_998)
    }
}
