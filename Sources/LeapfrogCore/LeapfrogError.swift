/// Errors a user can act on. Each message names the file, line, variable, node or device at fault.
public struct LeapfrogError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable {
        case data          // malformed or missing data, shape mismatch, non-finite values
        case model         // an ill-formed graph, unknown name, shape error
        case configuration // impossible option values
        case device        // OpenCL: no platform, build failure, out of memory
        case sampling      // initialisation failed, non-finite adapted metric
        case io            // files that cannot be read or written
    }
    public var kind: Kind
    public var message: String
    /// The model graph's node at fault, where there is one (a shape error found when the data are
    /// bound): a front end that knows where the node came from names that place
    /// (`ModelInstance.nodeSources`).
    public var node: Int?

    public init(_ kind: Kind, _ message: String, node: Int? = nil) {
        self.kind = kind
        self.message = message
        self.node = node
    }

    public var description: String { message }
}
