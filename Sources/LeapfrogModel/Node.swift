import LeapfrogCore
/// One node of the graph: an operation on earlier nodes.
///
/// JSON form: `{"op": "matmul", "args": [3, 4]}`; leaves carry `name` (parameter, data) or
/// `value` (constant); `log_density` carries `distribution`; the recurrence nodes carry `range`
/// and `body` (`loop`), `update` (`carry`), `coefficients` and `value` (`at`).
public struct Node: Hashable, Sendable, Codable {
    public var op: Operation
    public var args: [Int]
    /// A leaf's variable; on a `loop` its step variable and on an `at` the access (`y[t - 1]
    /// (line 12)`), for messages.
    public var name: String?
    public var value: Double?
    public var distribution: Distribution?
    /// `loop`: the first and last step, [from, to] (1-based, inclusive; no steps when to < from).
    public var range: [Dim]?
    /// `loop`: how many nodes after it form its region (the body run once per step).
    public var body: Int?
    /// `carry`: the node whose value at step t is the carry's value at step t + 1.
    public var update: Int?
    /// `at`: the coefficient of each loop argument's step in the row index (`value` is the offset).
    public var coefficients: [Int]?

    public init(op: Operation, args: [Int] = [], name: String? = nil, value: Double? = nil, distribution: Distribution? = nil,
                range: [Dim]? = nil, body: Int? = nil, update: Int? = nil, coefficients: [Int]? = nil) {
        self.op = op
        self.args = args
        self.name = name
        self.value = value
        self.distribution = distribution
        self.range = range
        self.body = body
        self.update = update
        self.coefficients = coefficients
    }

    enum CodingKeys: String, CodingKey { case op, args, name, value, distribution, range, body, update, coefficients }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        op = try c.decode(Operation.self, forKey: .op)
        // Read as numbers so that a fraction is named (decoded as integers, 8.5 reads as "not valid JSON").
        let numbers = try c.decodeIfPresent([Double].self, forKey: .args) ?? []
        if let bad = numbers.firstIndex(where: { $0 != $0.rounded() || $0.magnitude > 1e15 }) {
            let index = decoder.codingPath.last?.intValue.map { "node \($0) " } ?? ""
            throw LeapfrogError(.model, "\(index)(\(op.rawValue)): argument \(bad + 1) is \(numbers[bad]), not a node index")
        }
        args = numbers.map { Int($0) }
        name = try c.decodeIfPresent(String.self, forKey: .name)
        value = try c.decodeIfPresent(Double.self, forKey: .value)
        distribution = try c.decodeIfPresent(Distribution.self, forKey: .distribution)
        range = try c.decodeIfPresent([Dim].self, forKey: .range)
        body = try c.decodeIfPresent(Int.self, forKey: .body)
        update = try c.decodeIfPresent(Int.self, forKey: .update)
        coefficients = try c.decodeIfPresent([Int].self, forKey: .coefficients)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(op, forKey: .op)
        if !args.isEmpty { try c.encode(args, forKey: .args) }
        try c.encodeIfPresent(name, forKey: .name)
        try c.encodeIfPresent(value, forKey: .value)
        try c.encodeIfPresent(distribution, forKey: .distribution)
        try c.encodeIfPresent(range, forKey: .range)
        try c.encodeIfPresent(body, forKey: .body)
        try c.encodeIfPresent(update, forKey: .update)
        try c.encodeIfPresent(coefficients, forKey: .coefficients)
    }
}
