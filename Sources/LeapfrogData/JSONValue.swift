import LeapfrogCore

/// A parsed JSON value and the byte offset where it starts in its document.
///
/// A small strict parser (RFC 8259) rather than `JSONDecoder`: the Stan data format needs to
/// know whether a number was written as an integer (`JSONDecoder` decodes `1.0`, `1e2` and even
/// `1e-400` as `Int`), and error messages need line and column numbers.
struct JSONValue {
    enum Kind {
        /// `isInteger`: written without fraction or exponent.
        case number(Double, isInteger: Bool)
        case string(String)
        case bool(Bool)
        case null
        case array([JSONValue])
        /// Members in document order; duplicate keys are kept.
        case object([(key: String, value: JSONValue)])
    }

    var kind: Kind
    var offset: Int
}

/// Checks JSON text's syntax with the strict parser, for readers that decode it otherwise
/// (`JSONDecoder` says only "not valid JSON"): throws `source:line:column: malformed JSON: …`.
public enum JSONSyntax {
    public static func check(_ text: String, source: String) throws {
        _ = try JSONDocument(bytes: Array(text.utf8), source: source).parse()
    }
}

/// JSON text as bytes, with the name of its source, for parsing and for error positions.
struct JSONDocument {
    let bytes: [UInt8]
    let source: String

    /// Nesting deeper than this is rejected (it protects the recursive parser's stack).
    static let maxDepth = 64

    /// Parses the whole document as one JSON value. Errors are
    /// `LeapfrogError(.data, "source:line:column: malformed JSON: …")`.
    func parse() throws -> JSONValue {
        var parser = Parser(document: self)
        return try parser.parseDocument()
    }

    /// A `.data` error whose message starts with `source:line:column:` for `offset`.
    func error(at offset: Int, _ message: String) -> LeapfrogError {
        let (line, column) = position(of: offset)
        return LeapfrogError(.data, "\(source):\(line):\(column): \(message)")
    }

    /// The 1-based line and column of byte `offset`, columns counting characters (Unicode scalars).
    func position(of offset: Int) -> (line: Int, column: Int) {
        let end = min(offset, bytes.count)
        var line = 1
        var lineStart = 0
        for k in 0..<end where bytes[k] == UInt8(ascii: "\n") {
            line += 1
            lineStart = k + 1
        }
        // Skip UTF-8 continuation bytes.
        return (line, 1 + bytes[lineStart..<end].filter { $0 & 0xC0 != 0x80 }.count)
    }

    /// The text of the number literal starting at `offset`.
    func numberText(at offset: Int) -> String {
        var end = offset
        while end < bytes.count, Parser.isNumberByte(bytes[end]) { end += 1 }
        return String(decoding: bytes[offset..<end], as: UTF8.self)
    }
}

extension JSONDocument {
    private struct Parser {
        let document: JSONDocument
        let bytes: [UInt8]
        var i = 0
        var depth = 0

        init(document: JSONDocument) {
            self.document = document
            self.bytes = document.bytes
            // Skip a UTF-8 byte-order mark.
            if document.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        }

        mutating func parseDocument() throws -> JSONValue {
            let value = try self.value()
            skipSpace()
            if i < bytes.count { throw malformed("unexpected \(describe(i)) after the top-level value") }
            return value
        }

        func malformed(_ message: String, at offset: Int? = nil) -> LeapfrogError {
            document.error(at: offset ?? i, "malformed JSON: \(message)")
        }

        /// The token at `k`, for messages: a quoted character or word, or "end of input".
        func describe(_ k: Int) -> String {
            guard k < bytes.count else { return "end of input" }
            var end = k
            while end < bytes.count, bytes[end].isLetter { end += 1 }
            if end > k { return "'\(String(decoding: bytes[k..<end], as: UTF8.self))'" }
            let b = bytes[k]
            return b >= 0x20 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
        }

        mutating func skipSpace() {
            while i < bytes.count {
                switch bytes[i] {
                case 0x20, 0x09, 0x0A, 0x0D: i += 1
                default: return
                }
            }
        }

        mutating func expect(_ c: Character, _ context: String) throws {
            skipSpace()
            guard i < bytes.count, bytes[i] == c.asciiValue! else {
                throw malformed("expected '\(c)' \(context), found \(describe(i))")
            }
            i += 1
        }

        mutating func value() throws -> JSONValue {
            skipSpace()
            let start = i
            guard i < bytes.count else { throw malformed("expected a value, found end of input") }
            switch bytes[i] {
            case UInt8(ascii: "{"): return JSONValue(kind: try object(), offset: start)
            case UInt8(ascii: "["): return JSONValue(kind: try array(), offset: start)
            case UInt8(ascii: "\""): return JSONValue(kind: .string(try string()), offset: start)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return JSONValue(kind: try number(), offset: start)
            default:
                for (word, kind) in [("true", JSONValue.Kind.bool(true)), ("false", .bool(false)), ("null", .null)]
                where bytes[i...].starts(with: word.utf8) {
                    i += word.utf8.count
                    return JSONValue(kind: kind, offset: start)
                }
                throw malformed("expected a value, found \(describe(i))")
            }
        }

