import LeapfrogCore
import LeapfrogData
import LeapfrogModel

extension Generator {
    /// The kernel function of each elementwise family, and which arguments have partials.
    static func family(_ d: Distribution) -> (function: String, partials: [Int])? {
        switch d {
        case .normal: return ("lf_normal_lpdf", [0, 1, 2])
        case .halfNormal: return ("lf_half_normal_lpdf", [0, 1])
        case .studentT: return ("lf_student_t_lpdf", [0, 1, 2, 3])
        case .cauchy: return ("lf_cauchy_lpdf", [0, 1, 2])
        case .halfCauchy: return ("lf_half_cauchy_lpdf", [0, 1])
        case .exponential: return ("lf_exponential_lpdf", [0, 1])
        case .gamma: return ("lf_gamma_lpdf", [0, 1, 2])
        case .inverseGamma: return ("lf_inv_gamma_lpdf", [0, 1, 2])
        case .logNormal: return ("lf_lognormal_lpdf", [0, 1, 2])
        case .beta: return ("lf_beta_lpdf", [0, 1, 2])
        case .uniform: return ("lf_uniform_lpdf", [0, 1, 2])
        case .bernoulliLogit: return ("lf_bernoulli_logit_lpmf", [1])
        case .binomialLogit: return ("lf_binomial_logit_lpmf", [2])
        case .poissonLog: return ("lf_poisson_log_lpmf", [1])
        case .flat, .categoricalLogit, .multiNormalCholesky: return nil
        }
    }

    /// A term: a log density (summed over its broadcast elements, partials into the adjoints) or
    /// any scalar node (added to the log density, seeding its adjoint with 1).
    mutating func emitTerm(_ t: Int, rowContext: Bool) throws {
        let node = nodes[t]
        if node.op == .last {
            // A loop's final state: computed by the loop; its adjoint (declared with the shared
            // nodes') is read by the loop's reverse pass after the terms.
            emit("lp += v\(t)[0];")
            if active[t] { emit("g\(t)[0] += SPLAT(1.0);") }
            return
        }
        guard node.op == .logDensity else {
            // A leaf (`target += 0`, `target += theta`) has no array of its own: its value, and a
            // parameter's adjoint directly.
            try emitForward(t)
            let keep = rowKeep(rowContext)
            emit("lp += \(keep(value(t, "0")));")
            if node.op == .parameter {
                emit("\(adjoint(t, "0")!) += \(keep("SPLAT(1.0)"));")
            } else if active[t] {
                emit("realw g\(t)[1] = { \(keep("SPLAT(1.0)")) };")
                try emitBackward(t)
            }
            return
        }
        let distribution = node.distribution!
        if distribution == .flat { return }
        if distribution == .categoricalLogit { return try emitCategorical(t, rowContext: rowContext) }
        if distribution == .multiNormalCholesky {
            if rowContext { throw unsupported("multi_normal_cholesky in a plate") }
            return emitMultiNormalCholesky(t)
        }
        guard let (function, partials) = Generator.family(distribution) else {
            throw unsupported("the \(distribution.rawValue) distribution")
        }
        // Broadcast shape of all arguments; inside a plate, one row of it.
        var out: [Int] = []
        for a in node.args { out = ShapeRules.broadcast(out, shapes[a])! }
        let saved = rowDependent[t]
        rowDependent[t] = rowContext
        defer { rowDependent[t] = saved }
        if rowContext, out.first != plate!.rows { throw unsupported("a plate term whose shape \(out) does not lead with the plate's rows") }
        // An empty outcome (a branch no row takes, N = 0) adds nothing: no element, not one.
        let count = rowContext ? Generator.count(Array(out.dropFirst())) : Generator.count(out)
        emit("// \(distribution.rawValue) log density, \(count) element(s)\(rowContext ? " per row" : "")")
        try block("for (int k = 0; k < \(count); ++k)") { g in
            var arguments: [String] = []
            for (position, a) in node.args.enumerated() {
                let q = try g.argIndex(node: t, arg: a, outShape: out, "k")
                g.emit("const int q\(position) = \(q);")
                arguments.append(g.value(a, "q\(position)"))
            }
            g.emit("realw \(partials.map { "d\($0)" }.joined(separator: ", "));")
            let call = "\(function)(\((arguments + partials.map { "&d\($0)" }).joined(separator: ", ")))"
            let keep = g.rowKeep(rowContext)
            g.emit("lp += \(keep(call));")
            for p in partials {
                if let ga = g.adjoint(node.args[p], "q\(p)") { g.emit("\(ga) += \(keep("d\(p)"));") }
            }
        }
    }

