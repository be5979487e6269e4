// A small SVG plot written as text: axes with tick labels, line and marker series, a legend on the right.

import Foundation

/// One data point.
public struct PlotPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }
}

/// A marker shape, so that series stay apart in grey.
public enum Marker: String, Sendable, CaseIterable {
    case circle, square, triangle, diamond, down, cross, plus, star
}

/// How a series is drawn.
public struct SeriesStyle: Sendable, Equatable {
    public var color: String
    public var marker: Marker?
    /// An SVG `stroke-dasharray`, nil for solid.
    public var dash: String?
    public var lineWidth: Double = 1.5
    public var opacity: Double = 1
    /// Markers drawn as outlines.
    public var hollow = false
    public init(color: String, marker: Marker? = nil, dash: String? = nil, lineWidth: Double = 1.5,
                opacity: Double = 1, hollow: Bool = false) {
        self.color = color
        self.marker = marker
        self.dash = dash
        self.lineWidth = lineWidth
        self.opacity = opacity
        self.hollow = hollow
    }
}

/// A line (points joined in order; a non-finite point breaks the line) or a scatter of markers.
public struct PlotSeries: Sendable, Equatable {
    public enum Kind: Sendable { case line, scatter }
    public var kind: Kind
    /// The CSS class of the series' elements (after `series`), e.g. `val-loss`.
    public var cssClass: String
    public var points: [PlotPoint]
    public var style: SeriesStyle
    public init(_ kind: Kind, cssClass: String, points: [PlotPoint], style: SeriesStyle) {
        self.kind = kind
        self.cssClass = cssClass
        self.points = points
        self.style = style
    }
}

/// One row of the legend: a sample of the style and a label.
public struct LegendEntry: Sendable, Equatable {
    public var label: String
    public var style: SeriesStyle
    public var showsLine: Bool
    public init(_ label: String, style: SeriesStyle, showsLine: Bool = true) {
        self.label = label
        self.style = style
        self.showsLine = showsLine
    }
}

