import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An SVG (or any XML) document parsed with Foundation's `XMLParser`: its elements in document
/// order with their attributes, or the parser's error.
struct SVGDocument {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text: String
        /// The index in `elements` of the element this one is inside (nil for the root).
        var parent: Int? = nil
    }

    var elements: [Element] = []

    /// Parses `text`; throws the parser's error when it is not well-formed XML.
    init(_ text: String) throws {
        let delegate = Collector()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = delegate
        guard parser.parse() else {
            throw parser.parserError ?? NSError(domain: "SVGDocument", code: 1)
        }
        elements = delegate.elements
    }

    func all(_ name: String, class cls: String? = nil) -> [Element] {
        elements.filter { $0.name == name && (cls == nil || $0.attributes["class"] == cls) }
    }

    /// The elements named `name` inside the element at `ancestor` (at any depth).
    func all(_ name: String, class cls: String? = nil, inside ancestor: Int) -> [Element] {
        elements.filter { e in
            guard e.name == name, cls == nil || e.attributes["class"] == cls else { return false }
            var p = e.parent
            while let q = p { if q == ancestor { return true }; p = elements[q].parent }
            return false
        }
    }

    /// `"1,2 3,4"` → [(1, 2), (3, 4)].
    static func points(_ attribute: String?) -> [(Double, Double)] {
        (attribute ?? "").split(separator: " ").map { pair in
            let xy = pair.split(separator: ",").map { Double($0)! }
            return (xy[0], xy[1])
        }
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        var open: [Int] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            elements.append(Element(name: name, attributes: attributes, text: "", parent: open.last))
            open.append(elements.count - 1)
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let i = open.last { elements[i].text += string }
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            _ = open.popLast()
        }
    }
}