    /// What a row's contribution becomes: itself, or with its rows in lanes, zero in the lanes of
    /// the last block that hold no row (`LF_ROW_KEEP`). Every gradient contribution of a row flows
    /// from its terms' partials, so masking them masks the row.
    func rowKeep(_ rowContext: Bool) -> (String) -> String {
        rowContext && rowLanes ? { "LF_ROW_KEEP(\($0))" } : { $0 }
    }

    /// Categorical-logit: for each outcome y (1-based), log softmax(logits)[y]; the partials of
    /// the logits are 1{k = y} − softmax_k. Logits [k] are shared by every outcome; [n, k] give one
    /// row per outcome (inside a plate: the current row).
    mutating func emitCategorical(_ t: Int, rowContext: Bool) throws {
        let (y, logits) = (nodes[t].args[0], nodes[t].args[1])
        let saved = rowDependent[t]
        rowDependent[t] = rowContext
        defer { rowDependent[t] = saved }
        let logitShape = rowDependent[logits] ? Array(shapes[logits].dropFirst()) : shapes[logits]
        let width = logitShape.last!
        let outcomes = rowContext ? 1 : Generator.count(shapes[y])
        let perOutcome = logitShape.count == 2 && !rowContext
        if rowContext, !rowDependent[logits], shapes[logits].count == 2 {
            throw unsupported("shared [n, k] logits in a categorical plate term")
        }
        let gl = adjoint(logits, "base + k")
        emit("// categorical_logit log density, \(outcomes) outcome(s)\(rowContext ? " per row" : "")")
        try block("for (int j = 0; j < \(outcomes); ++j)") { g in
            g.emit("const int base = \(perOutcome ? "j * \(width)" : "0");")
            g.emit("const int yk = (int)\(try g.rawData(y, rowContext ? "0" : "j")) - 1;")
            g.emit("realw m = \(g.value(logits, "base"));")
            g.emit("for (int k = 1; k < \(width); ++k) m = fmax(m, \(g.value(logits, "base + k")));")
            g.emit("realw s = SPLAT(0.0);")
            g.emit("for (int k = 0; k < \(width); ++k) s += exp(\(g.value(logits, "base + k")) - m);")
            g.emit("const realw lse = m + log(s);")
            g.emit("lp += \(g.value(logits, "base + yk")) - lse;")
            if let gl {
                g.emit("for (int k = 0; k < \(width); ++k) \(gl) += (k == yk ? 1.0 : 0.0) - exp(\(g.value(logits, "base + k")) - lse);")
            }
        }
    }