/// A plot: title, axis labels and scales, series and legend. `svg()` renders it.
public struct SVGPlot: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xScale: PlotScale
    public var yScale: PlotScale
    /// Category names for a categorical x axis (x = 0, 1, … are the categories).
    public var categories: [String]?
    public var series: [PlotSeries]
    public var legend: [LegendEntry]
    /// Shown in the middle of the frame instead of data (e.g. "no finished trials").
    public var emptyMessage: String?
    public var width: Double
    public var height: Double

    public init(title: String, xLabel: String, yLabel: String, xScale: PlotScale, yScale: PlotScale,
                series: [PlotSeries], legend: [LegendEntry] = [], categories: [String]? = nil,
                emptyMessage: String? = nil, width: Double = 640, height: Double = 340) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xScale = xScale
        self.yScale = yScale
        self.series = series
        self.legend = legend
        self.categories = categories
        self.emptyMessage = emptyMessage
        self.width = width
        self.height = height
    }

    /// The plot frame in SVG coordinates.
    struct Frame {
        var left, top, right, bottom: Double
        var width: Double { right - left }
        var height: Double { bottom - top }
    }

    static let font = "font-family=\"Helvetica, Arial, sans-serif\""
    /// Approximate width of one character of 11 px text, for layout.
    static let charWidth = 6.2

    var legendWidth: Double {
        guard !legend.isEmpty else { return 0 }
        let longest = legend.map(\.label.count).max() ?? 0
        return min(220, 40 + Double(longest) * Self.charWidth)
    }

    var frame: Frame {
        let tickWidth = (yScale.ticks.map { PlotScale.label($0).count }.max() ?? 1)
        let left = 30 + Double(tickWidth) * Self.charWidth
        let bottom = height - (categories != nil && rotatesCategories ? 70 : 44)
        return Frame(left: left, top: 30, right: width - 12 - legendWidth, bottom: bottom)
    }

    var rotatesCategories: Bool {
        guard let categories, !categories.isEmpty else { return false }
        let slot = (width - 100 - legendWidth) / Double(categories.count)
        return Double(categories.map(\.count).max() ?? 0) * Self.charWidth > slot - 6
    }

    func px(_ p: PlotPoint, _ f: Frame) -> (Double, Double)? {
        let ux = categories != nil ? (p.x + 0.5) / Double(max(1, categories?.count ?? 1)) : xScale.unit(p.x)
        let uy = yScale.unit(p.y)
        guard ux.isFinite, uy.isFinite else { return nil }
        return (f.left + ux * f.width, f.bottom - uy * f.height)
    }

    /// The whole plot as a standalone SVG document (no XML prolog, so it also inlines into HTML).
    public func svg() -> String {
        let f = frame
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" "
        out += "viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" \(Self.font) font-size=\"11\" role=\"img\">\n"
        out += "<title>\(escapeXML(title))</title>\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        out += "<text x=\"\(fmt(f.left))\" y=\"18\" font-size=\"13\" font-weight=\"bold\">\(escapeXML(Self.fitted(title, width - f.left - 8, charWidth: 7.4)))</text>\n"
        out += axes(f)
        out += "<defs><clipPath id=\"\(clipID)\"><rect x=\"\(fmt(f.left - 5))\" y=\"\(fmt(f.top - 5))\" "
        out += "width=\"\(fmt(f.width + 10))\" height=\"\(fmt(f.height + 10))\"/></clipPath></defs>\n"
        out += "<g clip-path=\"url(#\(clipID))\">\n"
        for s in series { out += render(s, f) }
        out += "</g>\n"
        if let emptyMessage {
            out += "<text class=\"empty\" x=\"\(fmt(f.left + f.width / 2))\" y=\"\(fmt(f.top + f.height / 2))\" "
            out += "text-anchor=\"middle\" font-size=\"13\" fill=\"#555555\">\(escapeXML(emptyMessage))</text>\n"
        }
        out += legendSVG(f)
        return out + "</svg>\n"
    }

    /// A clip-path id unique per plot within one HTML page (derived from the title).
    var clipID: String {
        "clip-" + String(title.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? Character($0) : "-" })
    }

    func axes(_ f: Frame) -> String {
        var out = "<g class=\"axes\" stroke=\"#888888\" stroke-width=\"1\">\n"
        out += "<rect x=\"\(fmt(f.left))\" y=\"\(fmt(f.top))\" width=\"\(fmt(f.width))\" height=\"\(fmt(f.height))\" fill=\"none\"/>\n"
        out += "</g>\n<g class=\"y-ticks\">\n"
        for t in yScale.ticks {
            let y = f.bottom - yScale.unit(t) * f.height
            out += "<line x1=\"\(fmt(f.left))\" x2=\"\(fmt(f.right))\" y1=\"\(fmt(y))\" y2=\"\(fmt(y))\" stroke=\"#e4e4e4\"/>"
            out += "<text x=\"\(fmt(f.left - 5))\" y=\"\(fmt(y + 4))\" text-anchor=\"end\">\(PlotScale.label(t))</text>\n"
        }
        out += "</g>\n<g class=\"x-ticks\">\n"
        if let categories {
            for (i, name) in categories.enumerated() {
                guard let (x, _) = px(PlotPoint(Double(i), yScale.low), f) else { continue }
                out += rotatesCategories
                    ? "<text x=\"\(fmt(x))\" y=\"\(fmt(f.bottom + 14))\" text-anchor=\"end\" transform=\"rotate(-30 \(fmt(x)) \(fmt(f.bottom + 14)))\">\(escapeXML(name))</text>\n"
                    : "<text x=\"\(fmt(x))\" y=\"\(fmt(f.bottom + 16))\" text-anchor=\"middle\">\(escapeXML(name))</text>\n"
            }
        } else {
            for t in xScale.ticks {
                let x = f.left + xScale.unit(t) * f.width
                out += "<line x1=\"\(fmt(x))\" x2=\"\(fmt(x))\" y1=\"\(fmt(f.top))\" y2=\"\(fmt(f.bottom))\" stroke=\"#f0f0f0\"/>"
                out += "<text x=\"\(fmt(x))\" y=\"\(fmt(f.bottom + 16))\" text-anchor=\"middle\">\(PlotScale.label(t))</text>\n"
            }
        }
        out += "</g>\n"
        out += "<text class=\"x-label\" x=\"\(fmt(f.left + f.width / 2))\" y=\"\(fmt(height - 8))\" text-anchor=\"middle\">\(escapeXML(Self.fitted(xLabel, f.width + f.left - 10)))</text>\n"
        let yMid = f.top + f.height / 2
        out += "<text class=\"y-label\" x=\"14\" y=\"\(fmt(yMid))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(fmt(yMid)))\">\(escapeXML(Self.fitted(yLabel, f.height)))</text>\n"
        return out
    }

    func render(_ s: PlotSeries, _ f: Frame) -> String {
        var out = ""
        let stroke = "stroke=\"\(s.style.color)\" stroke-opacity=\"\(fmt(s.style.opacity))\""
        if s.kind == .line {
            var d = "", pen = false
            for p in s.points {
                guard let (x, y) = px(p, f) else { pen = false; continue }
                d += (pen ? "L" : "M") + "\(fmt(x)) \(fmt(y)) "
                pen = true
            }
            let dash = s.style.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            out += "<path class=\"series \(s.cssClass)\" d=\"\(d.trimmingTrailingSpaces())\" fill=\"none\" \(stroke) "
            out += "stroke-width=\"\(fmt(s.style.lineWidth))\"\(dash) stroke-linejoin=\"round\"/>\n"
        }
        if let marker = s.style.marker ?? (s.kind == .scatter ? .circle : nil) {
            let d = s.points.compactMap { px($0, f) }.map { markerPath(marker, at: $0.0, $0.1, size: 3.5) }.joined()
            let fill = s.style.hollow ? "fill=\"#ffffff\"" : "fill=\"\(s.style.color)\" fill-opacity=\"\(fmt(s.style.opacity))\""
            let cls = s.kind == .scatter ? "series \(s.cssClass)" : "marker \(s.cssClass)"
            out += "<path class=\"\(cls)\" d=\"\(d)\" \(fill) \(stroke) stroke-width=\"1\"/>\n"
        }
        return out
    }

    func legendSVG(_ f: Frame) -> String {
        guard !legend.isEmpty else { return "" }
        let x = f.right + 14
        var out = "<g class=\"legend\">\n"
        for (i, e) in legend.enumerated() {
            let y = f.top + 8 + Double(i) * 17
            guard y < height - 6 else { break }
            if e.showsLine {
                let dash = e.style.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
                out += "<line x1=\"\(fmt(x))\" x2=\"\(fmt(x + 22))\" y1=\"\(fmt(y))\" y2=\"\(fmt(y))\" stroke=\"\(e.style.color)\" "
                out += "stroke-width=\"\(fmt(e.style.lineWidth))\"\(dash)/>"
            }
            if let m = e.style.marker {
                let fill = e.style.hollow ? "#ffffff" : e.style.color
                out += "<path d=\"\(markerPath(m, at: x + 11, y, size: 3.5))\" fill=\"\(fill)\" stroke=\"\(e.style.color)\"/>"
            }
            out += "<text x=\"\(fmt(x + 28))\" y=\"\(fmt(y + 4))\">\(escapeXML(Self.fitted(e.label, legendWidth - 36)))</text>\n"
        }
        return out + "</g>\n"
    }
}

