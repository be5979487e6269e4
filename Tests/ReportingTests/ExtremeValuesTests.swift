// Plot scales and sparklines over values near the ends of Double: finite, bounded, never a trap or a hang.

@testable import Reporting
import Testing

@Suite struct ExtremeValuesTests {
    @Test func logScaleOverTheWholeDoubleRangeIsBounded() {
        // A sampled LR range of [5e-324, 1e308]: hi/lo overflows, and 5e-324 has no finite decade below it.
        let s = PlotScale.fitting([5e-324, 1e308], log: true, padded: true)
        #expect(s.low.isFinite && s.high.isFinite && s.low > 0)
        #expect(s.ticks.count >= 2 && s.ticks.count <= 20)
        #expect(s.ticks.allSatisfy { $0.isFinite && $0 > 0 })
    }

    @Test func linearScaleWhoseWidthOverflowsIsBounded() {
        let s = PlotScale.fitting([-1.7e308, 1.7e308], log: false, padded: true)
        #expect(s.low.isFinite && s.high.isFinite)
        #expect(s.ticks.count >= 2 && s.ticks.count <= 20)
    }

    @Test func sparklineOfOppositeExtremesDrawsBothEnds() {
        // derivation: hi − lo overflows to inf; by halves the ends map to the lowest and highest bars.
        #expect(Sparkline.line([-1.7e308, 0, 1.7e308, .nan]) == "▁▅█ ")
    }
}
