/// One row of the posterior summary in `summary.json`, for one scalar element.
///
/// JSON keys follow ArviZ's `az.summary` columns where they exist (`mean`, `sd`,
/// `mcse_mean`, `mcse_sd`, `ess_bulk`, `ess_tail`, `r_hat`) plus the 5 %, 50 % and 95 %
/// quantiles (`q5`, `q50`, `q95`, as CmdStan's `stansummary` reports) and `nested_r_hat`
/// (present only when computed). Non-finite numbers are written as `null` and read back as NaN.
public struct ParameterSummaryRecord: Codable, Sendable, Hashable {
    /// Stan-style element name: `prec`, `theta[3]`, `W1[2,5]`.
    public var name: String
    public var mean: Double
    public var sd: Double
    public var q5: Double
    public var q50: Double
    public var q95: Double
    public var mcseMean: Double
    public var mcseSD: Double
    public var essBulk: Double
    public var essTail: Double
    public var rhat: Double
    public var nestedRhat: Double?

    public init(name: String, mean: Double, sd: Double, q5: Double, q50: Double, q95: Double, mcseMean: Double,
                mcseSD: Double, essBulk: Double, essTail: Double, rhat: Double, nestedRhat: Double? = nil) {
        self.name = name
        self.mean = mean
        self.sd = sd
        self.q5 = q5
        self.q50 = q50
        self.q95 = q95
        self.mcseMean = mcseMean
        self.mcseSD = mcseSD
        self.essBulk = essBulk
        self.essTail = essTail
        self.rhat = rhat
        self.nestedRhat = nestedRhat
    }

    enum CodingKeys: String, CodingKey {
        case name, mean, sd, q5, q50, q95
        case mcseMean = "mcse_mean", mcseSD = "mcse_sd", essBulk = "ess_bulk", essTail = "ess_tail"
        case rhat = "r_hat", nestedRhat = "nested_r_hat"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        mean = try c.decodeFiniteOrNaN(forKey: .mean)
        sd = try c.decodeFiniteOrNaN(forKey: .sd)
        q5 = try c.decodeFiniteOrNaN(forKey: .q5)
        q50 = try c.decodeFiniteOrNaN(forKey: .q50)
        q95 = try c.decodeFiniteOrNaN(forKey: .q95)
        mcseMean = try c.decodeFiniteOrNaN(forKey: .mcseMean)
        mcseSD = try c.decodeFiniteOrNaN(forKey: .mcseSD)
        essBulk = try c.decodeFiniteOrNaN(forKey: .essBulk)
        essTail = try c.decodeFiniteOrNaN(forKey: .essTail)
        rhat = try c.decodeFiniteOrNaN(forKey: .rhat)
        nestedRhat = c.contains(.nestedRhat) ? try c.decodeFiniteOrNaN(forKey: .nestedRhat) : nil
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeFiniteOrNull(mean, forKey: .mean)
        try c.encodeFiniteOrNull(sd, forKey: .sd)
        try c.encodeFiniteOrNull(q5, forKey: .q5)
        try c.encodeFiniteOrNull(q50, forKey: .q50)
        try c.encodeFiniteOrNull(q95, forKey: .q95)
        try c.encodeFiniteOrNull(mcseMean, forKey: .mcseMean)
        try c.encodeFiniteOrNull(mcseSD, forKey: .mcseSD)
        try c.encodeFiniteOrNull(essBulk, forKey: .essBulk)
        try c.encodeFiniteOrNull(essTail, forKey: .essTail)
        try c.encodeFiniteOrNull(rhat, forKey: .rhat)
        if let nestedRhat {
            if nestedRhat.isFinite { try c.encode(nestedRhat, forKey: .nestedRhat) } else { try c.encodeNil(forKey: .nestedRhat) }
        }
    }

    /// Bitwise comparison of the numbers, so records with NaN compare equal to themselves.
    public static func == (a: Self, b: Self) -> Bool {
        a.name == b.name && a.numbers.map(\.bitPattern) == b.numbers.map(\.bitPattern)
            && a.nestedRhat.map(\.bitPattern) == b.nestedRhat.map(\.bitPattern)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(numbers.map(\.bitPattern))
    }

    private var numbers: [Double] { [mean, sd, q5, q50, q95, mcseMean, mcseSD, essBulk, essTail, rhat] }
}

import LeapfrogDiagnostics

extension ParameterSummaryRecord {
    /// The record of a diagnostics summary, for `summary.json`.
    public init(_ s: ParameterSummary) {
        self.init(name: s.name, mean: s.mean, sd: s.sd, q5: s.q5, q50: s.q50, q95: s.q95, mcseMean: s.mcseMean,
                  mcseSD: s.mcseSd, essBulk: s.essBulk, essTail: s.essTail, rhat: s.rhat, nestedRhat: s.nestedRHat)
    }
}
