import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import LeapfrogStan

/// Compile errors name the file, line and column, and show the line with a caret under the token.
@Suite struct DiagnosticsTests {
    @Test func syntaxErrorShowsTheLineAndACaret() {
        #expect(compileError("data {\n  int N\n}\n") == """
        m.stan:3:1: error: expected ';', found '}'
            }
            ^
        """)
        #expect(compileError("parameters { real x; } model { x ~ normal(0, 1) }") == """
        m.stan:1:49: error: expected ';', found '}'
            parameters { real x; } model { x ~ normal(0, 1) }
                                                            ^
        """)
        #expect(compileError("model { x ~ normal(0, 1); } /* never closed").hasPrefix("m.stan:1:29: error: unterminated comment"))
        #expect(compileError("model { } data { }").hasPrefix("m.stan:1:11: error: the data block must come before the model block"))
        #expect(compileError("model { } model { }").hasPrefix("m.stan:1:11: error: the model block appears twice"))
        #expect(compileError("model { real x = 1 @ 2; }").hasPrefix("m.stan:1:20: error: unexpected character '@'"))
    }

    @Test func lessThanMinusIsAComparison() throws {
        let source = "data { real x; } parameters { real mu; } model { if (x<-1) mu ~ normal(0, 1); }"
        let model = try StanProgram.compile(source: source, path: "m.stan")
        #expect(model.graph.terms.count == 1)
    }

    @Test func unknownIdentifier() {
        #expect(compileError("parameters { real x; } model { x ~ normal(0, y); }") == """
        m.stan:1:46: error: unknown identifier 'y'
            parameters { real x; } model { x ~ normal(0, y); }
                                                         ^
        """)
    }

    @Test func typeAndSizeMismatches() {
        #expect(compileError("data { int N; vector[N] y; matrix[3, 4] A; } parameters { vector[3] b; } model { y ~ normal(A * b, 1); }")
            .hasPrefix("m.stan:1:95: error: size mismatch in matrix product: matrix[3, 4] * vector[3]"))
        #expect(compileError("parameters { vector[3] a; } model { real s = a; }")
            .hasPrefix("m.stan:1:46: error: cannot assign a value of type vector[3] to 's' of type real"))
        #expect(compileError("parameters { vector[3] a; } model { vector[4] b = a; }")
            .hasPrefix("m.stan:1:51: error: size mismatch: 'b' is vector[4] but the value is vector[3]"))
        #expect(compileError("parameters { real x; } model { x ~ normal(0); }")
            .hasPrefix("m.stan:1:32: error: normal takes 2 arguments after the outcome (mu, sigma), got 1"))
        #expect(compileError("data { vector[3] y; } parameters { real x; } model { y ~ poisson_log(x); }")
            .hasPrefix("m.stan:1:54: error: the outcome of poisson_log must be an integer data variable"))
    }

    @Test func unsupportedFeaturesNameTheFeatureAndTheAlternative() {
        #expect(compileError("parameters { real x; } model { complex_vector[2] z; }")
            .hasPrefix("m.stan:1:32: error: the type 'complex_vector' is not supported"))
        #expect(compileError("parameters { row_stochastic_matrix[3] p; } model { }").contains("row_stochastic_matrix takes 2 sizes, got 1"))
        #expect(compileError("parameters { real x; } model { x ~ normal(normal_rng(0, 1), 1); }")
            .hasPrefix("m.stan:1:43: error: random number generators (normal_rng) are only allowed in transformed data and generated quantities"))
        #expect(compileError("parameters { real x; } model { x ~ foo(0, 1); }")
            .hasPrefix("m.stan:1:32: error: the distribution 'foo' is not supported; supported: bernoulli, bernoulli_logit, bernoulli_logit_glm, beta,"))
        #expect(compileError("parameters { matrix[2, 2] A; } model { matrix[2, 2] B = matrix_exp(A); }")
            .hasPrefix("m.stan:1:57: error: unknown or unsupported function 'matrix_exp'"))
        #expect(compileError("parameters { matrix[2, 2] A; } model { target += sum(dims(A)); }")
            .contains("the function 'dims' is not supported: only as dims(x)[k] with a constant k; use size, rows and cols"))
        #expect(compileError("data { int N; } parameters { vector[N] x; real k; } model { x[1:k] ~ normal(0,1); }")
            .hasPrefix("m.stan:1:65: error: a range bound must be a constant or depend on data only"))
        #expect(compileError("parameters { real x; } model { x ~ skew_normal(3, 0, 1) T[0, ]; }")
            .contains("truncation T[…] of 'skew_normal' is not supported (it needs the family's CDF)"))
        #expect(compileError("parameters { real<offset=1, scale=2> x; } model { }")
            .contains("unknown bound 'scale'; expected lower=, upper=, offset= or multiplier="))
        // A function passed by name: "unknown identifier" before; now the ODE solvers' first
        // argument (ODETests), and named where it is used as any other value.
        let ode = """
        functions { array[] real dz_dt(real t, array[] real z, array[] real theta, array[] real x_r, array[] int x_i) { return z; } }
        parameters { real<lower=0> a; }
        model { array[1, 1] real z = integrate_ode_rk45(dz_dt, {1.0}, 0, {1.0}, {a}, rep_array(0.0, 0), rep_array(0, 0)); }
        """
        #expect(compileError(ode) == "")
        #expect(compileError(ode.replacingOccurrences(of: "model {", with: "model { real b = dz_dt;"))
            .contains("the function 'dz_dt' is used as a value; functions are passed only as the first argument of the ODE solvers"))
        #expect(compileError("parameters { real x; } model { if (x == 0) x ~ normal(0, 1); }")
            .contains("== between real values computed per evaluation is not supported"))
        #expect(compileError("parameters { real x; } model { x ~ normal(0, 1); } generated quantities { reject(\"no\"); }")
            .contains("reject is not supported in the generated quantities block"))
        #expect(compileError("parameters { matrix[2, 2] A; } model { target += sum(exp(to_vector(A))); }")
            .contains("to_vector of a matrix (a reshape) is only supported"))
    }

    @Test func misuseOfVariables() {
        #expect(compileError("parameters { int k; } model { }").hasPrefix("m.stan:1:14: error: parameters must be real"))
        #expect(compileError("parameters { real x; } model { x = 3; }")
            .hasPrefix("m.stan:1:32: error: cannot assign to the parameter 'x'; declare a transformed parameter instead"))
        #expect(compileError("data { real y; } parameters { real y; } model { }")
            .hasPrefix("m.stan:1:36: error: 'y' is already declared (at line 1)"))
        #expect(compileError("parameters { real x; } model { real z; x ~ normal(z, 1); }")
            .hasPrefix("m.stan:1:51: error: 'z' is used before it is assigned"))
        #expect(compileError("data { int N; } parameters { real x; } model { vector[N] z; z[1] = x; for (i in 2:N) z[i] = z[i - 2]; }")
            .hasPrefix("m.stan:1:97: error: z[i - 2] reads row 0 of 'z' at the loop's first step (i = 2): Stan's indices start at 1"))
        #expect(compileError("data { int N; } parameters { real x; } model { for (i in 2:N) for (j in 1:i) x ~ normal(0, 1); }")
            .hasPrefix("m.stan:1:75: error: the bounds of a loop whose steps depend on each other must be constants or depend on data only"))
    }

    @Test func transformedDataAreCheckedAtCompileTime() {
        #expect(compileError("data { int N; } transformed data { real m = N + q; } model { }")
            .hasPrefix("m.stan:1:49: error: unknown identifier 'q'"))
        #expect(compileError("data { int N; } transformed data { real m = lgamma2(N); } model { }")
            .hasPrefix("m.stan:1:45: error: the function 'lgamma2' is not supported in transformed data yet"))
        #expect(compileError("data { int N; } transformed data { N = 3; } model { }")
            .hasPrefix("m.stan:1:36: error: cannot assign to the data variable 'N'"))
        // An if on the index of a vectorised loop compiles (RowConditionTests), and one on data
        // that is a nested loop's whole body (RaggedLoopTests); one on parameters there does not.
        #expect(compileError("data { int N; int K; matrix[N, K] y; } parameters { real mu; } model { for (n in 1:N) for (k in 1:K) if (y[n, k] > mu) y[n, k] ~ normal(mu, 1); }")
            .contains("cannot vectorise the nested loop: an if whose condition depends on its index"))
    }

    @Test func everyListedFunctionIsKnown() {
        for f in StanSupport.functions {
            let message = compileError("parameters { real x; } model { target += \(f)(); }")
            #expect(!message.contains("unknown or unsupported function"), "\(f): \(message)")
        }
        #expect(StanSupport.distributions.contains("multi_normal_cholesky"))
    }

    @Test func loadCompilesAFile() throws {
        let path = "/tmp/leapfrog-stan-test-\(getpid()).stan"
        let f = fopen(path, "w")!
        fputs("parameters { real mu; }\nmodel { mu ~ normal(0, 1); }\n", f)
        fclose(f)
        defer { unlink(path) }
        let model = try StanProgram.load(path: path)
        #expect(model.graph.name == "leapfrog-stan-test-\(getpid())")
        #expect(model.graph.parameters.map(\.name) == ["mu"])
    }

    @Test func loadSaysWhyAFileCannotBeRead() {
        #expect(errorMessage { _ = try StanProgram.load(path: "/nonexistent/model.stan") }
                == "cannot read Stan file '/nonexistent/model.stan': \(String(cString: strerror(ENOENT)))")
        #expect(errorMessage { _ = try StanProgram.load(path: "/") }
                == "cannot read Stan file '/': \(String(cString: strerror(EISDIR)))")
    }
}
