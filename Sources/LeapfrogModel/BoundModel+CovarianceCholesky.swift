extension BoundModel {
    /// The Cholesky factors L = cholesky(K) that the log density reads only in multivariate
    /// normal terms, as their factor: every node the terms depend on that has L among its
    /// arguments is a `multi_normal_cholesky` term (not in a plate) taking L as its third argument
    /// only, and neither L nor any node reading it sits in a recurrence (derived quantities may
    /// read L: they are not differentiated). A GP's marginal likelihood is the common case.
    ///
    /// For these the back ends take the terms' adjoint straight to the covariance K instead of
    /// through L̄ and Murray's (2016) rule: with R rows y_r, w_r = K⁻¹(y_r − μ),
    ///
    ///     ∂/∂K Σ_r log N(y_r | μ, K) = ½ Σ_r w_r w_rᵀ − (R/2) K⁻¹,   K⁻¹ = L⁻ᵀ L⁻¹
    ///
    /// (Rasmussen & Williams 2006, eq. 5.9, in the symmetric form Murray's rule gives too). L⁻¹
    /// and K⁻¹ cost n³/3 multiply-adds where Murray's rule costs about 7n³/6 (Φ(LᵀL̄), then two
    /// triangular solves with n right-hand sides), and L needs no n×n adjoint.
    public var covarianceOnlyCholeskyFactors: Set<Int> {
        let nodes = graph.nodes
        let needed = loops.needed(graph.terms.map(\.node), in: graph)
        let terms = Set(graph.terms.filter { $0.plate == nil }.map(\.node))
        var factors = Set<Int>()
        for (l, node) in nodes.enumerated() where node.op == .cholesky && needed[l] && loops.enclosing[l] == nil {
            var onlyAsFactor = true
            for (k, reader) in nodes.enumerated() where reader.args.contains(l) || reader.update == l {
                if loops.enclosing[k] != nil || reader.update == l { onlyAsFactor = false; break }
                guard needed[k] else { continue }
                let asFactor = terms.contains(k) && reader.distribution == .multiNormalCholesky && reader.args.count == 3
                    && reader.args[2] == l && reader.args[0] != l && reader.args[1] != l
                if !asFactor { onlyAsFactor = false; break }
            }
            if onlyAsFactor { factors.insert(l) }
        }
        return factors
    }
}
