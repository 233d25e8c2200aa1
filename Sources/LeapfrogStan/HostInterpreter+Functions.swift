import LeapfrogCore
import LeapfrogData

/// User-defined functions on the host (transformed data, generated quantities run per draw):
/// a call binds the arguments' values to the parameters' names in a fresh interpreter that sees
/// nothing else (as in Stan, a function reads only its arguments), runs the body, and returns the
/// value of the first `return` reached, wherever it is (inside `if` or `for` too, unlike the
/// graph's inlining). `_rng` calls inside read the caller's stream. Recursion is allowed here as
/// in Stan; the graph's inlining refuses it.
extension HostInterpreter {
    func callUserFunction(_ f: FunctionDefinition, _ args: [DataArray], at l: StanSourceLocation) throws -> DataArray {
        guard args.count == f.parameters.count else {
            throw fail("\(f.name) takes \(f.parameters.count) argument\(f.parameters.count == 1 ? "" : "s"), got \(args.count)", l)
        }
        var inner = HostInterpreter(env: Dictionary(zip(f.parameters, args), uniquingKeysWith: { a, _ in a }),
                                    diagnostics: diagnostics, random: random, functions: functions)
        try inner.run(f.body)
        if f.returnsVoid { return .integer(0) }
        guard let value = inner.returned?.value else {
            throw fail("the function '\(f.name)' ended without returning a value", f.location)
        }
        // `real f(…)` returning an integer expression returns a real, as Stan promotes it.
        let integer = f.returnType.hasPrefix("int") || f.returnType.hasSuffix(" int")
        return DataArray(shape: value.shape, values: value.values, isInteger: integer && value.isInteger)
    }
}
