import Testing
import Leapfrog
import LeapfrogC
import LeapfrogTestSupport

/// The model half of the C ABI: compiling, naming, evaluating, and its errors.
@Suite struct ModelABITests {
    @Test func aBuiltinEvaluatesAsTheReference() throws {
        let (model, status, message) = C.model(0, "eight-schools")
        defer { leapfrog_model_free(model) }
        #expect(status == 0, "\(message)")
        #expect(leapfrog_model_dimension(model) == 10)
        #expect(String(cString: leapfrog_model_parameter_name(model, 1)!) == "tau")

        var random = TestRandom(seed: 3)
        let points = (0..<3).map { _ in random.vector(10, -2, 2) }
        let (s, lp, g) = C.evaluate(model, points)
        #expect(s == 0)
        let instance = try BuiltinModels.named("eight-schools").instantiate()
        let reference = try ReferenceModel(graph: instance.graph, data: instance.data)
        let expected = try reference.evaluate(ChainBatch(vectors: points))
        for c in 0..<3 {
            #expect(lp[c] == expected.logDensity[c])
            #expect(Array(g[(c * 10)..<((c + 1) * 10)]) == expected.gradient.vector(chain: c))
        }
    }

    @Test func stanTextWithJSONDataMatchesFiniteDifferences() throws {
        let stan = "data { int N; vector[N] y; }\nparameters { real mu; real<lower=0> sigma; }\nmodel { y ~ normal(mu, sigma); }\n"
        let (model, status, message) = C.model(1, stan, data: #"{"N": 3, "y": [0.5, -1, 2]}"#)
        defer { leapfrog_model_free(model) }
        #expect(status == 0, "\(message)")
        let u = [0.3, -0.2]
        let (_, _, g) = C.evaluate(model, [u])
        let h = 1e-6
        for i in 0..<2 {
            var up = u, down = u
            up[i] += h
            down[i] -= h
            let numeric = (C.evaluate(model, [up]).1[0] - C.evaluate(model, [down]).1[0]) / (2 * h)
            #expect(abs(g[i] - numeric) < 1e-6)
        }
        let info = String(cString: leapfrog_model_info_json(model)!)
        #expect(info.contains(#""parameter_names":["mu","sigma"]"#))
        #expect(info.contains(#""backend":"cpu (reference, f64)""#))
    }

    @Test func errorsCarryLeapfrogsMessageAndKind() {
        let unknown = C.model(0, "eight-school")
        #expect(unknown.0 == nil && unknown.1 == 3)
        #expect(unknown.2.contains("did you mean 'eight-schools'"))

        let stan = "data { int N; vector[N] y; }\nparameters { real mu; }\nmodel { y ~ normal(mu, 1); }\n"
        let malformed = C.model(1, stan, data: "{\n \"N\": 2,\n \"y\": [1,,]\n}", dataName: "y.json")
        #expect(malformed.1 == 1 && malformed.2.hasPrefix("y.json:3"), "\(malformed.2)")

        let short = C.model(1, stan, data: #"{"N": 3, "y": [1, 2]}"#)
        #expect(short.1 == 1 && short.2.contains("'y'"), "\(short.2)")

        let options = C.model(0, "gaussian", options: "dim=3,shape=round")
        #expect(options.1 != 0 && options.2.contains("shape"), "\(options.2)")

        let precision = C.model(0, "eight-schools", precision: "f16")
        #expect(precision.1 == 3 && precision.2.contains("f16"))
    }

    @Test func nullsAndBadSizesAreArgumentErrors() {
        var out: OpaquePointer?
        #expect(leapfrog_model_new(0, nil, nil, nil, 0, nil, nil, nil, nil, nil, &out) == 7)
        #expect(String(cString: leapfrog_last_error()) == "source is NULL")
        #expect(leapfrog_model_new(9, "bnn", nil, nil, 0, nil, nil, nil, nil, nil, &out) == 7)
        #expect(leapfrog_model_dimension(nil) == -1)
        let (model, _, _) = C.model(0, "eight-schools")
        defer { leapfrog_model_free(model) }
        #expect(leapfrog_model_parameter_name(model, 10) == nil)
        var lp = [0.0]
        #expect(leapfrog_model_log_density_gradient(model, 0, [0.0], &lp, nil) == 7)
        #expect(leapfrog_model_log_density_gradient(model, 1, nil, &lp, nil) == 7)
    }

    @Test func theLastErrorIsPerThread() {
        _ = C.model(0, "eight-school")
        let mine = String(cString: leapfrog_last_error())
        var others = ""
        onNewThread {
            others = String(cString: leapfrog_last_error())
            _ = C.model(0, "bnn", options: "widths=0")
        }
        #expect(others.isEmpty)
        #expect(String(cString: leapfrog_last_error()) == mine)
        _ = C.model(0, "eight-schools")
        #expect(String(cString: leapfrog_last_error()).isEmpty)
    }
}
