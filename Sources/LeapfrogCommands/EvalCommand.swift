import ArgumentParser
import Leapfrog
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `leapfrog eval`: log density and gradient at given or random points, as JSON.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Print the log density and its gradient (unconstrained scale) at points, as JSON.",
        discussion: """
        Points come from --params files (JSON objects of named constrained values, as CmdStan's
        inits: {"mu": 1.5, "theta": [0.1, 0.2]}; matrices as arrays of rows) or are --chains random
        initial points, Uniform(-2, 2) on the unconstrained scale from --seed, as the samplers draw them.
        """)

    @OptionGroup var selection: ModelSelection
    @OptionGroup var backendSelection: BackendSelection

    @Option(name: .long, help: "JSON file of named constrained parameter values (repeatable: one point each).")
    var params: [String] = []

    @Option(parsing: .unconditional, help: "Number of random points when no --params are given.")
    var chains: Int = 1

    @Option(parsing: .unconditional, help: "Seed of the random points.")
    var seed: UInt64 = 1

    @Flag(help: "Print the model graph the model compiles to (JSON, docs/model-format.md: a Stan program's nodes, with the synthetic data variables it reads) instead of evaluating it.")
    var printGraph = false

    /// A value in CmdStan JSON's shape (a number, an array, an array of rows), so that a point's
    /// `constrained` values can be given back as `--params`.
    indirect enum Shaped: Encodable, Equatable {
        case number(Double)
        case array([Shaped])

        /// `values` (row-major) of `shape`.
        init(_ values: ArraySlice<Double>, shape: [Int]) {
            guard let n = shape.first else { self = .number(values.first ?? .nan); return }
            let width = shape.dropFirst().reduce(1, *)
            self = .array((0..<n).map { i in
                Shaped(values[(values.startIndex + i * width)..<(values.startIndex + (i + 1) * width)], shape: Array(shape.dropFirst()))
            })
        }

        func encode(to encoder: Encoder) throws {
            switch self {
            case .number(let x):
                var c = encoder.singleValueContainer()
                try c.encode(x)
            case .array(let xs):
                var c = encoder.unkeyedContainer()
                for x in xs { try c.encode(x) }
            }
        }
    }

    struct Output: Encodable {
        struct Point: Encodable {
            var unconstrained: [Double]
            var constrained: [String: Shaped]
            var log_density: Double
            var gradient: [Double]
        }
        var model: String
        var backend: String
        /// The precision that computed the points (OpenCL: f32 unless the check at these points
        /// switched to f64; see `PrecisionGuard`).
        var precision: String
        var dimension: Int
        var parameter_names: [String]
        var points: [Point]
    }

    func validate() throws {
        guard chains >= 1 else { throw ValidationError("--chains must be at least 1 (got \(chains))") }
    }

    func run() throws {
        if printGraph {
            print(try graphJSON())
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        print(String(decoding: try encoder.encode(try report()), as: UTF8.self))
    }

    /// What `run` prints with `--print-graph`: the graph the model compiles to, as JSON.
    func graphJSON() throws -> String {
        try selection.instantiate(seed: seed).graph.jsonString()
    }

    /// What `run` prints, as a value.
    func report() throws -> Output {
        let instance = try selection.instantiate(seed: seed)
        let bound = try BoundModel(instance)
        let backend = try backendSelection.make(instance)
        let layout = bound.layout

        var points: [[Double]] = []
        if params.isEmpty {
            let rng = PhiloxRandom(seed: seed)
            for c in 0..<chains {
                points.append(Initialisation.uniformPoint(random: rng, chain: c, dimension: layout.dimension))
            }
        } else {
            for path in params {
                if let reason = UnreadableFile.reason(path) {
                    throw LeapfrogError(.io, "cannot read --params file '\(path)': \(reason)")
                }
                let given = try StanJSON.load(path: path)
                let values = try instance.parameterValues?(given) ?? given
                points.append(try layout.unconstrain(values.variables.mapValues(\.values), shapes: values.variables.mapValues(\.shape),
                                                     source: path))
            }
        }
        let batch = ChainBatch(vectors: points)
        if let precisionGuard = backend.density as? PrecisionGuard {
            _ = try precisionGuard.checkPrecision(at: batch, stage: .initialisation)
        }
        let result = try backend.density.evaluate(batch)
        var out = Output(model: instance.graph.name, backend: backend.description, precision: backend.precision,
                         dimension: layout.dimension,
                         parameter_names: layout.elementNames, points: [])
        // A parameter whose transform the graph computes (a Stan `simplex theta`: `theta__free`) is
        // shown constrained, as `theta`, from the derived quantity the graph records.
        let transformed = bound.derived.filter { q in layout.entries.contains { $0.name == q.name + "__free" } }
        let reference = transformed.isEmpty ? nil : ReferenceModel(bound)
        for (k, u) in points.enumerated() {
            let x = layout.constrain(u)
            var named: [String: Shaped] = [:]
            for e in layout.entries { named[e.name] = Shaped(x[e.offset..<(e.offset + e.count)], shape: e.shape) }
            if let reference {
                let values = reference.derivedValues(u)
                var offset = 0
                for q in bound.derived {
                    let shape = bound.shapes[q.node]!
                    let count = shape.reduce(1, *)
                    if transformed.contains(where: { $0.name == q.name }) {
                        named[q.name + "__free"] = nil
                        named[q.name] = Shaped(values[offset..<(offset + count)], shape: shape)
                    }
                    offset += count
                }
            }
            out.points.append(.init(unconstrained: u, constrained: named, log_density: result.logDensity[k],
                                    gradient: result.gradient.vector(chain: k)))
        }
        return out
    }
}
