// A terminal plot of an LR range test: loss against log LR, the suggestions marked, within 80 columns.

import Foundation
import Trainer

/// Draws the smoothed loss (•) and the raw loss (·) against log10 LR, 64 columns by 14 rows plus
/// labels (76 characters wide). The loss axis spans the smoothed losses but the last five; points
/// outside it are left out. Each suggestion is a dotted vertical line (┆) in its LR's column and a letter under the axis.
enum LRCurvePlot {
    static func marker(_ kind: LRSuggestion.Kind) -> Character {
        switch kind {
        case .valley: return "V"
        case .slide: return "S"
        case .minimum: return "M"
        case .steep: return "T"
        case .steepest: return "G"
        }
    }

    static func render(_ curve: LRRangeCurve, suggestions: [LRSuggestion], width: Int = 64, height: Int = 14) -> String {
        let points = zip(curve.lrs, zip(curve.losses, curve.smoothed)).filter { $0.0 > 0 && $0.0.isFinite }
        // The last points of a diverging test would squash the rest: like the libraries' plots, scale
        // the loss axis without the final `skip.end` points (they are drawn if they fit).
        let shown = points.count > curve.test.skip.end + 1 ? points.count - curve.test.skip.end : points.count
        let smooth = points.prefix(shown).map(\.1.1).filter(\.isFinite)
        guard let first = points.first?.0, let last = points.last?.0, let lo = smooth.min(), let hi = smooth.max() else {
            return "(nothing to plot)"
        }
        let (a, b) = (log10(first), log10(max(last, first)))
        func column(_ lr: Double) -> Int? {
            guard lr > 0 else { return nil }
            let u = b > a ? (log10(lr) - a) / (b - a) : 0.5
            let c = Int((u * Double(width - 1)).rounded())
            return (0..<width).contains(c) ? c : nil
        }
        func row(_ y: Double) -> Int? {
            guard y.isFinite else { return nil }
            let v = hi > lo ? (y / 2 - lo / 2) / (hi / 2 - lo / 2) : 0.5  // halves: hi − lo may overflow
            let r = height - 1 - Int((v * Double(height - 1)).rounded())
            return (0..<height).contains(r) ? r : nil
        }
        var grid = Array(repeating: Array(repeating: Character(" "), count: width), count: height)
        var marks = Array(repeating: Character(" "), count: width)
        for s in suggestions {
            guard let c = column(s.lr) else { continue }
            for r in 0..<height { grid[r][c] = "┆" }
            marks[c] = marks[c] == " " ? marker(s.kind) : "*"
        }
        for (lr, (raw, _)) in points {
            if let c = column(lr), let r = row(raw), grid[r][c] != "•" { grid[r][c] = "·" }
        }
        for (lr, (_, s)) in points {
            if let c = column(lr), let r = row(s) { grid[r][c] = "•" }
        }
        let label = { (x: Double) in String(format: "%10.4g", x) }
        var lines: [String] = []
        for (r, chars) in grid.enumerated() {
            let tag = r == 0 ? label(hi) : r == height - 1 ? label(lo) : String(repeating: " ", count: 10)
            lines.append(tag + " ┤" + String(chars))
        }
        var axis = Array(repeating: Character("─"), count: width)
        var ticks = Array(repeating: Character(" "), count: width + 8)
        var nextFree = 0
        for k in Int(a.rounded(.up))...max(Int(a.rounded(.up)), Int(b.rounded(.down))) {
            guard let c = column(pow(10, Double(k))) else { continue }
            axis[c] = "┬"
            let text = Array(decade(k))
            let at = max(0, c - text.count / 2)
            guard at >= nextFree, at + text.count <= ticks.count else { continue }
            for (i, ch) in text.enumerated() { ticks[at + i] = ch }
            nextFree = at + text.count + 1
        }
        let indent = String(repeating: " ", count: 12)
        lines.append(String(repeating: " ", count: 11) + "└" + String(axis))
        lines.append(indent + String(ticks).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
        if suggestions.contains(where: { column($0.lr) != nil }) {
            lines.append(indent + String(marks).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
        }
        lines.append(indent + "LR (log scale) →  • smoothed loss  · raw loss  ┆ suggestion")
        return lines.joined(separator: "\n")
    }

    /// 10^k as a short label: 1e-7 … 0.001, 0.01, 0.1, 1, 10, 100, 1e3 ….
    static func decade(_ k: Int) -> String {
        switch k {
        case 0...2: return String(Int(pow(10, Double(k)).rounded()))
        case -2 ... -1: return String(pow(10, Double(k)))
        default: return "1e\(k)"
        }
    }
}
