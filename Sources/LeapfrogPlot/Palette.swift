/// Colours that people with the common colour-vision deficiencies can tell apart.
///
/// Okabe & Ito, "Color Universal Design (CUD): how to make figures and presentations that are
/// friendly to colorblind people" (2008), https://jfly.uni-koeln.de/color/ — the eight colours
/// in their order (black first; ``series`` skips it for data).
public enum Palette {
    public static let black = "#000000"
    public static let orange = "#E69F00"
    public static let skyBlue = "#56B4E9"
    public static let bluishGreen = "#009E73"
    public static let yellow = "#F0E442"
    public static let blue = "#0072B2"
    public static let vermillion = "#D55E00"
    public static let reddishPurple = "#CC79A7"
    /// A neutral grey for grids, bands of reference and de-emphasised lines.
    public static let grey = "#999999"

    /// Colours for data series, most distinct first (yellow last: weak on white).
    public static let series = [blue, orange, bluishGreen, vermillion, reddishPurple, skyBlue, black, yellow]

    /// The `i`-th series colour, cycling.
    public static func color(_ i: Int) -> String { series[((i % series.count) + series.count) % series.count] }
}
