// The report's plots: well-formed SVG, one series per trial, axes from the data, log ticks, NaN gaps, edge cases.

import Foundation
import FoundationXML
import JSON5
import enum LRSchedules.ScheduleFamily
import Reporting
import Search
import Testing
import Trainer

/// A record with one epoch per entry of `val` (train loss = 2 × val, LR from `lrs`).
func curveRecord(_ index: Int, family: String, val: [Double], lrs: [Double], state: TrialStatus = .ok,
                 extra: [(String, JSONValue)] = []) -> TrialRecord {
    var schedule: [(String, JSONValue)] = [("family", .string(family)), ("lr", .number(lrs.first ?? 0.1))]
    schedule += extra
    let config: JSONValue = .object([
        JSONMember(key: "task", value: JSONNode(["dataset": "iris"])),
        JSONMember(key: "schedule", value: JSONNode(.object(schedule.map { JSONMember(key: $0.0, value: JSONNode($0.1)) }))),
    ])
    let epochs = val.indices.map { i in
        EpochMetrics(epoch: i + 1, lr: lrs[i], trainLoss: val[i] * 2, valLoss: val[i], valAccuracy: 0.9, seconds: 0.1)
    }
    return TrialRecord(id: TrialID(index: index, repeat: 0), seed: 1, sampled: config, family: ScheduleFamily(rawValue: family) ?? .constant,
                       state: state, epochs: epochs, seconds: 0.3)
}

/// Three trials: two finish, one diverges at its second epoch.
func threeTrials() -> [TrialRecord] {
    [curveRecord(0, family: "step", val: [1.0, 0.5, 0.25], lrs: [0.1, 0.01, 0.001], extra: [("gamma", 0.1)]),
     curveRecord(1, family: "cosine", val: [0.8, 0.4, 0.3], lrs: [0.1, 0.05, 0.0001]),
     curveRecord(2, family: "cyclic", val: [2.0, .nan], lrs: [0.3, 0.3], state: .diverged)]
}

