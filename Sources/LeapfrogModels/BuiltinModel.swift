import LeapfrogCore
import LeapfrogData
import LeapfrogModel

/// A model graph with the data it is bound to.
public struct ModelInstance: Sendable {
    public var graph: ModelGraph
    public var data: DataSet
    /// How features were standardised, when they were.
    public var standardization: Standardization?
    /// What a user should know about how the data were read, one line each: which CSV column
    /// became the target and which the features (`data.csv: target column 'b' (the last
    /// column), features 'a' (every other column, standardised)`). The CLI prints them.
    public var notes: [String]
    /// What the host computes per draw beyond the graph (a Stan program's generated quantities
    /// with control flow on parameters), if anything.
    public var hostQuantities: (any HostQuantities)?
    /// Where the graph's nodes came from, for messages: node index → `file:line:column` of the
    /// Stan statement that made it. Empty for models written as graphs.
    public var nodeSources: [Int: String]
    /// Turns named constrained parameter values (CmdStan's inits: `{"theta": [0.2, 0.8]}`) into
    /// the graph's parameters, where the model writes some transforms into its graph (a Stan
    /// program's `simplex`: `theta__free`). Nil where the graph's parameters are the model's own.
    public var parameterValues: (@Sendable (DataSet) throws -> DataSet)?

    public init(graph: ModelGraph, data: DataSet, standardization: Standardization? = nil, notes: [String] = [],
                hostQuantities: (any HostQuantities)? = nil, nodeSources: [Int: String] = [:]) {
        self.nodeSources = nodeSources
        self.graph = graph
        self.data = data
        self.standardization = standardization
        self.notes = notes
        self.hostQuantities = hostQuantities
    }
}

extension BoundModel {
    /// The instance's graph bound to its data, with its host quantities.
    /// An error at a node the instance knows the source of (a Stan statement) names that source
    /// instead of the node.
    public init(_ instance: ModelInstance) throws {
        do {
            try self.init(graph: instance.graph, data: instance.data)
        } catch let e as LeapfrogError {
            guard let node = e.node, let source = instance.nodeSources[node] else { throw e }
            // The statement says where; the graph's node number means nothing to its author.
            let message = e.message.replacing(#/node \d+ \((?<op>[^)]*)\): /#) { "\($0.op): " }
            throw LeapfrogError(e.kind, "\(source): \(message)", node: node)
        }
        hostQuantities = instance.hostQuantities
    }
}

/// Where a built-in model's data come from.
public enum DataSource: Sendable {
    /// The model's bundled data (see `BundledData`) or, for generated targets, none at all.
    case bundled
    /// A CSV table, turned into the model's variables by the model (target and feature columns).
    case table(CSVTable)
    /// CmdStan-style JSON data, already named as the model declares.
    case json(DataSet)

    /// Reads `path` by its extension: `.csv` or `.json`.
    public static func file(_ path: String) throws -> DataSource {
        if path.lowercased().hasSuffix(".csv") { return .table(try CSVTable.load(path: path)) }
        if path.lowercased().hasSuffix(".json") { return .json(try StanJSON.load(path: path)) }
        throw LeapfrogError(.data, "data file '\(path)': unknown format; use .csv (a header row, numeric cells) or .json (CmdStan data)")
    }
}

/// A model users pick by name (`leapfrog sample bnn`).
public struct BuiltinModel: Sendable {
    public let name: String
    public let summary: String
    /// Parameters, as a user reads them.
    public let parameters: String
    /// The data it needs, and what it does with a CSV file.
    public let dataHelp: String
    /// Options (`--model-option key=value`) with their meaning and default.
    public let options: [String: String]
    let make: @Sendable (ModelOptions, DataSource) throws -> ModelInstance

    /// The graph and its data, ready to bind.
    public func instantiate(options: ModelOptions = ModelOptions(), data: DataSource = .bundled) throws -> ModelInstance {
        try options.checkKeys(self.options, model: name)
        return try make(options, data)
    }
}
