/// Inlining of user-defined functions (the functions block).
///
/// A call `f(a, b)` is lowered by substituting the argument expressions for the function's
/// parameters in its body, renaming the body's locals (`mu` becomes `mu__inline3`), lowering the
/// body's statements in place, and lowering the final `return e;` as the call's value. Because
/// the arguments are substituted as expressions, `foo_lpdf(y[n] | mu[n])` inside `for (n in 1:N)`
/// vectorises exactly as the body written out would. `_lp` functions add to `target` where they
/// are called; `y ~ foo(…)` calls `foo_lpdf(y | …)` (or `_lpmf`).
///
/// Not supported: recursion (refused), a return anywhere but as the body's last statement, and
/// user functions in transformed data.
extension Lowering {
    /// The user function a call or `~` names: `foo_lupdf` is `foo_lpdf`; `~ foo` is `foo_lpdf` or `foo_lpmf`.
    func userFunction(_ name: String, tilde: Bool = false) -> FunctionDefinition? {
        if tilde { return program.functions[name + "_lpdf"] ?? program.functions[name + "_lpmf"] }
        if let f = program.functions[name] { return f }
        if name.hasSuffix("_lupdf") { return program.functions[String(name.dropLast(6)) + "_lpdf"] }
        if name.hasSuffix("_lupmf") { return program.functions[String(name.dropLast(6)) + "_lpmf"] }
        return nil
    }

    /// Lowers a call to `f`: nil for a void function.
    func inlineCall(_ f: FunctionDefinition, _ args: [Expression], at l: StanSourceLocation) throws -> Value? {
        guard args.count == f.parameters.count else {
            throw fail("the function '\(f.name)' takes \(f.parameters.count) argument\(f.parameters.count == 1 ? "" : "s"), got \(args.count)", l)
        }
        if inlining.contains(f.name) {
            throw fail("the function '\(f.name)' calls itself (\((inlining + [f.name]).joined(separator: " → "))); recursive functions are not supported", l)
        }
        if f.name.hasSuffix("_lp"), block != .model, block != .transformedParameters {
            throw fail("the function '\(f.name)' (an _lp function) can only be called in the model or transformed parameters block", l)
        }
        inlineCount += 1
        let id = inlineCount
        scope.push()
        defer { scope.pop() }
        var names: [String: Expression] = [:]
        for (p, a) in zip(f.parameters, args) {
            guard callsUserFunction(a) else { names[p] = a; continue }
            // An argument that calls a user function (`f(A, f(B, x))`) is lowered here, at the call
            // site, and passed as a local: substituted into the body, it would be lowered inside
            // f's own inlining and read as recursion.
            let v = try expression(a)
            let local = "\(p)__argument\(id)"
            scope.declare(Symbol(name: local, type: v.type, kind: .local, value: v, location: a.location, insidePlate: v.plated))
            names[p] = .variable(local, a.location)
        }
        for n in FunctionBody.declaredNames(f.body) where names[n] == nil {
            names[n] = .variable("\(n)__inline\(id)", f.location)
        }
        let body = f.body.map { FunctionBody.substitute($0, names) }
        inlineSites.append((f.name, l))
        defer { inlineSites.removeLast() }
        for (k, s) in body.enumerated() {
            if case .returnStatement(let e, let rl) = s {
                guard k == body.count - 1 else { throw fail("in '\(f.name)', statements after return are never run; remove them", rl) }
                guard let e else {
                    guard f.returnsVoid else { throw fail("the function '\(f.name)' must return a value of type \(f.returnType)", rl) }
                    return nil
                }
                guard !f.returnsVoid else { throw fail("the void function '\(f.name)' cannot return a value", rl) }
                return try expression(e)
            }
            if FunctionBody.containsReturn(s) {
                throw fail("in '\(f.name)', return is only supported as the last statement of the body (not inside if or for); compute the value in a local variable and return it at the end", s.location)
            }
            try statement(s)
        }
        guard f.returnsVoid else { throw fail("the function '\(f.name)' ends without returning a value", f.location) }
        return nil
    }

    /// Whether `e` calls a user-defined function.
    func callsUserFunction(_ e: Expression) -> Bool {
        var found = false
        _ = e.rewritten { x in
            if case .call(let name, _, _, _) = x, userFunction(name) != nil { found = true }
            return nil
        }
        return found
    }
}

/// Syntactic helpers over a function body.
enum FunctionBody {
    /// Every name the body declares (locals and loop variables).
    static func declaredNames(_ body: [Statement]) -> Set<String> {
        var out: Set<String> = []
        func walk(_ s: Statement) {
            switch s {
            case .declaration(let d): out.insert(d.name)
            case .forLoop(let v, _, _, let b, _): out.insert(v); walk(b)
            case .whileLoop(_, let b, _): walk(b)
            case .ifElse(_, let a, let b, _): walk(a); if let b { walk(b) }
            case .block(let xs, _): xs.forEach(walk)
            default: break
            }
        }
        body.forEach(walk)
        return out
    }

    static func containsReturn(_ s: Statement) -> Bool {
        s.contains { if case .returnStatement = $0 { return true } else { return false } }
    }

    /// `s` with every variable in `names` replaced (a renamed local is a `.variable`).
    static func substitute(_ s: Statement, _ names: [String: Expression]) -> Statement {
        func rename(_ n: String) -> String {
            if case .variable(let m, _)? = names[n] { return m }
            return n
        }
        return s.rewritten({ replacement($0, names) }, target: { t, idx, _ in (rename(t), idx) }, name: rename)
    }

    static func substitute(_ x: Expression, _ names: [String: Expression]) -> Expression {
        x.rewritten { replacement($0, names) }
    }

    static func substitute(_ i: IndexArgument, _ names: [String: Expression]) -> IndexArgument {
        i.rewritten { replacement($0, names) }
    }

    private static func replacement(_ x: Expression, _ names: [String: Expression]) -> Expression? {
        if case .variable(let n, _) = x { return names[n] }
        return nil
    }
}