func parseXML(_ svg: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> XMLDocument? {
    do {
        return try XMLDocument(xmlString: svg)
    } catch {
        Issue.record("not well-formed XML: \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The `d` attributes of the `<path>` elements whose class starts with `prefix`.
func paths(_ svg: String, classPrefix prefix: String) throws -> [String] {
    guard let doc = parseXML(svg) else { return [] }
    var out: [String] = []
    func walk(_ node: XMLNode) {
        if let element = node as? XMLElement, element.localName == "path" || element.name == "path" {
            // attribute(forName:) misses attributes of namespaced elements in swift-corelibs; search the list.
            func value(_ name: String) -> String { element.attributes?.first { $0.name == name }?.stringValue ?? "" }
            if value("class").hasPrefix(prefix) { out.append(value("d")) }
        }
        for child in node.children ?? [] { walk(child) }
    }
    if let root = doc.rootElement() { walk(root) }
    return out
}

@Suite struct SVGPlotTests {
    let report = SearchReport(info: SearchInfo(name: "t", objective: .finalValLoss, parameters: [
        PlottedParameter(label: "lr", paths: [["schedule", "lr"]], logScale: true),
        PlottedParameter(label: "gamma (step)", family: "step", paths: [["schedule", "gamma"]], logScale: false),
    ]), records: threeTrials())

    @Test func everyPlotIsWellFormedXML() throws {
        let plots = report.plots
        #expect(plots.map(\.file) == ["lr-curves.svg", "loss-curves.svg", "progress.svg", "families.svg",
                                      "param-1-lr.svg", "param-2-gamma-step.svg"])
        for p in plots {
            let doc = try #require(parseXML(p.plot.svg()), "\(p.file)")
            #expect(doc.rootElement()?.name == "svg", "\(p.file)")
        }
    }

    @Test func lossPlotHasAValidationAndATrainSeriesPerTopTrial() throws {
        let svg = report.lossCurves().svg()
        #expect(try paths(svg, classPrefix: "series val-loss").count == 3)
        #expect(try paths(svg, classPrefix: "series train-loss").count == 3)
        #expect(try paths(svg, classPrefix: "series lr").isEmpty)
        #expect(try paths(report.lrCurves().svg(), classPrefix: "series lr").count == 3)
        #expect(try paths(report.lrCurves(top: 2).svg(), classPrefix: "series lr").count == 2)
    }

    @Test func axesAreDerivedFromTheData() {
        let loss = report.lossCurves()
        // Losses from 0.25 (val) to 4 (train = 2 × 2.0): 16×, so a log axis; within two decades it
        // ticks at 1-2-5 and snaps to 0.2 and 5.
        #expect(loss.yScale.isLog)
        #expect(loss.yScale.low == 0.2 && loss.yScale.high == 5)
        #expect(loss.yScale.ticks == [0.2, 0.5, 1, 2, 5])
        // Epochs 1…3, whole ticks only.
        #expect(loss.xScale.low == 1 && loss.xScale.high == 3 && loss.xScale.ticks == [1, 2, 3])
        // LRs from 1e-4 to 0.3: decades 1e-4 … 1.
        let lr = report.lrCurves()
        #expect(lr.yScale.isLog && lr.yScale.ticks == [0.0001, 0.001, 0.01, 0.1, 1])
    }

    @Test func scalesTickAt125AndDecades() {
        let linear = PlotScale.fitting([0.08, 2.3], log: false)
        #expect(!linear.isLog && linear.low == 0 && linear.high == 2.5)  // step 0.5 = nice(2.22 / 5)
        #expect(linear.ticks == [0, 0.5, 1, 1.5, 2, 2.5])
        let decades = PlotScale.fitting([0.003, 0.5], log: true)
        #expect(decades.low == 0.001 && decades.high == 1 && decades.ticks == [0.001, 0.01, 0.1, 1])
        let twoDecades = PlotScale.fitting([0.03, 0.4], log: true)  // 1-2-5 within two decades
        #expect(twoDecades.low == 0.02 && twoDecades.high == 0.5 && twoDecades.ticks == [0.02, 0.05, 0.1, 0.2, 0.5])
        let threeDecadesApart = PlotScale.fitting([0.06, 2.2], log: true)  // 37×: spans e-2…e1, still 1-2-5
        #expect(threeDecadesApart.low == 0.05 && threeDecadesApart.high == 5)
        #expect(threeDecadesApart.ticks == [0.05, 0.1, 0.2, 0.5, 1, 2, 5])
        let narrow = PlotScale.fitting([0.7, 0.98], log: true)  // every digit within a factor of 4
        #expect(narrow.low == 0.7 && narrow.high == 1 && narrow.ticks == [0.7, 0.8, 0.9, 1])
        #expect(PlotScale.prefersLog([0.01, 0.2]) && !PlotScale.prefersLog([0.1, 0.9]) && !PlotScale.prefersLog([-1, 100]))
        #expect(PlotScale.label(1e-5) == "1e-5" && PlotScale.label(0.001) == "0.001" && PlotScale.label(2e6) == "2e6")
    }

    @Test func nanValuesAreSkippedAndBreakTheLine() throws {
        let svg = report.lossCurves().svg()
        #expect(!svg.lowercased().contains("nan"))
        // The diverged trial's validation curve is its one finite point: a move, no line.
        let diverged = try #require(try paths(svg, classPrefix: "series val-loss trial-2").first)
        #expect(diverged.filter { $0 == "M" }.count == 1 && !diverged.contains("L"))
        // A NaN between two finite points splits the line into two pieces.
        let gap = SearchReport(info: SearchInfo(name: "g"), records: [curveRecord(0, family: "step", val: [1, .nan, 0.5, 0.4], lrs: [0.1, 0.1, 0.1, 0.1])])
        let d = try #require(try paths(gap.lossCurves().svg(), classPrefix: "series val-loss").first)
        #expect(d.filter { $0 == "M" }.count == 2 && d.filter { $0 == "L" }.count == 1)
    }

    @Test func aLogUniformParameterGetsALogAxis() {
        let lr = report.parameterPlot(report.parameters[0])
        #expect(lr.xScale.isLog && lr.xLabel == "lr (log scale)")
        let gamma = report.parameterPlot(report.parameters[1])
        #expect(!gamma.xScale.isLog)
        // Only the step trial has gamma: one scatter series, one point.
        #expect(gamma.series.count == 1 && gamma.series[0].points == [PlotPoint(0.1, 0.25)])
    }

    @Test func aSingleTrialSearchDrawsEveryPlot() throws {
        let one = SearchReport(info: SearchInfo(name: "one"), records: [curveRecord(0, family: "cosine", val: [0.9], lrs: [0.1])])
        for p in one.plots { #expect(parseXML(p.plot.svg()) != nil, "\(p.file)") }
        #expect(try paths(one.lossCurves().svg(), classPrefix: "series val-loss").count == 1)
        #expect(one.progress().series.last?.points == [PlotPoint(1, 0.9)])  // the running best
        #expect(one.lossCurves().title == "Loss of the best trial")
        #expect(one.families().categories == ["cosine"])
        let html = HTMLReport.html(one)
        #expect(html.contains("Best: trial 0 (cosine), final_val_loss 0.9."))
    }

    @Test func anAllDivergedSearchSaysSoWithoutCrashing() throws {
        let records = [curveRecord(0, family: "step", val: [.nan], lrs: [5], state: .diverged),
                       curveRecord(1, family: "cosine", val: [.infinity], lrs: [9], state: .diverged)]
        let dead = SearchReport(info: SearchInfo(name: "dead"), records: records)
        for p in dead.plots {
            let svg = p.plot.svg()
            #expect(parseXML(svg) != nil, "\(p.file)")
            #expect(!svg.lowercased().contains("nan"), "\(p.file)")
        }
        #expect(dead.lossCurves().svg().contains(">no finished trials</text>"))
        #expect(dead.progress().emptyMessage == "no finished trials")
        #expect(Sparkline.valLoss(dead.ranked) == "")  // nothing finite to draw: no sparkline block
        #expect(HTMLReport.html(dead).contains("No trial has a finite final_val_loss, so there is nothing to rank: "
                                               + "all 2 trials diverged (NaN/Inf or exploding loss); try a lower LR range."))
        #expect(HTMLReport.html(SearchReport(info: SearchInfo(name: "none"), records: [])).contains("No finished trials"))
    }

    @Test func anEmptyParameterListLeavesOnlyTheFourMainPlots() {
        let plain = SearchReport(info: SearchInfo(name: "p", parameters: []), records: threeTrials())
        #expect(plain.plots.count == 4)
        #expect(HTMLReport.html(plain).contains("The search sampled no numeric parameter."))
    }

    @Test func namesFromTheSpecAreEscaped() throws {
        let name = "<b>&\"x\""
        let records = [curveRecord(0, family: name, val: [0.5, 0.4], lrs: [0.1, 0.1])]
        let report = SearchReport(info: SearchInfo(name: name, parameters: [
            PlottedParameter(label: "gamma (\(name))", family: name, paths: [["schedule", "lr"]], logScale: false),
        ]), records: records)
        let html = HTMLReport.html(report)
        #expect(html.contains("<h1>lrsearch report: &lt;b&gt;&amp;&quot;x&quot;</h1>"))
        #expect(!html.contains(name))
        for p in report.plots {
            let svg = p.plot.svg()
            #expect(parseXML(svg) != nil, "\(p.file)")
            #expect(!svg.contains(name), "\(p.file)")
        }
        // A record's family is typed (the journal refuses unknown names), so only the spec's text needs escaping here.
        #expect(report.lossCurves().svg().contains(">#1 trial 0 constant</text>"))
        #expect(report.plots.last?.file == "param-1-gamma-b-x.svg")
    }

    @Test func longLabelsAreShortenedToFitThePicture() throws {
        let long = String(repeating: "very_long_parameter_name.", count: 6) + "end"  // 153 characters
        let p = SearchReport(info: SearchInfo(name: "t", parameters: [PlottedParameter(label: long, paths: [["schedule", "lr"]], logScale: false)]),
                             records: threeTrials())
        let svg = try #require(p.plots.last).plot.svg()
        #expect(parseXML(svg) != nil)
        #expect(svg.contains("<title>\(long)</title>"))  // the full name stays in the title
        // 320 px wide: the x label gets about (320 − left margin − 12 + left − 10) / 6.2 characters.
        let xLabel = try #require(svg.split(separator: "\n").first { $0.contains("class=\"x-label\"") })
        let text = xLabel.split(separator: ">")[1].split(separator: "<")[0]
        #expect(text.contains("…") && text.hasPrefix("very_long") && text.hasSuffix("name.end"))
        #expect(Double(text.count) * 6.2 <= 320)
    }

    @Test func theHTMLIsSelfContained() {
        let html = HTMLReport.html(report)
        // The only URLs are the SVG namespace names, which nothing fetches.
        #expect(html.components(separatedBy: "http://").count == html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count)
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("url(http"))
        #expect(!html.contains("https://") && !html.contains("<link"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == report.plots.count)
    }
}