        mutating func nest() throws {
            depth += 1
            if depth > JSONDocument.maxDepth { throw malformed("nesting deeper than \(JSONDocument.maxDepth) levels") }
        }

        mutating func object() throws -> JSONValue.Kind {
            try nest()
            defer { depth -= 1 }
            i += 1  // {
            var members: [(key: String, value: JSONValue)] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
                    throw malformed("expected a quoted member name, found \(describe(i))")
                }
                let key = try string()
                try expect(":", "after the member name")
                members.append((key, try value()))
                skipSpace()
                guard i < bytes.count, [UInt8(ascii: ","), UInt8(ascii: "}")].contains(bytes[i]) else {
                    throw malformed("expected ',' or '}' after an object member, found \(describe(i))")
                }
                i += 1
                if bytes[i - 1] == UInt8(ascii: "}") { return .object(members) }
            }
        }

        mutating func array() throws -> JSONValue.Kind {
            try nest()
            defer { depth -= 1 }
            i += 1  // [
            var elements: [JSONValue] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(elements) }
            while true {
                elements.append(try value())
                skipSpace()
                guard i < bytes.count, [UInt8(ascii: ","), UInt8(ascii: "]")].contains(bytes[i]) else {
                    throw malformed("expected ',' or ']' after an array element, found \(describe(i))")
                }
                i += 1
                if bytes[i - 1] == UInt8(ascii: "]") { return .array(elements) }
            }
        }

        static func isNumberByte(_ b: UInt8) -> Bool {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"),
                 UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): true
            default: false
            }
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
        mutating func number() throws -> JSONValue.Kind {
            let start = i
            func digits() -> Int {
                let from = i
                while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
                return i - from
            }
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            let integerStart = i
            guard digits() > 0 else { throw malformed("expected a digit, found \(describe(i))") }
            if bytes[integerStart] == UInt8(ascii: "0"), i - integerStart > 1 {
                throw malformed("a number may not have leading zeros", at: start)
            }
            var isInteger = true
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                isInteger = false
                guard digits() > 0 else { throw malformed("expected a digit after '.', found \(describe(i))") }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                i += 1
                isInteger = false
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard digits() > 0 else { throw malformed("expected a digit in the exponent, found \(describe(i))") }
            }
            // Valid JSON number syntax is valid `Double` syntax; out-of-range values become ±inf or 0.
            let value = Double(String(decoding: bytes[start..<i], as: UTF8.self))!
            return .number(value, isInteger: isInteger)
        }

        mutating func string() throws -> String {
            let start = i
            i += 1  // "
            var utf8: [UInt8] = []
            while true {
                guard i < bytes.count else { throw malformed("unterminated string", at: start) }
                let b = bytes[i]
                i += 1
                switch b {
                case UInt8(ascii: "\""):
                    return String(decoding: utf8, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard i < bytes.count else { throw malformed("unterminated string", at: start) }
                    let e = bytes[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(e)
                    case UInt8(ascii: "b"): utf8.append(0x08)
                    case UInt8(ascii: "f"): utf8.append(0x0C)
                    case UInt8(ascii: "n"): utf8.append(0x0A)
                    case UInt8(ascii: "r"): utf8.append(0x0D)
                    case UInt8(ascii: "t"): utf8.append(0x09)
                    case UInt8(ascii: "u"): utf8.append(contentsOf: try unicodeEscape())
                    default: throw malformed("invalid escape '\\\(Character(Unicode.Scalar(e)))' in a string", at: i - 2)
                    }
                case 0x00..<0x20:
                    throw malformed("control character (byte 0x\(String(b, radix: 16))) in a string; write it as an escape", at: i - 1)
                default:
                    utf8.append(b)
                }
            }
        }

        /// After `\u`: four hex digits, or a surrogate pair `\uD8xx\uDCxx`; returns UTF-8.
        mutating func unicodeEscape() throws -> [UInt8] {
            let escapeStart = i - 2
            func hex4() -> UInt32? {
                guard i + 4 <= bytes.count,
                      let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) else { return nil }
                i += 4
                return v
            }
            guard var code = hex4() else { throw malformed("expected four hex digits after '\\u'", at: escapeStart) }
            if (0xD800..<0xDC00).contains(code) {
                guard bytes[i...].starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "u")]) else {
                    throw malformed("unpaired surrogate in a '\\u' escape", at: escapeStart)
                }
                i += 2
                guard let low = hex4(), (0xDC00..<0xE000).contains(low) else {
                    throw malformed("unpaired surrogate in a '\\u' escape", at: escapeStart)
                }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(code) else {
                throw malformed("unpaired surrogate in a '\\u' escape", at: escapeStart)
            }
            return Array(String(Character(scalar)).utf8)
        }
    }
}

extension UInt8 {
    fileprivate var isLetter: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
    }
}
