// report.html's PBT section: every member's LR over epochs with the exploit jumps, the winner's lineage, objectives per interval.

import Foundation
import Search

public enum PBTSection {
    /// The section's HTML (the plot inline) for a run whose winner is member `winner`.
    public static func html(_ h: PBTHistory, winner: Int?) -> String {
        let intervals = (h.segments.map(\.interval).max() ?? -1) + 1
        var out = "<h2>Population-based training</h2>\n<p class=\"note\">"
        out += "\(h.population) members, \(intervals) intervals of \(h.intervalEpochs) epochs, \(h.exploits.count) exploits; "
        out += "workers waited \(formatSeconds(h.idleSeconds)) s in total at interval boundaries. "
        out += "Grey: each member's LR as it trained (step per interval); a dashed jump is an exploit (the member copied a "
        out += "better one and perturbed its LR). "
        if let winner { out += "Thick: the winner's lineage (member \(winner)), the piecewise schedule in best.json." }
        out += "</p>\n<figure>" + svg(h, winner: winner) + "</figure>\n"
        out += table(h, winner: winner, intervals: intervals)
        return out
    }

    /// The LR plot: x epochs (0 … epochs), y log LR.
    public static func svg(_ h: PBTHistory, winner: Int?) -> String {
        let width = 720.0, height = 320.0, left = 70.0, right = 20.0, top = 20.0, bottom = 40.0
        let lrs = (h.segments.map(\.values.lr) + h.exploits.map(\.to.lr)).filter { $0 > 0 && $0.isFinite }
        guard let lo0 = lrs.min(), let hi0 = lrs.max(), h.epochs > 0 else {
            return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"></svg>"
        }
        let lo = log10(lo0) - 0.05, hi = max(log10(hi0) + 0.05, log10(lo0) + 0.1)
        func x(_ e: Int) -> Double { left + Double(e) / Double(h.epochs) * (width - left - right) }
        func y(_ lr: Double) -> Double {
            top + (1 - (log10(max(lr, lo0)) - lo) / (hi - lo)) * (height - top - bottom)
        }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" "
            + "width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(width - left - right))\" height=\"\(f(height - top - bottom))\" "
            + "fill=\"none\" stroke=\"#999\"/>\n"
        for k in Int(lo.rounded(.up))...max(Int(lo.rounded(.up)), Int(hi.rounded(.down))) {
            let v = pow(10, Double(k))
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(y(v) + 4))\" text-anchor=\"end\">1e\(k)</text>"
            s += "<line x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(v)))\" y2=\"\(f(y(v)))\" stroke=\"#eee\"/>\n"
        }
        for e in stride(from: 0, through: h.epochs, by: max(1, h.intervalEpochs)) {
            s += "<text x=\"\(f(x(e)))\" y=\"\(f(height - bottom + 16))\" text-anchor=\"middle\">\(e)</text>"
        }
        s += "<text x=\"\(f((left + width - right) / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\">epoch</text>"
        s += "<text x=\"14\" y=\"\(f((top + height - bottom) / 2))\" transform=\"rotate(-90 14 \(f((top + height - bottom) / 2)))\" "
            + "text-anchor=\"middle\">LR</text>\n"
        let bySlot = Dictionary(grouping: h.segments, by: \.slot)
        for slot in 0..<h.population {
            let segs = (bySlot[slot] ?? []).sorted { $0.interval < $1.interval }
            let d = segs.map { "M\(f(x($0.startEpoch - 1))),\(f(y($0.values.lr)))H\(f(x($0.endEpoch)))" }.joined()
            if !d.isEmpty { s += "<path d=\"\(d)\" fill=\"none\" stroke=\"#bbb\" stroke-width=\"1\"/>\n" }
        }
        for e in h.exploits {
            s += "<line x1=\"\(f(x(e.epoch)))\" x2=\"\(f(x(e.epoch)))\" y1=\"\(f(y(e.from.lr)))\" y2=\"\(f(y(e.to.lr)))\" "
                + "stroke=\"#e08a2c\" stroke-dasharray=\"3,2\"/>"
                + "<circle cx=\"\(f(x(e.epoch)))\" cy=\"\(f(y(e.to.lr)))\" r=\"2.5\" fill=\"#e08a2c\"/>\n"
        }
        if let winner {
            let lineage = h.lineage(of: winner)
            let index = segmentIndex(h)
            var d = ""
            for (k, slot) in lineage.enumerated() {
                guard let seg = index[k]?[slot] else { continue }
                d += (d.isEmpty ? "M" : "L") + "\(f(x(seg.startEpoch - 1))),\(f(y(seg.values.lr)))H\(f(x(seg.endEpoch)))"
            }
            s += "<path d=\"\(d)\" fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"3\"/>\n"
        }
        return s + "</svg>"
    }

    /// Objective per member (rows) per interval (columns); the winner's lineage in bold, "← d" where
    /// the member then copied member d.
    static func table(_ h: PBTHistory, winner: Int?, intervals: Int) -> String {
        let lineage = winner.map { h.lineage(of: $0) } ?? []
        let index = segmentIndex(h)
        var copied: [Int: [Int: Int]] = [:]  // epoch → recipient → donor (the first exploit of each)
        for e in h.exploits where copied[e.epoch]?[e.recipient] == nil { copied[e.epoch, default: [:]][e.recipient] = e.donor }
        var out = "<h3>\(escapeXML(h.objective.rawValue)) per member at the end of each interval</h3>\n<table>\n<tr><th>member</th>"
        for k in 0..<intervals {
            let end = index[k]?.min { $0.key < $1.key }?.value.endEpoch ?? 0
            out += "<th>epoch \(end)</th>"
        }
        out += "</tr>\n"
        for slot in 0..<h.population {
            out += "<tr><td>\(slot)\(slot == winner ? " (winner)" : "")</td>"
            for k in 0..<intervals {
                guard let seg = index[k]?[slot] else { out += "<td></td>"; continue }
                var cell = seg.objective.isFinite ? String(format: "%.4g", seg.objective) : "–"
                if k < lineage.count, lineage[k] == slot { cell = "<b>\(cell)</b>" }
                if let donor = copied[seg.endEpoch]?[slot] { cell += " ← \(donor)" }
                out += "<td>\(cell)</td>"
            }
            out += "</tr>\n"
        }
        return out + "</table>\n"
    }

    /// interval → slot → segment (the first of each, as a linear search would find it), so the plot
    /// and the table take time linear in the segments rather than members × intervals × segments.
    static func segmentIndex(_ h: PBTHistory) -> [Int: [Int: PBTSegment]] {
        var index: [Int: [Int: PBTSegment]] = [:]
        for s in h.segments where index[s.interval]?[s.slot] == nil { index[s.interval, default: [:]][s.slot] = s }
        return index
    }
}
