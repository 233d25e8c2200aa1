/// JSON has no NaN or infinity: `summary.json` writes non-finite numbers as `null` and reads
/// `null` back as NaN. Package-wide: `ParameterSummary` here and the run records in
/// LeapfrogOutput use them.
extension KeyedEncodingContainer {
    package mutating func encodeFiniteOrNull(_ value: Double, forKey key: Key) throws {
        if value.isFinite { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    package mutating func encodeFiniteOrNull(_ value: Double?, forKey key: Key) throws {
        if let value { try encodeFiniteOrNull(value, forKey: key) }
    }
}

extension KeyedDecodingContainer {
    package func decodeFiniteOrNaN(forKey key: Key) throws -> Double {
        try decodeIfPresent(Double.self, forKey: key) ?? .nan
    }
}
