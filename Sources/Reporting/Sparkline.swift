// Text sparklines (▁▂▃▄▅▆▇█) of the top trials' validation loss, for the end of `lrsearch run`.

import Search

public enum Sparkline {
    static let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// One bar per value, scaled from the smallest finite value (▁) to the largest (█); a non-finite
    /// value is a space. A constant series is all ▄.
    public static func line(_ values: [Double]) -> String {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return String(repeating: " ", count: values.count) }
        return String(values.map { v -> Character in
            guard v.isFinite else { return " " }
            guard hi > lo else { return bars[3] }
            // Halves: hi − lo overflows to inf for values of opposite sign near ±1.8e308 (then inf/inf).
            let i = Int(((v / 2 - lo / 2) / (hi / 2 - lo / 2) * Double(bars.count - 1)).rounded())
            return bars[min(bars.count - 1, max(0, i))]
        })
    }

    /// The validation loss per epoch of the first `top` ranked entries that have one, one line each:
    /// `  #1 trial 41  sgdr    2.301 ▇▅▄▃▂▂▁▁ 0.08045`, each line scaled to its own range.
    public static func valLoss(_ ranked: [RankedEntry], top: Int = 5) -> String {
        // A trial without one finite validation loss (diverged at once) has no line to draw.
        let entries = ranked.filter { $0.representative.epochs.contains { $0.valLoss.isFinite } }.prefix(top)
        guard !entries.isEmpty else { return "" }
        let labels = entries.map { "#\($0.rank) trial \($0.index)" }
        let families = entries.map(\.representative.family.rawValue)
        let firsts = entries.map { e in e.representative.epochs.first.map { formatNumber($0.valLoss) } ?? "-" }
        let lw = labels.map(\.count).max() ?? 0, fw = families.map(\.count).max() ?? 0, vw = firsts.map(\.count).max() ?? 0
        var lines = ["validation loss per epoch (each line from its own min ▁ to max █):"]
        for (i, e) in entries.enumerated() {
            let losses = e.representative.epochs.map(\.valLoss)
            let last = losses.last.map { formatNumber($0) } ?? "-"
            lines.append("  " + pad(labels[i], lw) + "  " + pad(families[i], fw) + "  "
                         + String(repeating: " ", count: vw - firsts[i].count) + firsts[i] + " " + line(losses) + " " + last)
        }
        return lines.joined(separator: "\n")
    }

    static func pad(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: max(0, width - s.count)) }
}
