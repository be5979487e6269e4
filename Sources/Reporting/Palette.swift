// The report's palette: one colour and one marker shape per schedule family, readable in grey too.

/// Okabe–Ito colours (Okabe & Ito 2008, "Color Universal Design"), distinguishable with the common
/// colour-vision deficiencies, each paired with a marker shape so that families also differ in grey.
/// Yellow comes last: it is the hardest to see on white.
public enum Palette {
    public static let colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
    public static let markers: [Marker] = [.circle, .square, .triangle, .diamond, .down, .cross, .plus, .star]

    /// The style of family number `i` (families are numbered in sorted order). Past eight families
    /// colours repeat, but with a different marker (the marker list is offset by the turn).
    public static func family(_ i: Int) -> SeriesStyle {
        let turn = i / colors.count
        return SeriesStyle(color: colors[i % colors.count], marker: markers[(i + turn * 3) % markers.count])
    }

    /// A map from family name to style over the families of `names` (sorted, so the colours do not
    /// depend on which trial finished first).
    public static func families(_ names: [String]) -> [String: SeriesStyle] {
        let sorted = Array(Set(names)).sorted()
        return Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($0.element, family($0.offset)) })
    }
}
