// The report's plots: LR and loss curves of the top trials, the search's progress, families and parameters.

import Foundation
import Search
import Trainer

/// A plot and the file it is written to next to report.html.
public struct NamedPlot: Sendable {
    public var file: String
    public var plot: SVGPlot
}

extension SearchReport {
    static let noTrials = "no finished trials"
    /// Two main plots side by side fit the page's 1200 px.
    static let mainWidth = 590.0

    /// Every plot of the report, in page order.
    public var plots: [NamedPlot] {
        var out = [NamedPlot(file: "lr-curves.svg", plot: lrCurves()), NamedPlot(file: "loss-curves.svg", plot: lossCurves()),
                   NamedPlot(file: "progress.svg", plot: progress()), NamedPlot(file: "families.svg", plot: families())]
        for (i, p) in parameters.enumerated() {
            out.append(NamedPlot(file: "param-\(i + 1)-\(Self.slug(p.label)).svg", plot: parameterPlot(p)))
        }
        return out
    }

    /// The LR of the top trials: each epoch's first step as journaled (so plateau schedules, whose LR
    /// depends on the losses, show what actually ran), and for schedules stepped per batch the LR of
    /// every step too, drawn as the line with the epochs' LRs as its markers.
    public func lrCurves(top k: Int = 10) -> SVGPlot {
        let entries = top(k)
        var series: [PlotSeries] = [], legend: [LegendEntry] = []
        for e in entries {
            let style = emphasised(e)
            let points = e.representative.epochs.map { PlotPoint(Double($0.epoch), $0.lr) }
            if let steps = Self.stepCurve(e.representative) {
                var line = style
                line.marker = nil
                series.append(PlotSeries(.scatter, cssClass: "epoch-lr trial-\(e.index)", points: points, style: style))
                series.append(PlotSeries(.line, cssClass: "lr trial-\(e.index)", points: steps, style: line))
            } else {
                series.append(PlotSeries(.line, cssClass: "lr trial-\(e.index)", points: points, style: style))
            }
            legend.append(LegendEntry(Self.label(e), style: style))
        }
        let ys = series.flatMap { $0.points.map(\.y) }
        let finite = ys.contains { $0.isFinite }
        // Per-step curves run to the end of the last epoch, past its first step.
        let xMax = series.flatMap { $0.points.map(\.x) }.filter(\.isFinite).max() ?? 1
        return SVGPlot(title: "Learning rate of " + Self.topTitle(entries.count), xLabel: "epoch",
                       yLabel: "learning rate",
                       xScale: Self.integerTicks(.fitting([1, max(2, xMax)], log: false, padded: xMax != xMax.rounded())),
                       yScale: .fitting(ys, log: PlotScale.prefersLog(ys)), series: series.reversed(), legend: legend,
                       emptyMessage: finite ? nil : Self.noTrials, width: Self.mainWidth)
    }

    /// Validation loss (solid, with markers) and training loss (dashed) per epoch of the top trials;
    /// pruned trials stop where they were stopped, diverged ones at their last finite epoch.
    public func lossCurves(top k: Int = 10) -> SVGPlot {
        let entries = top(k)
        var series: [PlotSeries] = [], legend: [LegendEntry] = []
        for e in entries {
            let style = emphasised(e)
            let epochs = e.representative.epochs
            var train = style
            train.marker = nil
            train.dash = "5 3"
            train.opacity = 0.6
            series.append(PlotSeries(.line, cssClass: "train-loss trial-\(e.index)",
                                     points: epochs.map { PlotPoint(Double($0.epoch), $0.trainLoss) }, style: train))
            series.append(PlotSeries(.line, cssClass: "val-loss trial-\(e.index)",
                                     points: epochs.map { PlotPoint(Double($0.epoch), $0.valLoss) }, style: style))
            legend.append(LegendEntry(Self.label(e), style: style))
        }
        let grey = SeriesStyle(color: "#555555")
        legend += [LegendEntry("validation (solid)", style: grey), LegendEntry("train (dashed)", style: SeriesStyle(color: "#555555", dash: "5 3"))]
        let ys = series.flatMap { $0.points.map(\.y) }
        let finite = ys.contains { $0.isFinite }
        return SVGPlot(title: "Loss of " + Self.topTitle(entries.count), xLabel: "epoch", yLabel: "loss",
                       xScale: epochScale(entries), yScale: .fitting(ys, log: PlotScale.prefersLog(ys)),
                       series: series.reversed(), legend: finite ? legend : [], emptyMessage: finite ? nil : Self.noTrials,
                       width: Self.mainWidth)
    }

    /// The objective of each trial in the order trials finished, and the best so far.
    public func progress() -> SVGPlot {
        let values = records.map { $0.objective(objective) }
        var series: [PlotSeries] = []
        for family in styles.keys.sorted() {
            let points = records.indices.filter { records[$0].family.rawValue == family }.map { PlotPoint(Double($0 + 1), values[$0]) }
            series.append(PlotSeries(.scatter, cssClass: "objective family-\(Self.slug(family))", points: points, style: style(family)))
        }
        var best = Double.nan, running: [PlotPoint] = []
        for (i, v) in values.enumerated() where v.isFinite {
            if best.isNaN || (objective.maximizes ? v > best : v < best) { best = v }
            running.append(PlotPoint(Double(i + 1), best))
        }
        series.append(PlotSeries(.line, cssClass: "running-best", points: running,
                                 style: SeriesStyle(color: "#333333", lineWidth: 2)))
        let legend = styles.keys.sorted().map { LegendEntry($0, style: style($0), showsLine: false) }
            + [LegendEntry("best so far", style: SeriesStyle(color: "#333333", lineWidth: 2))]
        return SVGPlot(title: "Search progress: \(objective.rawValue) per trial", xLabel: "trial, in order of completion",
                       yLabel: objective.rawValue, xScale: Self.integerTicks(.fitting([0, Double(records.count + 1)], log: false)),
                       yScale: objectiveScale(values), series: series, legend: legend,
                       emptyMessage: running.isEmpty ? Self.noTrials : nil, width: Self.mainWidth)
    }

