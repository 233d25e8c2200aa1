import LeapfrogModel

/// `y ~ ordered_logistic(eta, c)`: an ordered outcome y ∈ 1…K with cutpoints c₁ < … < c_{K−1}
/// (Stan Functions Reference, "Ordered logistic distribution"):
///
///     P(y = 1) = 1 − σ(η − c₁),  P(y = k) = σ(η − c_{k−1}) − σ(η − c_k),  P(y = K) = σ(η − c_{K−1}).
///
/// Written in the graph's operations, so the CPU reference and the kernels need nothing of their
/// own. With b = η − c (a row per outcome, a column per cutpoint) and a = η − c shifted one
/// cutpoint (aⱼ = η − c_{j−1}), the log probabilities of the categories j ≤ K − 1 are
///
///     M₁ = log σ(c₁ − η),  Mⱼ = log σ(aⱼ) − log(1 + e^(bⱼ)) + log(1 − e^(bⱼ − aⱼ))   (j ≥ 2),
///
/// from σ(a) − σ(b) = σ(a)(1 − e^(b − a)) / (1 + e^b); bⱼ − aⱼ = c_{j−1} − c_j does not depend
/// on η, so every term stays finite however far η lies from the cutpoints (the first column's a is
/// a placeholder c₁ − 1, masked out), and of K, T = log σ(b_{K−1}). The data choose:
/// Σₙ Σⱼ Y[n, j] M[n, j] + Σₙ Y_K[n] T[n] with Y, Y_K the outcome's categories as 0/1 data
/// (`SyntheticData.categories`): with every M finite no 0 · (−∞) arises, and the graph does not
/// grow with K.
///
/// `ordered_probit(eta, c)` is the same with Φ for σ: M₁ = log Φ(c₁ − η), T = log Φ(b_{K−1}) and
/// Mⱼ = log(Φ(aⱼ) − Φ(bⱼ)), which has no identity like σ's: it is computed on the side where it
/// is accurate, log Φ(aⱼ) + log(1 − e^(log Φ(bⱼ) − log Φ(aⱼ))) below the mode and, where bⱼ > 0 (both
/// in the upper tail, Φ ≈ 1), the same with Φ(−bⱼ) − Φ(−aⱼ); the graph's `select` takes one per
/// element (its derivative the side taken's).
extension Lowering {
    func orderedLogistic(_ name: String, _ outcome: Value, _ eta: Value, _ cutpoints: Value, at l: StanSourceLocation,
                         outcomeLocation: StanSourceLocation) throws -> Value {
        guard cutpoints.type.rank == 1, cutpoints.type.arrayRank == 0, !cutpoints.plated, let m = cutpoints.type.sizes[0] else {
            throw fail("the cutpoints of \(name) must be a vector (declare them ordered), got \(cutpoints.type)", l)
        }
        guard let source = outcome.dataName, outcome.dataOnly, outcome.type.isInteger, !outcome.columns else {
            throw fail("the outcome of \(name) must be integer data (categories 1…K)", outcomeLocation)
        }
        guard outcome.type.rank <= 1, eta.type.rank <= 1, !eta.columns else {
            throw fail("\(name) takes an outcome and a location per row (an array and a vector, or one of each per row)", l)
        }
        let rowsOfOutcome: Dim? = outcome.plated ? plate : (outcome.type.rank == 1 ? outcome.type.sizes[0] : nil)
        let rowsOfEta: Dim? = eta.plated ? plate : (eta.type.rank == 1 ? eta.type.sizes[0] : nil)
        if let r = rowsOfEta, differ(r, rowsOfOutcome) {
            throw fail("size mismatch in \(name): \(StanType.text(rowsOfOutcome)) outcomes and \(StanType.text(r)) locations", l)
        }
        let c = materialize(cutpoints)
        let first = pattern(.firstMask, [m])
        // η as a column against the cutpoints: [rows, K − 1] (or [K − 1] for one location).
        let etaNode = materialize(eta)
        let etaColumns: Expr = rowsOfEta != nil ? etaNode.column() * fill(1, [m]) : etaNode
        let b = etaColumns - c
        let previous = c.matmul(pattern(.superdiagonal, [m, m])) + first * ((c * first).sum() - 1.0)
        let a = etaColumns - previous
        let middle: Expr, lowest: Expr, highest: Expr
        if name == "ordered_probit" {
            let below = FormulaDensities.logDiffExp(a.logPhi(), b.logPhi())
            let above = FormulaDensities.logDiffExp((-b).logPhi(), (-a).logPhi())
            middle = builder.select(b, above, below, inclusive: false)
            lowest = (-b).logPhi()
            highest = b.matmul(pattern(.lastMask, [m])).logPhi()
        } else {
            middle = a.logInvLogit() - b.log1pExp() + FormulaDensities.log1mExp(b - a)
            lowest = (-b).logInvLogit()
            highest = b.matmul(pattern(.lastMask, [m])).logInvLogit()
        }
        let categories = first * lowest + (1.0 - first) * middle
        let shape: [Dim] = rowsOfOutcome.map { [$0] } ?? [.fixed(1)]
        let low = syntheticName("categories", key: "categories:\(source):\(m):low") { .categories(name: $0, source: source, cutpoints: m, top: false) }
        let top = syntheticName("categories", key: "categories:\(source):\(m):top") { .categories(name: $0, source: source, cutpoints: m, top: true) }
        let (below, atTop) = ((builder.data(low, shape + [m]) * categories).sum(), (builder.data(top, shape) * highest).sum())
        var v = summed(below + atTop, of: [outcome, eta, cutpoints])
        if v.summedOverPlate {
            // In a vectorised loop, two terms, each one sum over the rows (what a device kernel streams).
            v.plateParts = [PlatePart(node: below, perRow: true), PlatePart(node: atTop, perRow: true)]
        }
        return v
    }
}
