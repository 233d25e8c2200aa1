extension Lowering {
    /// Checks the transformed data block at compile time (it runs on the host when the model
    /// meets its data): every name is declared before use, only the host interpreter's functions
    /// are called, and data are never assigned. Declares its top-level variables.
    func checkTransformedData(_ statements: [Statement]) throws {
        try checkHostBlock(statements, .transformedData)
    }

    /// Checks a block that `HostInterpreter` runs: transformed data (once, when the model meets
    /// its data) or generated quantities that the graph cannot express (once per chain and draw,
    /// `HostGeneratedQuantities`). Generated quantities may read parameters and transformed
    /// parameters and assign only their own variables; `reject` is refused there.
    func checkHostBlock(_ statements: [Statement], _ block: Block) throws {
        let name = block.rawValue
        let topKind: Symbol.Kind = block == .generatedQuantities ? .generated : .transformedData
        var locals: [Set<String>] = [[]]
        // Inside a user-defined function's body only its parameters and locals are visible.
        var inFunction = false
        var checkedFunctions: Set<String> = []
        func isLocal(_ n: String) -> Bool { locals.contains { $0.contains(n) } }
        func known(_ n: String) -> Bool { isLocal(n) || (!inFunction && scope.lookup(n) != nil) }
        func check(_ e: Expression) throws {
            switch e {
            case .integer, .real, .string: break
            case .variable(let n, let l):
                guard known(n) else { throw fail("unknown identifier '\(n)'", l) }
                if block == .transformedData, !isLocal(n), let s = scope.lookup(n), case .parameter = s.kind {
                    throw fail("transformed data cannot read the parameter '\(n)'", l)
                }
            case .binary(_, let a, let b, _): try check(a); try check(b)
            case .unary(_, let a, _), .transpose(let a, _): try check(a)
            case .index(let a, let idx, _):
                try check(a)
                for i in idx {
                    switch i {
                    case .single(let x): try check(x)
                    case .all: break
                    case .range(let x, let y, _): if let x { try check(x) }; if let y { try check(y) }
                    }
                }
            case .call(let f, let args, _, let l):
                if let function = program.functions[f] {
                    for a in args { try check(a) }
                    // The library's own functions (`StanLibrary`) are known to run on the host.
                    if !function.library { try checkFunction(function) }
                    return
                }
                if HostInterpreter.odeSolverNames.contains(f), case .variable(let g, _)? = args.first, let function = program.functions[g] {
                    // The right-hand side is passed by name, not read as a value.
                    for a in args.dropFirst() { try check(a) }
                    try checkFunction(function)
                    return
                }
                if f.hasSuffix("_rng") {
                    guard block == .generatedQuantities || block == .transformedData else {
                        throw fail("random number generators (\(f)) are not supported in \(name) yet", l)
                    }
                    guard HostInterpreter.randomNames.contains(f) else {
                        throw fail("the random number generator '\(f)' is not supported yet; supported: \(HostInterpreter.randomNames.sorted().joined(separator: ", "))", l)
                    }
                    for a in args { try check(a) }
                    return
                }
                guard HostInterpreter.functionNames.contains(f) else {
                    throw fail("the function '\(f)' is not supported in \(name) yet", l)
                }
                for a in args { try check(a) }
            case .conditional(let c, let a, let b, _): try check(c); try check(a); try check(b)
            case .array(let xs, _), .rowVector(let xs, _): for x in xs { try check(x) }
            }
        }
        /// A function's body, checked once, with only its parameters visible (its calls to other
        /// functions are checked in turn).
        func checkFunction(_ f: FunctionDefinition) throws {
            guard checkedFunctions.insert(f.name).inserted else { return }
            if f.name.hasSuffix("_lp") { throw fail("the function '\(f.name)' (an _lp function) can only be called in the model block", f.location) }
            let (savedLocals, savedInFunction) = (locals, inFunction)
            defer { (locals, inFunction) = (savedLocals, savedInFunction) }
            locals = [Set(f.parameters)]
            inFunction = true
            for s in f.body { try walk(s, top: false) }
        }
        func walk(_ s: Statement, top: Bool) throws {
            switch s {
            case .declaration(let d):
                for e in d.sizes { try check(e) }
                if let e = d.bounds.lower { try check(e) }
                if let e = d.bounds.upper { try check(e) }
                if let e = d.initializer { try check(e) }
                if top { try declareGlobal(d, kind: topKind) } else {
                    if !inFunction { try checkFresh(d.name, d.location) }
                    locals[locals.count - 1].insert(d.name)
                }
            case .assignment(let target, let idx, _, let value, let l):
                guard known(target) else { throw fail("unknown identifier '\(target)'", l) }
                if !isLocal(target), let sym = scope.lookup(target) {
                    switch sym.kind {
                    case .data: throw fail("cannot assign to the data variable '\(target)'", l)
                    case .parameter, .transformedParameter: throw fail("cannot assign to '\(target)' in \(name)", l)
                    default: break
                    }
                }
                try check(value)
                for i in idx { if case .single(let x) = i { try check(x) } }
            case .tilde(_, _, _, let l), .targetIncrement(_, let l):
                throw fail("sampling statements and target += are only allowed in the model block", l)
            case .forLoop(let v, let lo, let hi, let body, let l):
                try check(lo); try check(hi)
                try checkFresh(v, l)
                locals.append([v])
                try walk(body, top: false)
                locals.removeLast()
            case .whileLoop(let c, let body, _):
                try check(c)
                locals.append([]); try walk(body, top: false); locals.removeLast()
            case .loopJump:
                break
            case .ifElse(let c, let a, let b, _):
                try check(c)
                locals.append([]); try walk(a, top: false); locals.removeLast()
                if let b { locals.append([]); try walk(b, top: false); locals.removeLast() }
            case .block(let body, _):
                locals.append([])
                for x in body { try walk(x, top: false) }
                locals.removeLast()
            case .print(let args, _):
                for a in args { try check(a) }
            case .reject(let args, let l):
                if block == .generatedQuantities {
                    throw fail("reject is not supported in the generated quantities block; check the condition in transformed data instead", l)
                }
                for a in args { try check(a) }
            case .returnStatement(let e, let l):
                guard inFunction else { throw fail("return is only allowed inside a function", l) }
                if let e { try check(e) }
            case .call(let e, _):
                try check(e)
            }
        }
        for s in statements { try walk(s, top: true) }
    }
}