    /// Multivariate normal through the lower Cholesky factor L of the covariance, per outcome row:
    /// z = L⁻¹(y − μ), w = L⁻ᵀz; log density −½zᵀz − Σ log Lᵢᵢ − (n/2) log 2π; partials
    /// ȳ = −w, μ̄ = w, L̄ = tril(w·zᵀ) − diag(1/Lᵢᵢ) (as the CPU reference). When nothing else
    /// reads L = cholesky(K) (`BoundModel.covarianceOnlyCholeskyFactors`), K̄ += ½ Σ_r w wᵀ −
    /// (R/2) K⁻¹ instead, K⁻¹ = L⁻ᵀL⁻¹ from L⁻¹ by forward substitution (as the CPU reference).
    mutating func emitMultiNormalCholesky(_ t: Int) {
        let (y, mu, l) = (nodes[t].args[0], nodes[t].args[1], nodes[t].args[2])
        let n = shapes[l][0]
        let covariance = covarianceFactors.contains(l) ? nodes[l].args[0] : nil
        let rows = Generator.count(shapes[y]) / max(n, 1)
        // One mean, one per element, or one per element of every row (`ReferenceModel.meanIndex`).
        let muCount = Generator.count(shapes[mu])
        let muIndex = muCount == 1 ? "0" : (muCount == n ? "i" : "r * \(n) + i")
        emit("// multi_normal_cholesky log density, \(rows) row(s) of \(n)")
        block("for (int r = 0; r < \(rows); ++r)") { g in
            g.declareArrays(["z", "w"], count: n)
            g.block("for (int i = 0; i < \(n); ++i)") { h in
                h.emit("realw s = \(h.value(y, "r * \(n) + i")) - \(h.value(mu, muIndex));")
                h.emit("for (int j = 0; j < i; ++j) s -= \(h.value(l, "i * \(n) + j")) * z[j];")
                h.emit("z[i] = s / \(h.value(l, "i * \(n) + i"));")
            }
            g.block("for (int i = \(n - 1); i >= 0; --i)") { h in
                h.emit("realw s = z[i];")
                h.emit("for (int j = i + 1; j < \(n); ++j) s -= \(h.value(l, "j * \(n) + i")) * w[j];")
                h.emit("w[i] = s / \(h.value(l, "i * \(n) + i"));")
            }
            g.block("for (int i = 0; i < \(n); ++i)") { h in
                h.emit("lp += -0.5 * z[i] * z[i] - log(\(h.value(l, "i * \(n) + i"))) - LF_LOG_SQRT_TWO_PI;")
                if let gy = h.adjoint(y, "r * \(n) + i") { h.emit("\(gy) -= w[i];") }
                if let gm = h.adjoint(mu, muIndex) { h.emit("\(gm) += w[i];") }
                if let covariance {
                    if let gk = h.adjoint(covariance, "i * \(n) + j") { h.emit("for (int j = 0; j < \(n); ++j) \(gk) += 0.5 * w[i] * w[j];") }
                } else if let gl = h.adjoint(l, "i * \(n) + j") {
                    h.emit("for (int j = 0; j <= i; ++j) \(gl) += w[i] * z[j];")
                    h.emit("\(h.adjoint(l, "i * \(n) + i")!) -= 1.0 / \(h.value(l, "i * \(n) + i"));")
                }
            }
        }
        guard let covariance, let gk = adjoint(covariance, "r * \(n) + q"), let gkT = adjoint(covariance, "q * \(n) + r") else { return }
        block("") { g in
            g.emit("// K⁻¹ = L⁻ᵀL⁻¹: L⁻¹ (lower) by forward substitution, then K̄ −= (R/2) K⁻¹")
            g.declareArrays(["li"], count: n * n)
            g.block("for (int i = 0; i < \(n); ++i)") { h in
                h.emit("li[i * \(n) + i] = 1.0 / \(h.value(l, "i * \(n) + i"));")
                h.block("for (int j = 0; j < i; ++j)") { b in
                    b.emit("realw s = SPLAT(0.0);")
                    b.emit("for (int k = j; k < i; ++k) s -= \(b.value(l, "i * \(n) + k")) * li[k * \(n) + j];")
                    b.emit("li[i * \(n) + j] = s * li[i * \(n) + i];")
                }
            }
            g.block("for (int r = 0; r < \(n); ++r) for (int q = 0; q <= r; ++q)") { h in
                h.emit("realw s = SPLAT(0.0);")
                h.emit("for (int k = r; k < \(n); ++k) s += li[k * \(n) + r] * li[k * \(n) + q];")
                h.emit("s *= \(Generator.literal(0.5 * Double(rows)));")
                h.emit("\(gk) -= s;")
                h.emit("if (q < r) \(gkT) -= s;")
            }
        }
    }
}