extension SVGPlot {
    /// `text` shortened in the middle with '…' to about `width` pixels, so that no label runs into
    /// another or off the picture (the full text stays in the SVG's `<title>` and in the page).
    static func fitted(_ text: String, _ width: Double, charWidth: Double = SVGPlot.charWidth) -> String {
        let room = max(4, Int(width / charWidth))
        guard text.count > room else { return text }
        let head = (room - 1) / 2 + (room - 1) % 2, tail = (room - 1) / 2
        return String(text.prefix(head)) + "…" + String(text.suffix(tail))
    }
}

/// An SVG path for one marker centred at (x, y).
func markerPath(_ m: Marker, at x: Double, _ y: Double, size r: Double) -> String {
    func p(_ dx: Double, _ dy: Double) -> String { "\(fmt(x + dx * r)) \(fmt(y + dy * r))" }
    switch m {
    case .circle: return "M\(p(-1, 0))A\(fmt(r)) \(fmt(r)) 0 1 0 \(p(1, 0))A\(fmt(r)) \(fmt(r)) 0 1 0 \(p(-1, 0))Z"
    case .square: return "M\(p(-0.9, -0.9))L\(p(0.9, -0.9))L\(p(0.9, 0.9))L\(p(-0.9, 0.9))Z"
    case .triangle: return "M\(p(0, -1.15))L\(p(1, 0.7))L\(p(-1, 0.7))Z"
    case .down: return "M\(p(0, 1.15))L\(p(1, -0.7))L\(p(-1, -0.7))Z"
    case .diamond: return "M\(p(0, -1.2))L\(p(1, 0))L\(p(0, 1.2))L\(p(-1, 0))Z"
    case .cross: return "M\(p(-1, -1))L\(p(1, 1))M\(p(1, -1))L\(p(-1, 1))"
    case .plus: return "M\(p(-1.2, 0))L\(p(1.2, 0))M\(p(0, -1.2))L\(p(0, 1.2))"
    case .star: return "M\(p(0, -1.2))L\(p(0.3, -0.35))L\(p(1.15, -0.35))L\(p(0.45, 0.15))L\(p(0.7, 1))L\(p(0, 0.5))L\(p(-0.7, 1))L\(p(-0.45, 0.15))L\(p(-1.15, -0.35))L\(p(-0.3, -0.35))Z"
    }
}

/// A coordinate with at most two decimals and no trailing zeros.
func fmt(_ x: Double) -> String {
    var s = String(format: "%.2f", x)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s == "-0" ? "0" : s
}

/// Escapes text for XML and HTML content and attribute values.
public func escapeXML(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
