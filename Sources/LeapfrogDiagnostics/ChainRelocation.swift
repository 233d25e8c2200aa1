import LeapfrogCore

/// A chain moved during warmup because it was stuck where the posterior holds no mass worth the
/// name (`StrayChainRelocation` in LeapfrogSampling; summary.json's `relocated_chains`).
public struct ChainRelocation: Sendable, Hashable, Codable {
    /// The chain moved and the chain whose position it took (numbers from 0).
    public var chain: Int
    public var donor: Int
    /// The last iteration (0-based) of the warmup window whose draws judged it.
    public var iteration: Int
    /// The typical chain's mean log density over the window minus this chain's.
    public var logDensityGap: Double
    /// The typical chain's estimated log mass minus this chain's (+∞ for a chain that did not
    /// move in the window).
    public var logMassGap: Double

    public init(chain: Int, donor: Int, iteration: Int, logDensityGap: Double, logMassGap: Double) {
        self.chain = chain
        self.donor = donor
        self.iteration = iteration
        self.logDensityGap = logDensityGap
        self.logMassGap = logMassGap
    }

    enum CodingKeys: String, CodingKey {
        case chain, donor, iteration, logDensityGap = "log_density_gap", logMassGap = "log_mass_gap"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        chain = try c.decode(Int.self, forKey: .chain)
        donor = try c.decode(Int.self, forKey: .donor)
        iteration = try c.decode(Int.self, forKey: .iteration)
        logDensityGap = try c.decodeIfPresent(Double.self, forKey: .logDensityGap) ?? .infinity
        logMassGap = try c.decodeIfPresent(Double.self, forKey: .logMassGap) ?? .infinity
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(chain, forKey: .chain)
        try c.encode(donor, forKey: .donor)
        try c.encode(iteration, forKey: .iteration)
        try c.encodeFiniteOrNull(logDensityGap, forKey: .logDensityGap)
        try c.encodeFiniteOrNull(logMassGap, forKey: .logMassGap)
    }

    /// One line for the run's log.
    public var description: String {
        func f(_ x: Double) -> String { x.isFinite ? NumberFormat.significant(x, digits: 3) : "∞" }
        return "chain \(chain) moved to chain \(donor)'s position after warmup iteration \(iteration + 1): its log density "
            + "lay \(f(logDensityGap)) below the typical chain's and its region's estimated mass e^−\(f(logMassGap)) of it"
    }
}
