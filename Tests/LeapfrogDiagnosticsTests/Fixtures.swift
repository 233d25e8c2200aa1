import Foundation
import Testing
@testable import LeapfrogDiagnostics

/// A draw set and ArviZ 0.23.4's numbers on it, written by scripts/make_diagnostics_fixtures.py.
struct DrawFixture: Decodable, CustomTestStringConvertible {
    let name: String
    let description: String
    let superchains: Int?
    let draws: [[Double]]
    /// Statistic name → ArviZ value; JSON null (ArviZ NaN) decodes as nil.
    let expected: [String: Double?]
    let summary: [String: Double?]

    enum CodingKeys: String, CodingKey { case name, description, superchains, draws, expected }
    private struct Expected: Decodable {}

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decode(String.self, forKey: .description)
        superchains = try c.decodeIfPresent(Int.self, forKey: .superchains)
        draws = try c.decode([[Double]].self, forKey: .draws)
        let e = try c.decode([String: AnyNumber].self, forKey: .expected)
        var exp = [String: Double?](), sum = [String: Double?]()
        for (k, v) in e {
            switch v {
            case .number(let x): exp[k] = x
            case .null: exp[k] = .some(nil)
            case .object(let o): for (k2, v2) in o { sum[k2] = v2 }
            }
        }
        expected = exp
        summary = sum
    }

    /// The ArviZ value of `key`, NaN where ArviZ gave NaN. Fails the test if the key is missing.
    func value(_ key: String) -> Double {
        guard let v = expected[key] else {
            Issue.record("fixture \(name) has no \(key)")
            return .nan
        }
        return v ?? .nan
    }

    var testDescription: String { name }

    static func load(_ name: String) throws -> DrawFixture {
        try JSONDecoder().decode(DrawFixture.self, from: fixtureData(name))
    }

    static let drawSets = ["iid_normal", "ar1_rho09", "ar1_rho099", "antithetic", "shifted_chain",
                           "heavy_tailed", "odd_draws", "nested_16x100", "constant"]
}

/// A JSON value in `expected`: a number, null, or the nested `summary` object.
enum AnyNumber: Decodable {
    case number(Double), null, object([String: Double?])
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let x = try? c.decode(Double.self) { self = .number(x) }
        else { self = .object(try c.decode([String: Double?].self)) }
    }
}

func fixtureData(_ name: String) throws -> Data {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: "json",
                                             subdirectory: "Fixtures"),
                           "missing fixture \(name).json")
    return try Data(contentsOf: url)
}

/// |ours − theirs| ≤ rel·|theirs| + abs; NaN matches only NaN.
func isClose(_ ours: Double, _ theirs: Double, rel: Double, abs absTol: Double = 0) -> Bool {
    if theirs.isNaN || ours.isNaN { return theirs.isNaN && ours.isNaN }
    if theirs.isInfinite || ours.isInfinite { return ours == theirs }
    return Swift.abs(ours - theirs) <= rel * Swift.abs(theirs) + absTol
}
