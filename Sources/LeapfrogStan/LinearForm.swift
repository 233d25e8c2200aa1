/// An integer expression as Σ cᵢ·xᵢ + k: variables with integer coefficients and a constant, for
/// expressions of `+`, `-` (binary and unary), integer literals and variables — what an index
/// shifted by a data-dependent start reduces to (`(v + (C + 1) - 1) - C` is v). Terms whose
/// coefficients cancel are dropped.
struct LinearForm: Equatable {
    var terms: [String: Int] = [:]
    var constant = 0

    /// nil for an expression of any other form (a product, a call, an index).
    init?(_ e: Expression) {
        switch e {
        case .integer(let k, _):
            constant = k
        case .variable(let n, _):
            terms = [n: 1]
        case .unary("-", let a, _):
            guard let f = LinearForm(a) else { return nil }
            self = f.scaled(-1)
        case .unary("+", let a, _):
            guard let f = LinearForm(a) else { return nil }
            self = f
        case .binary(let op, let a, let b, _) where op == "+" || op == "-":
            guard let x = LinearForm(a), let y = LinearForm(b) else { return nil }
            self = x.adding(op == "+" ? y : y.scaled(-1))
        default:
            return nil
        }
    }

    private init(terms: [String: Int], constant: Int) {
        self.terms = terms.filter { $0.value != 0 }
        self.constant = constant
    }

    func scaled(_ c: Int) -> LinearForm {
        LinearForm(terms: terms.mapValues { $0 * c }, constant: constant * c)
    }

    func adding(_ other: LinearForm) -> LinearForm {
        LinearForm(terms: terms.merging(other.terms, uniquingKeysWith: +), constant: constant + other.constant)
    }
}
