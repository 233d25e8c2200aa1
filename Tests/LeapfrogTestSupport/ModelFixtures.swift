import Foundation

/// Independent log densities and gradients of built-in models (numpy with hand-derived
/// backpropagation, SciPy for the GP), made by scripts/make_model_fixtures.py.
public struct ModelFixtures: Decodable {
    public struct Point: Decodable {
        public var u: [Double]
        public var lp: Double
        public var gradient: [Double]?
    }
    public var bnn: [Point]
    public var gp: [Point]

    public static let shared: ModelFixtures = {
        let url = Bundle.module.url(forResource: "model_fixtures", withExtension: "json", subdirectory: "Fixtures")!
        return try! JSONDecoder().decode(ModelFixtures.self, from: Data(contentsOf: url))
    }()
}
