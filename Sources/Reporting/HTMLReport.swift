// report.html: one self-contained page (inline CSS and SVG, nothing fetched) with the plots and the ranked table.

import Foundation
import JSON5
import Search

public enum HTMLReport {
    /// Rows of the ranked table shown on the page (the rest are in ranked.md and ranked.csv).
    public static let tableRows = 50

    /// The page. Every string that comes from the spec or the journal is escaped.
    public static func html(_ report: SearchReport) -> String {
        let name = escapeXML(report.info.name)
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>lrsearch report: \(name)</title>
            <style>\(css)</style>
            </head>
            <body>
            <h1>lrsearch report: \(name)</h1>

            """
        out += summary(report)
        let plots = report.plots
        out += section("Learning rate and loss of the top trials", plots.prefix(2).map(\.plot),
                       note: "Colour and marker show the family; the best trial is drawn thicker. "
                           + "The LR is drawn per optimizer step for schedules stepped per batch, and per epoch (its first step) "
                           + "otherwise; the markers are each epoch's first step, as the trial ran.")
        out += section("Search progress and families", plots.dropFirst(2).prefix(2).map(\.plot),
                       note: "Left: each trial's objective in the order trials finished, and the best so far. "
                           + "Right: one point per configuration by family, with the family's median; "
                           + "pruned trials (hollow) stopped early, so their values are not final.")
        if report.parameters.isEmpty {
            out += "<h2>Sampled parameters</h2>\n<p class=\"note\">The search sampled no numeric parameter.</p>\n"
        } else {
            out += section("Sampled parameters", plots.dropFirst(4).map(\.plot), note: nil, small: true)
        }
        if let pbt = report.pbt { out += PBTSection.html(pbt, winner: report.ranked.first?.representative.id.index) }
        out += table(report)
        out += "<footer>Written by lrsearch. Each plot is also an SVG file next to this page.</footer>\n</body>\n</html>\n"
        return out
    }

    /// report.html and one SVG per plot, as (file name, contents).
    public static func files(_ report: SearchReport) -> [(name: String, contents: String)] {
        [("report.html", html(report))] + report.plots.map { ($0.file, $0.plot.svg()) }
    }

    static func summary(_ r: SearchReport) -> String {
        let counts = r.counts.map { "\($0.count) \($0.state.rawValue)" }.joined(separator: ", ")
        var wall = r.info.endedRuns == 0 ? "not recorded" : formatSeconds(r.info.wallSeconds) + " s"
        if r.info.endedRuns > 0 && r.info.endedRuns < r.info.runs { wall += " (some runs ended without recording theirs)" }
        let jobs = r.info.jobs.isEmpty ? "not recorded" : r.info.jobs.map(String.init).joined(separator: ", then ")
        let rows: [(String, String)] = [
            ("search", r.info.name),
            ("objective", r.objective.rawValue + (r.objective.maximizes ? " (maximised)" : " (minimised)")),
            ("sampler", r.info.sampler?.rawValue ?? "not recorded"),
            ("trials", "\(r.records.count): \(counts)"),
            ("wall time", wall), ("jobs", jobs),
        ]
        var out = "<table class=\"summary\">\n"
        for (k, v) in rows { out += "<tr><th>\(k)</th><td>\(escapeXML(v))</td></tr>\n" }
        out += "</table>\n"
        if let best = r.ranked.first, best.mean.isFinite {
            out += "<p class=\"best\">Best: trial \(best.index) (\(escapeXML(best.representative.family.rawValue))), "
            out += "\(r.objective.rawValue) \(formatNumber(best.mean)).</p>\n"
        } else if let reason = r.noValueReason {
            out += "<p class=\"best\">No trial has a finite \(r.objective.rawValue), so there is nothing to rank: \(escapeXML(reason)).</p>\n"
        } else {
            out += "<p class=\"best\">No finished trials: none ran, so there is nothing to rank.</p>\n"
        }
        let warnings = r.fewTrialWarnings() + r.edgeWarnings()
        if !warnings.isEmpty {
            out += "<ul class=\"warnings\">\n" + warnings.map { "<li>Warning: \(escapeXML($0))</li>\n" }.joined() + "</ul>\n"
        }
        return out
    }

    static func section(_ title: String, _ plots: [SVGPlot], note: String?, small: Bool = false) -> String {
        var out = "<h2>\(escapeXML(title))</h2>\n"
        if let note { out += "<p class=\"note\">\(escapeXML(note))</p>\n" }
        out += "<div class=\"\(small ? "plots small" : "plots")\">\n"
        for p in plots { out += "<figure>\(p.svg())</figure>\n" }
        return out + "</div>\n"
    }

    static func table(_ r: SearchReport) -> String {
        let table = RankedTable(r.ranked, objective: r.objective, top: tableRows)
        var out = "<h2>Ranking</h2>\n<p class=\"note\">By \(r.objective.rawValue)"
        out += r.objective.maximizes ? ", higher is better." : ", lower is better."
        if r.ranked.count > tableRows { out += " The first \(tableRows) of \(r.ranked.count); all are in ranked.md and ranked.csv." }
        out += "</p>\n<table class=\"ranked\">\n<thead><tr>"
        out += table.columns.enumerated().map { c, h in
            table.rightAlignedColumns.contains(c) ? "<th class=\"num\">\(escapeXML(h))</th>" : "<th>\(escapeXML(h))</th>"
        }.joined() + "</tr></thead>\n<tbody>\n"
        for section in table.sections {
            if let title = section.title {
                out += "<tr class=\"block\"><th colspan=\"\(table.columns.count)\">\(escapeXML(title))</th></tr>\n"
            }
            for row in section.rows {
                out += "<tr>" + row.enumerated().map { c, text in
                    table.rightAlignedColumns.contains(c) ? "<td class=\"num\">\(escapeXML(text))</td>" : "<td>\(escapeXML(text))</td>"
                }.joined() + "</tr>\n"
            }
        }
        out += "</tbody>\n</table>\n"
        if let best = r.ranked.first(where: { $0.state == .ok && $0.mean.isFinite }) {
            out += "<h2>Best configuration</h2>\n<p class=\"note\">Trial \(best.index); save as best.json and run "
            out += "<code>lrsearch train best.json</code>.</p>\n"
            out += "<pre class=\"config\">\(escapeXML(JSONWriter.pretty(best.representative.sampled)))</pre>\n"
        }
        return out
    }

    static let css = """
        body { font-family: Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1240px; color: #222; padding: 0 16px; }
        h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
        .note { color: #555; font-size: 13px; margin: 4px 0 10px; }
        table.summary th { text-align: left; padding: 2px 16px 2px 0; color: #555; font-weight: normal; }
        table.summary td { padding: 2px 0; }
        .best { font-weight: bold; }
        ul.warnings { color: #8a4b00; font-size: 13px; }
        .plots { display: flex; flex-wrap: wrap; gap: 12px; }
        figure { margin: 0; border: 1px solid #eee; }
        figure svg { display: block; }
        table.ranked { border-collapse: collapse; font-size: 12px; }
        table.ranked th, table.ranked td { padding: 3px 8px; border-bottom: 1px solid #eee; text-align: left; white-space: nowrap; }
        table.ranked td.num, table.ranked th.num { text-align: right; font-variant-numeric: tabular-nums; }
        table.ranked tbody tr:nth-child(even) { background: #f7f7f7; }
        table.ranked tr.block th { background: #fff; color: #555; font-weight: normal; font-style: italic; padding-top: 14px; }
        pre.config { background: #f6f6f6; padding: 10px; font-size: 12px; overflow-x: auto; max-width: 700px; }
        footer { color: #888; font-size: 12px; margin-top: 30px; }
        """
}
