import Foundation
import LeapfrogData
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// Stan's exponential, Matérn 3/2 and 5/2 and periodic GP kernels (`GPKernel`): their matrices in
/// the graph and on the host against the Functions Reference's formulas written out here, for
/// points as reals and as vectors, and their gradients against finite differences.
@Suite struct GPKernelTests {
    static let x = [0.3, 1.1, 2.0]
    static let z: [[Double]] = [[0.1, 0.4], [1.0, -0.5], [0.7, 0.7]]
    static let (sigma, length, period) = (1.3, 0.8, 2.5)

    /// The Functions Reference's kernel at distance r.
    static func reference(_ name: String, _ r: Double) -> Double {
        let s2 = sigma * sigma
        switch name {
        case "gp_exponential_cov": return s2 * exp(-r / length)
        case "gp_matern32_cov": return s2 * (1 + sqrt(3) * r / length) * exp(-sqrt(3) * r / length)
        case "gp_matern52_cov": return s2 * (1 + sqrt(5) * r / length + 5 * r * r / (3 * length * length)) * exp(-sqrt(5) * r / length)
        default: return s2 * exp(-2 * pow(sin(Double.pi * r / period), 2) / (length * length))
        }
    }

    static func call(_ name: String, _ points: String) -> String {
        "\(name)(\(points), \(sigma), \(length)\(name == "gp_periodic_cov" ? ", \(period)" : ""))"
    }

    @Test(arguments: GPKernel.allCases.map(\.rawValue), [false, true])
    func matricesAreTheFunctionsReferences(_ name: String, onHost: Bool) throws {
        let source = """
        data { array[3] real x; array[3] vector[2] z; }
        parameters { real m; }
        model { m ~ normal(0, 1); }
        generated quantities {
          matrix[3, 3] K = \(Self.call(name, "x"));
          matrix[3, 3] V = \(Self.call(name, "z"));
          \(onHost ? "real r = normal_rng(0, 1);" : "")
        }
        """
        let data = DataSet(["x": .vector(Self.x), "z": .matrix(rows: Self.z)], source: "test")
        var values: [String: [Double]]
        if onHost {
            let model = try StanProgram.compile(source: source, path: "m.stan")
            #expect(model.generatedQuantitiesOnHost)
            values = try HostGeneratedQuantitiesTests.generated(model, data, ["m": [0.1]])
        } else {
            let stan = try stanReference(source, data)
            let flat = Dictionary(uniqueKeysWithValues: zip(stan.model.derivedElementNames, stan.derivedValues([0.1])))
            values = ["K": (0..<9).map { flat["K[\($0 / 3 + 1),\($0 % 3 + 1)]"] ?? .nan }, "V": (0..<9).map { flat["V[\($0 / 3 + 1),\($0 % 3 + 1)]"] ?? .nan }]
        }
        for i in 0..<3 {
            for j in 0..<3 {
                let r = abs(Self.x[i] - Self.x[j])
                let q = sqrt(zip(Self.z[i], Self.z[j]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +))
                let (k, v) = (try #require(values["K"])[i * 3 + j], try #require(values["V"])[i * 3 + j])
                #expect(abs(k - Self.reference(name, r)) < 1e-12, "\(name) K[\(i),\(j)] = \(k)")
                #expect(abs(v - Self.reference(name, q)) < 1e-12, "\(name) V[\(i),\(j)] = \(v)")
            }
        }
    }

    /// A marginal GP with the kernel's parameters sampled, and with the points themselves as
    /// parameters (reals): gradients against finite differences.
    @Test(arguments: GPKernel.allCases.map(\.rawValue))
    func gradientsAreFiniteDifferences(_ name: String) throws {
        let periodic = name == "gp_periodic_cov"
        let source = """
        data { array[3] real x; vector[3] y; array[3] vector[2] z; }
        parameters { real<lower=0> s; real<lower=0> l; real<lower=0> p; array[3] real t; }
        model {
          s ~ lognormal(0, 1); l ~ lognormal(0, 1); p ~ lognormal(1, 0.5); t ~ normal(x, 1);
          y ~ multi_normal(rep_vector(0, 3), add_diag(\(name)(x, s, l\(periodic ? ", p" : "")), 0.1));
          y ~ multi_normal(rep_vector(0, 3), add_diag(\(name)(z, s, l\(periodic ? ", p" : "")), 0.1));
          y ~ multi_normal(rep_vector(0, 3), add_diag(\(name)(t, s, l\(periodic ? ", p" : "")), 0.2));
          to_vector(\(name)(t, x, s, l\(periodic ? ", p" : ""))) ~ normal(0, 3);
        }
        """
        let data = DataSet(["x": .vector(Self.x), "y": .vector([0.4, -0.2, 0.9]), "z": .matrix(rows: Self.z)], source: "test")
        let stan = try stanReference(source, data)
        var rng = TestRandom(seed: 21)
        for _ in 0..<3 {
            let u = rng.vector(stan.dimension, -0.5, 0.5)
            #expect(stan.logDensity(u).isFinite && GradientCheck.worstRelativeError(stan, at: u) < GradientCheck.tolerance, "\(name) at \(u)")
        }
    }
}
