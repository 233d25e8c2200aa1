import LeapfrogCore

/// What a draw writer writes: the model's variables with their shapes, the number of chains and
/// the number of draws planned.
///
/// Every draw arrives as one flat vector per chain (`ChainBatch`, or `[[Double]]` indexed
/// `[chain][flat]`) holding the variables in `variables` order, each flattened **row-major**
/// (last index fastest, as NumPy and ArviZ store arrays). `W1` of shape `[3, 5]` occupies 15
/// consecutive slots: `W1[1,1], W1[1,2], …, W1[1,5], W1[2,1], …`.
///
/// Names of single elements use Stan's 1-based conventions: `theta[3]` and `W1[2,5]`
/// (`bracketNames`, what the readers return); Stan CSV headers use `theta.3` and `W1.2.5` in
/// column-major order (see `StanCSVWriter`).
public struct DrawSchema: Sendable, Hashable {
    /// A model variable: a name and a shape (`[]` for a scalar).
    public struct Variable: Sendable, Hashable {
        public var name: String
        public var shape: [Int]

        public init(_ name: String, _ shape: [Int] = []) {
            self.name = name
            self.shape = shape
        }

        /// The number of scalar elements (1 for a scalar).
        public var count: Int { shape.reduce(1, *) }

        /// 1-based Stan-style indices of every element in row-major order:
        /// `[[1,1], [1,2], …]`; `[[]]` for a scalar.
        public var rowMajorIndices: [[Int]] {
            var result: [[Int]] = [[]]
            for extent in shape {
                result = result.flatMap { prefix in (0..<extent).map { prefix + [$0 + 1] } }
            }
            return result
        }

        /// `name`, `name[3]` or `name[2,5]` for the element with 1-based `index`.
        public func bracketName(_ index: [Int]) -> String {
            index.isEmpty ? name : name + "[" + index.map(String.init).joined(separator: ",") + "]"
        }

        /// `name`, `name.3` or `name.2.5`, as Stan CSV headers name elements.
        public func dotName(_ index: [Int]) -> String {
            ([name] + index.map(String.init)).joined(separator: ".")
        }

        /// Row-major offset of the element with 1-based `index`.
        func rowMajorOffset(_ index: [Int]) -> Int {
            var offset = 0
            for (i, extent) in zip(index, shape) { offset = offset * extent + (i - 1) }
            return offset
        }
    }

    public var variables: [Variable]
    public var chains: Int
    /// Draws the run means to write after warmup (sizes chunks and the CSV header); writers
    /// accept fewer (an interrupted run) or more.
    public var plannedDraws: Int

    public init(variables: [Variable], chains: Int, plannedDraws: Int) {
        self.variables = variables
        self.chains = chains
        self.plannedDraws = plannedDraws
    }

    /// Length of one chain's flat vector: the sum of the variables' element counts.
    public var flatCount: Int { variables.reduce(0) { $0 + $1.count } }

    /// Start of each variable in the flat vector.
    public var offsets: [Int] {
        var result: [Int] = []
        var next = 0
        for v in variables {
            result.append(next)
            next += v.count
        }
        return result
    }

    /// Stan-style names of every flat slot, in flat (row-major) order: `theta[1]`, `W1[1,1]`, `W1[1,2]`, …
    public var bracketNames: [String] {
        variables.flatMap { v in v.rowMajorIndices.map(v.bracketName) }
    }

    /// Checks the schema itself: names are non-empty, unique, usable as netCDF names and Stan
    /// CSV columns (no `,`, `.`, `[`, `/`, whitespace, not ending in `__`, not `chain`, `draw`
    /// or another variable's `<name>_dim_<k>`), extents positive, at least one chain. `file`
    /// names the output in the message.
    func validate(for file: String) throws {
        if chains < 1 {
            throw LeapfrogError(.io, "cannot write '\(file)': the schema has \(chains) chains; at least 1 is needed")
        }
        if plannedDraws < 0 {
            throw LeapfrogError(.io, "cannot write '\(file)': plannedDraws is \(plannedDraws)")
        }
        var seen = Set<String>()
        // Names the files use besides the variables: the dimensions and their coordinates.
        let reserved = Set(["chain", "draw"] + variables.flatMap { v in v.shape.indices.map { "\(v.name)_dim_\($0)" } })
        for v in variables {
            let bad = v.name.unicodeScalars.contains { ",.[]/\\\"#".unicodeScalars.contains($0) || $0.properties.isWhitespace }
            if v.name.isEmpty || bad || v.name.hasSuffix("__") || reserved.contains(v.name) {
                throw LeapfrogError(.io, "cannot write '\(file)': variable name '\(v.name)' is not usable in output files (no spaces, ',', '.', '[', ']', '/', '#', quotes or trailing '__'; not 'chain', 'draw' or another variable's '<name>_dim_<k>')")
            }
            if !seen.insert(v.name).inserted {
                throw LeapfrogError(.io, "cannot write '\(file)': variable '\(v.name)' appears twice in the schema")
            }
            if let bad = v.shape.first(where: { $0 < 1 }) {
                throw LeapfrogError(.io, "cannot write '\(file)': variable '\(v.name)' has extent \(bad) in shape \(v.shape); extents must be at least 1")
            }
        }
    }
}