    /// Each configuration's objective by family (filled: complete, hollow: pruned), with each family's median.
    public func families() -> SVGPlot {
        let names = styles.keys.sorted()
        var series: [PlotSeries] = [], medians: [PlotPoint] = []
        for (i, family) in names.enumerated() {
            let entries = ranked.filter { $0.representative.family.rawValue == family && $0.mean.isFinite }
            for state in [TrialStatus.ok, .pruned] {
                let points = entries.filter { $0.state == state }.map { PlotPoint(Double(i) + Self.jitter($0.index), $0.mean) }
                var s = style(family)
                s.hollow = state == .pruned
                series.append(PlotSeries(.scatter, cssClass: "objective \(state.rawValue) family-\(Self.slug(family))", points: points, style: s))
            }
            let done = entries.filter { $0.state == .ok }.map(\.mean).sorted()
            if !done.isEmpty {
                let median = done.count % 2 == 1 ? done[done.count / 2] : (done[done.count / 2 - 1] + done[done.count / 2]) / 2
                medians += [PlotPoint(Double(i) - 0.3, median), PlotPoint(Double(i) + 0.3, median), PlotPoint(.nan, .nan)]
            }
        }
        series.append(PlotSeries(.line, cssClass: "median", points: medians, style: SeriesStyle(color: "#333333", lineWidth: 2)))
        let ys = ranked.map(\.mean)
        var legend = [LegendEntry("complete", style: SeriesStyle(color: "#555555", marker: .circle), showsLine: false),
                      LegendEntry("median", style: SeriesStyle(color: "#333333", lineWidth: 2))]
        if ranked.contains(where: { $0.state == .pruned }) {
            legend.insert(LegendEntry("pruned", style: SeriesStyle(color: "#555555", marker: .circle, hollow: true), showsLine: false), at: 1)
        }
        let any = ys.contains { $0.isFinite }
        return SVGPlot(title: "\(objective.rawValue) by schedule family", xLabel: "family", yLabel: objective.rawValue,
                       xScale: .fitting([0, 1], log: false), yScale: objectiveScale(ys), series: series,
                       legend: any ? legend : [], categories: names.isEmpty ? [""] : names,
                       emptyMessage: any ? nil : Self.noTrials, width: Self.mainWidth)
    }

    /// The objective against one sampled parameter (log axis for log-uniform parameters).
    public func parameterPlot(_ p: PlottedParameter) -> SVGPlot {
        var series: [PlotSeries] = []
        var xs: [Double] = [], ys: [Double] = []
        for family in styles.keys.sorted() where p.family == nil || p.family == family {
            let points = ranked.filter { $0.representative.family.rawValue == family }.compactMap { e -> PlotPoint? in
                guard let x = p.value(in: e.representative.sampled) else { return nil }
                return PlotPoint(x, e.mean)
            }
            guard !points.isEmpty else { continue }
            xs += points.map(\.x)
            ys += points.map(\.y)
            series.append(PlotSeries(.scatter, cssClass: "objective family-\(Self.slug(family))", points: points, style: style(family)))
        }
        let shown = zip(xs, ys).contains { $0.0.isFinite && $0.1.isFinite }
        return SVGPlot(title: p.label, xLabel: p.label + (p.logScale ? " (log scale)" : ""), yLabel: objective.rawValue,
                       xScale: .fitting(xs, log: p.logScale, padded: true), yScale: objectiveScale(ys), series: series,
                       emptyMessage: shown ? nil : Self.noTrials, width: 320, height: 240)
    }

    // MARK: - Helpers

    /// The family's style, thicker for the best trial.
    func emphasised(_ e: RankedEntry) -> SeriesStyle {
        var s = style(e.representative.family.rawValue)
        s.lineWidth = e.rank == 1 ? 2.75 : 1.5
        return s
    }

    func epochScale(_ entries: [RankedEntry]) -> PlotScale {
        let last = entries.compactMap { $0.representative.epochs.last?.epoch }.max() ?? 1
        return Self.integerTicks(.fitting([1, Double(max(2, last))], log: false))
    }

    /// "the best trial", "the top 10 trials".
    static func topTitle(_ n: Int) -> String { n == 1 ? "the best trial" : "the top \(n) trials" }

    /// Epochs and trial numbers are whole: no tick at 1.5.
    static func integerTicks(_ scale: PlotScale) -> PlotScale {
        var s = scale
        s.ticks = s.ticks.filter { $0 == $0.rounded() }
        return s
    }

    func objectiveScale(_ values: [Double]) -> PlotScale { .fitting(values, log: PlotScale.prefersLog(values), padded: true) }

    /// A deterministic horizontal offset in [-0.25, 0.25) for a strip plot (golden-ratio sequence).
    static func jitter(_ index: Int) -> Double {
        let u = (Double(index) * 0.6180339887498949).truncatingRemainder(dividingBy: 1)
        return (u - 0.5) * 0.5
    }

    /// A name safe in a file name and a CSS class: letters and digits, other runs as one '-'.
    public static func slug(_ s: String) -> String {
        var out = ""
        for c in s.lowercased() {
            if c.isASCII && (c.isLetter || c.isNumber) { out.append(c) } else if !out.hasSuffix("-") { out.append("-") }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "x" : out
    }
}
