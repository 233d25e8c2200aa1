#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LeapfrogCore
import LeapfrogData

extension ModelGraph {
    enum CodingKeys: String, CodingKey { case format, name, data, parameters, nodes, terms, derived, identifiable }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let f = try c.decodeIfPresent(String.self, forKey: .format), f != ModelGraph.format {
            throw LeapfrogError(.model, "unsupported model format '\(f)'; this version reads '\(ModelGraph.format)'")
        }
        name = try c.decode(String.self, forKey: .name)
        data = try c.decodeIfPresent([DataDeclaration].self, forKey: .data) ?? []
        parameters = try c.decodeIfPresent([ParameterDeclaration].self, forKey: .parameters) ?? []
        nodes = try c.decode([Node].self, forKey: .nodes)
        terms = try c.decodeIfPresent([Term].self, forKey: .terms) ?? []
        derived = try c.decodeIfPresent([DerivedQuantity].self, forKey: .derived) ?? []
        identifiable = try c.decodeIfPresent([String].self, forKey: .identifiable)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ModelGraph.format, forKey: .format)
        try c.encode(name, forKey: .name)
        try c.encode(data, forKey: .data)
        try c.encode(parameters, forKey: .parameters)
        try c.encode(nodes, forKey: .nodes)
        try c.encode(terms, forKey: .terms)
        try c.encode(derived, forKey: .derived)
        try c.encodeIfPresent(identifiable, forKey: .identifiable)
    }

    /// The documented JSON form (pretty-printed, keys sorted, so it diffs well).
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads and validates a graph from its JSON form; `source` names the file in errors.
    public static func fromJSON(_ text: String, source: String = "<model>") throws -> ModelGraph {
        let graph: ModelGraph
        do {
            graph = try JSONDecoder().decode(ModelGraph.self, from: Data(text.utf8))
        } catch let e as LeapfrogError {
            throw LeapfrogError(.model, "\(source): \(e.message)")
        } catch let DecodingError.dataCorrupted(ctx) {
            // A syntax error is named by line and column; valid JSON with a wrong value by its path.
            do { try JSONSyntax.check(text, source: source) } catch let e as LeapfrogError { throw LeapfrogError(.model, e.message) }
            throw LeapfrogError(.model, "\(source): malformed model JSON at \(codingPath(ctx.codingPath)): \(ctx.debugDescription)")
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw LeapfrogError(.model, "\(source): missing key '\(key.stringValue)' at \(codingPath(ctx.codingPath))")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw LeapfrogError(.model, "\(source): wrong type at \(codingPath(ctx.codingPath)): \(ctx.debugDescription)")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw LeapfrogError(.model, "\(source): missing value at \(codingPath(ctx.codingPath))")
        } catch {
            throw LeapfrogError(.model, "\(source): cannot read model JSON: \(error)")
        }
        do { try graph.validate() } catch let e as LeapfrogError { throw LeapfrogError(.model, "\(source): \(e.message)") }
        return graph
    }

    /// Reads a model JSON file.
    public static func load(path: String) throws -> ModelGraph {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw LeapfrogError(.io, "cannot read model file '\(path)'")
        }
        return try fromJSON(String(decoding: bytes, as: UTF8.self), source: path)
    }

    private static func codingPath(_ path: [CodingKey]) -> String {
        path.isEmpty ? "top level" : path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}
