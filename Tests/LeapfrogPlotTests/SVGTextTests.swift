import Testing
@testable import LeapfrogPlot

@Suite struct SVGTextTests {
    @Test func escapesMarkupAndDropsControlCharacters() {
        #expect(SVGText.escape("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;")
        #expect(SVGText.escape("x\u{01}y\u{0B}z\n") == "xyz\n")
        #expect(SVGText.escape("R̂ σ²") == "R̂ σ²")
    }

    @Test func numbers() {
        #expect(SVGText.coordinate(12.5) == "12.5")
        #expect(SVGText.coordinate(3) == "3")
        #expect(SVGText.coordinate(-0.254) == "-0.25")
        #expect(SVGText.coordinate(-0.001) == "0")
        #expect(SVGText.fixed(1.005, decimals: 1) == "1.0")
        #expect(SVGText.fixed(-0.5, decimals: 2) == "-0.50")
        #expect(SVGText.significant(0.012345) == "0.0123")
        #expect(SVGText.significant(12345.6) == "12346")
        #expect(SVGText.significant(1.5e-7) == "1.50e-07")
        #expect(SVGText.significant(2.5e7, digits: 2) == "2.5e+07")
        #expect(SVGText.significant(.nan) == "NaN")
    }
}
