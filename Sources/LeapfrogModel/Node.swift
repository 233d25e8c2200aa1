/// One node of the graph: an operation on earlier nodes.
///
/// JSON form: `{"op": "matmul", "args": [3, 4]}`; leaves carry `name` (parameter, data) or
/// `value` (constant); `log_density` carries `distribution`.
public struct Node: Hashable, Sendable, Codable {
    public var op: Operation
    public var args: [Int]
    public var name: String?
    public var value: Double?
    public var distribution: Distribution?

    public init(op: Operation, args: [Int] = [], name: String? = nil, value: Double? = nil, distribution: Distribution? = nil) {
        self.op = op
        self.args = args
        self.name = name
        self.value = value
        self.distribution = distribution
    }

    enum CodingKeys: String, CodingKey { case op, args, name, value, distribution }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        op = try c.decode(Operation.self, forKey: .op)
        args = try c.decodeIfPresent([Int].self, forKey: .args) ?? []
        name = try c.decodeIfPresent(String.self, forKey: .name)
        value = try c.decodeIfPresent(Double.self, forKey: .value)
        distribution = try c.decodeIfPresent(Distribution.self, forKey: .distribution)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(op, forKey: .op)
        if !args.isEmpty { try c.encode(args, forKey: .args) }
        try c.encodeIfPresent(name, forKey: .name)
        try c.encodeIfPresent(value, forKey: .value)
        try c.encodeIfPresent(distribution, forKey: .distribution)
    }
}
