/// One frame of an animated ``Plot``: marks shown together for `seconds` of the loop, with a
/// caption (`iteration 300`) drawn in the plot's top-right corner while it shows.
public struct PlotFrame: Sendable, Hashable {
    public var label: String
    public var marks: [Mark]

    public init(label: String, marks: [Mark]) {
        self.label = label
        self.marks = marks
    }

    /// The SMIL animation that shows frame `index` of `count` for its share of a `duration`-second
    /// loop (SVG 1.1 `<animate>` on `visibility`, `calcMode="discrete"`, repeated forever):
    /// hidden, then visible from index/count to (index+1)/count of the loop, then hidden again.
    /// Viewers without SMIL keep the frame's own `visibility` (the last frame's is `visible`).
    static func animation(index: Int, count: Int, duration: Double) -> String {
        let start = Double(index) / Double(count), end = Double(index + 1) / Double(count)
        let key = { (t: Double) in "\(t)" }  // exact: the frames' turns are i/n of the loop
        let values: String, times: String
        if count == 1 {
            (values, times) = ("visible", "0")
        } else if index == 0 {
            (values, times) = ("visible;hidden", "0;\(key(end))")
        } else if index == count - 1 {
            (values, times) = ("hidden;visible", "0;\(key(start))")
        } else {
            (values, times) = ("hidden;visible;hidden", "0;\(key(start));\(key(end))")
        }
        return "<animate attributeName=\"visibility\" calcMode=\"discrete\" values=\"\(values)\" keyTimes=\"\(times)\" "
            + "dur=\"\(duration)s\" repeatCount=\"indefinite\"/>"
    }
}
