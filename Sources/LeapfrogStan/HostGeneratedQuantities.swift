import LeapfrogCore
import LeapfrogData
import LeapfrogModel

/// A Stan program's generated quantities run by `HostInterpreter` once per chain and draw, for
/// programs whose generated quantities the model graph cannot express: control flow on
/// parameters (`if (logp > best_logp[t, k])`), argmax-style writes into parts of arrays
/// (`back_ptr[t, k] = j`), integer arrays indexed by computed integers
/// (`back_ptr[N - t + 1, z_star[N - t + 1]]`): Viterbi decoding in posteriordb's HMMs.
///
/// They need no gradient, so they are computed on the host from the values the back end that
/// sampled has recorded (constrained parameters and transformed parameters), whichever back end
/// that is; the numbers are the same on every back end. Cost: one interpretation of the block per
/// chain and draw (chains in parallel over the cores), dictionary look-ups and small array
/// allocations per statement: posteriordb's hmm_drive_0 Viterbi (N = 416 steps, K = 2 states,
/// ≈ 3 300 inner-loop bodies) took ≈ 13 ms per chain and draw in a release build, 81 % of the
/// run's CPU time (docs/stan.md). A type error the graph's lowering would have caught surfaces at
/// the first draw, with its line.
///
/// Blocks with `_rng` calls (posterior predictive draws, `y_rep[n] = normal_rng(mu[n], sigma)`)
/// run here too: each chain and draw reads its own Philox stream, keyed by (seed, global chain,
/// retained draw) (`HostRandom`, `DrawKey`), in call order, so the draws are reproducible and
/// the same whichever thread or back end computes them.
struct HostGeneratedQuantities: HostQuantities {
    let statements: [Statement]
    /// Data and transformed data (with their integer flags).
    let data: [String: DataArray]
    let diagnostics: Diagnostics
    let variables: [(name: String, shape: [Int])]
    /// The program's user-defined functions (the block may call them).
    let functions: [String: FunctionDefinition]

    /// Binds the block to prepared data: the top-level declarations' sizes are evaluated here.
    init(_ statements: [Statement], data: [String: DataArray], diagnostics: Diagnostics,
         functions: [String: FunctionDefinition] = [:]) throws {
        self.statements = statements
        self.data = data
        self.diagnostics = diagnostics
        self.functions = functions
        let interpreter = HostInterpreter(env: data, diagnostics: diagnostics, functions: functions)
        var variables: [(name: String, shape: [Int])] = []
        for case .declaration(let d) in statements {
            let shape = try d.sizes.map { try interpreter.intScalar($0, what: "a size") }
            if let bad = shape.firstIndex(where: { $0 < 0 }) { throw diagnostics.error("size \(shape[bad]) of '\(d.name)' is negative", at: d.sizes[bad].location) }
            variables.append((d.name, shape))
        }
        self.variables = variables
    }

    func values(recorded: [Double], layout: [(name: String, shape: [Int])], key: DrawKey) throws -> [Double] {
        var env = data
        var offset = 0
        for (name, shape) in layout {
            let n = shape.reduce(1, *)
            env[name] = DataArray(shape: shape, values: Array(recorded[offset..<(offset + n)]))
            offset += n
        }
        var interpreter = HostInterpreter(env: env, diagnostics: diagnostics, random: HostRandom(key), functions: functions)
        try interpreter.run(statements)
        var out: [Double] = []
        for (name, _) in variables { out += interpreter.env[name]!.values }
        return out
    }
}
