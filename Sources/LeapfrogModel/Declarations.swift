/// A parameter: a name, a shape (rank 0, 1 or 2) and a support.
public struct ParameterDeclaration: Hashable, Sendable, Codable {
    public var name: String
    public var shape: [Dim]
    public var constraint: Constraint

    public init(name: String, shape: [Dim] = [], constraint: Constraint = .none) {
        self.name = name
        self.shape = shape
        self.constraint = constraint
    }

    enum CodingKeys: String, CodingKey { case name, shape, constraint }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        shape = try c.decodeIfPresent([Dim].self, forKey: .shape) ?? []
        constraint = try c.decodeIfPresent(Constraint.self, forKey: .constraint) ?? .none
    }
}

/// A data variable the model reads: real or integer, with a declared shape and, optionally, the
/// range its values must lie in (`DataBounds`). JSON: `name`, `shape`, `integer`, `optional`, and
/// `lower`, `upper`, `strict` when bounded (see docs/model-format.md).
public struct DataDeclaration: Hashable, Sendable, Codable {
    public var name: String
    public var shape: [Dim]
    public var integer: Bool
    /// Optional data (a prediction grid, say): when absent, the derived quantities that read it are skipped.
    public var optional: Bool
    /// The values the model accepts, checked at binding.
    public var bounds: DataBounds

    public init(name: String, shape: [Dim] = [], integer: Bool = false, optional: Bool = false, bounds: DataBounds = .none) {
        self.name = name
        self.shape = shape
        self.integer = integer
        self.optional = optional
        self.bounds = bounds
    }

    enum CodingKeys: String, CodingKey { case name, shape, integer, optional, lower, upper, strict }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        shape = try c.decodeIfPresent([Dim].self, forKey: .shape) ?? []
        integer = try c.decodeIfPresent(Bool.self, forKey: .integer) ?? false
        optional = try c.decodeIfPresent(Bool.self, forKey: .optional) ?? false
        bounds = DataBounds(lower: try c.decodeIfPresent(DataLimit.self, forKey: .lower),
                            upper: try c.decodeIfPresent(DataLimit.self, forKey: .upper),
                            strict: try c.decodeIfPresent(Bool.self, forKey: .strict) ?? false)
    }

    /// Bounds are written only when present, so unbounded declarations read as before.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(shape, forKey: .shape)
        try c.encode(integer, forKey: .integer)
        try c.encode(optional, forKey: .optional)
        try c.encodeIfPresent(bounds.lower, forKey: .lower)
        try c.encodeIfPresent(bounds.upper, forKey: .upper)
        if bounds.strict { try c.encode(true, forKey: .strict) }
    }
}

/// One contribution to the log density: a scalar node, optionally marked as a plate over rows.
///
/// A plate term is a sum over `rows` of contributions that are independent across rows: every
/// data variable whose first declared extent is the plate's `rows` symbol is read one row at a
/// time, and every other input is shared by all rows. A back end may stream over rows instead of
/// materialising row × unit intermediates; the CPU reference evaluates the term whole.
public struct Term: Hashable, Sendable, Codable {
    public var node: Int
    public var plate: Dim?

    public init(node: Int, plate: Dim? = nil) {
        self.node = node
        self.plate = plate
    }
}

/// A deterministic quantity recorded with the draws (eight schools' `theta`, a GP's predictive mean).
public struct DerivedQuantity: Hashable, Sendable, Codable {
    public var name: String
    public var node: Int

    public init(name: String, node: Int) {
        self.name = name
        self.node = node
    }
}
