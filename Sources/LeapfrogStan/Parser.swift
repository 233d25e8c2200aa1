/// A recursive-descent parser for the supported subset of Stan.
struct Parser {
    private var tokens: [Token]
    private var p = 0
    private let diagnostics: Diagnostics
    /// Parsing a function body (where return is allowed).
    private var inFunction = false
    /// How many loops enclose the statement being parsed (break and continue need one).
    private var loopDepth = 0
    /// The enclosing for loops' variables (integers: `chainedTarget` merges indices built from them).
    private var loopVariables: [String] = []

    init(tokens: [Token], diagnostics: Diagnostics) {
        self.tokens = tokens
        self.diagnostics = diagnostics
    }

    /// Constrained types Stan has and this front end does not support yet.
    static let unsupportedTypes: Set<String> = [
        "complex", "complex_vector", "complex_row_vector", "complex_matrix", "tuple",
    ]
    static let baseTypes: [String: BaseType] = ["int": .int, "real": .real, "vector": .vector, "row_vector": .rowVector, "matrix": .matrix]

    // MARK: Program and blocks

    mutating func parseProgram() throws -> Program {
        var program = Program()
        let order = ["functions", "data", "transformed data", "parameters", "transformed parameters", "model", "generated quantities"]
        var last = -1
        while !atEnd {
            let start = current
            guard case .identifier(let word) = start.kind else { throw error("expected a block name (data, parameters, model, …), found '\(start.text)'") }
            p += 1
            var name = word
            if word == "transformed" || word == "generated" {
                guard case .identifier(let second) = current.kind else { throw error("expected a block name after '\(word)'") }
                p += 1
                name += " " + second
            }
            if let k = order.firstIndex(of: name) {
                if k == last { throw diagnostics.error("the \(name) block appears twice", at: start.location) }
                if k < last { throw diagnostics.error("the \(name) block must come before the \(order[last]) block", at: start.location) }
                last = k
            }
            switch name {
            case "functions": program.functions = try functionsBlock()
            case "data": program.data = try declarationsBlock(name)
            case "transformed data": program.transformedData = try statementsBlock()
            case "parameters": program.parameters = try declarationsBlock(name)
            case "transformed parameters": program.transformedParameters = try statementsBlock()
            case "model": program.model = try statementsBlock()
            case "generated quantities": program.generatedQuantities = try statementsBlock()
            default: throw diagnostics.error("unknown block '\(name)'; expected data, transformed data, parameters, transformed parameters, model or generated quantities", at: start.location)
            }
        }
        return program
    }

    /// Function definitions; forward declarations (`real f(real x);`) are skipped.
    private mutating func functionsBlock() throws -> [String: FunctionDefinition] {
        try expect("{")
        var out: [String: FunctionDefinition] = [:]
        while !current.isSymbol("}") {
            if atEnd { throw error("expected '}' before the end of the file") }
            let start = current
            let returnType = try functionType()
            guard case .identifier(let name) = current.kind else { throw error("expected a function name, found '\(current.text)'") }
            let nameLocation = current.location
            p += 1
            try expect("(")
            var parameters: [String] = []
            if !current.isSymbol(")") {
                repeat {
                    _ = try functionType()
                    guard case .identifier(let arg) = current.kind else { throw error("expected an argument name, found '\(current.text)'") }
                    p += 1
                    parameters.append(arg)
                } while try accept(",")
            }
            try expect(")")
            if try accept(";") { continue }
            guard current.isSymbol("{") else { throw error("expected '{' or ';' after the signature of '\(name)'") }
            if let old = out[name] {
                throw diagnostics.error("the function '\(name)' is defined twice (first at line \(old.location.line)); overloading is not supported", at: nameLocation)
            }
            inFunction = true
            defer { inFunction = false }
            let body = try statementsBlock()
            out[name] = FunctionDefinition(name: name, returnType: returnType, parameters: parameters, body: body, location: start.location)
        }
        try expect("}")
        return out
    }

    /// A function's return or argument type, as text: `data real`, `array[,] vector`, `real[]`, `void`.
    private mutating func functionType() throws -> String {
        var words: [String] = []
        if current.isIdentifier("data") { p += 1; words.append("data") }
        if current.isIdentifier("array") {
            p += 1
            try expect("[")
            var commas = 0
            while !current.isSymbol("]") {
                guard current.isSymbol(",") else { throw error("expected ',' or ']' in an unsized array type, found '\(current.text)'") }
                commas += 1; p += 1
            }
            p += 1
            words.append("array[\(String(repeating: ",", count: commas))]")
        }
        guard case .identifier(let t) = current.kind else { throw error("expected a type, found '\(current.text)'") }
        if t == "tuple" || t.hasPrefix("complex") { throw error("the type '\(t)' is not supported") }
        guard Parser.baseTypes[t] != nil || t == "void" else { throw error("expected a type (int, real, vector, row_vector, matrix, void), found '\(t)'") }
        p += 1
        words.append(t)
        if current.isSymbol("[") {  // old syntax: real[], real[,]
            p += 1
            while !current.isSymbol("]") {
                guard current.isSymbol(",") else { throw error("expected ',' or ']' in an unsized array type, found '\(current.text)'") }
                p += 1
            }
            p += 1
            words.append("[]")
        }
        return words.joined(separator: " ")
    }

    private mutating func declarationsBlock(_ name: String) throws -> [Declaration] {
        try expect("{")
        var out: [Declaration] = []
        while !current.isSymbol("}") {
            guard isDeclarationStart else { throw error("only variable declarations may appear in the \(name) block, found '\(current.text)'") }
            let d = try declaration()
            if d.initializer != nil { throw diagnostics.error("variables in the \(name) block cannot be assigned", at: d.location) }
            out.append(d)
        }
        try expect("}")
        return out
    }

    private mutating func statementsBlock() throws -> [Statement] {
        try expect("{")
        var out: [Statement] = []
        while !current.isSymbol("}") {
            if atEnd { throw error("expected '}' before the end of the file") }
            out.append(try statement())
        }
        try expect("}")
        return out
    }

    // MARK: Declarations

    private var isDeclarationStart: Bool {
        guard case .identifier(let w) = current.kind else { return false }
        return w == "array" || Parser.baseTypes[w] != nil || Parser.unsupportedTypes.contains(w) || ConstrainedType(rawValue: w) != nil
    }

    private mutating func declaration() throws -> Declaration {
        let typeLocation = current.location
        var arraySizes: [Expression] = []
        if current.isIdentifier("array") {
            p += 1
            try expect("[")
            arraySizes = try expressionList(until: "]")
        }
        guard case .identifier(let typeName) = current.kind else { throw error("expected a type, found '\(current.text)'") }
        if Parser.unsupportedTypes.contains(typeName) {
            throw error("the type '\(typeName)' is not supported")
        }
        let constrained = ConstrainedType(rawValue: typeName)
        guard let base = constrained?.base ?? Parser.baseTypes[typeName] else { throw error("expected a type, found '\(typeName)'") }
        p += 1
        var bounds = Bounds()
        if current.isSymbol("<") {
            if constrained != nil { throw error("\(typeName) takes no bounds") }
            bounds = try parseBounds()
        }
        var typeSizes: [Expression] = []
        if base.rank > 0 {
            try expect("[")
            typeSizes = try expressionList(until: "]")
            if let constrained, constrained.isRectangular {
                guard typeSizes.count == 2 else { throw diagnostics.error("\(typeName) takes 2 sizes, got \(typeSizes.count)", at: typeLocation) }
            } else if constrained?.base == .matrix {
                // cholesky_factor_corr[K], corr_matrix[K], cov_matrix[K], cholesky_factor_cov[M] or [M, N]: square only.
                if typeSizes.count == 2, constrained == .choleskyFactorCov, typeSizes[0].canonical != typeSizes[1].canonical {
                    throw diagnostics.error("cholesky_factor_cov[M, N] with M ≠ N is not supported; use a square cholesky_factor_cov[M]", at: typeLocation)
                }
                guard typeSizes.count == 1 || (typeSizes.count == 2 && constrained == .choleskyFactorCov) else {
                    throw diagnostics.error("\(typeName) takes 1 size, got \(typeSizes.count)", at: typeLocation)
                }
                typeSizes = [typeSizes[0], typeSizes[0]]
            }
            guard typeSizes.count == base.rank else {
                throw diagnostics.error("\(typeName) takes \(base.rank) size\(base.rank == 1 ? "" : "s"), got \(typeSizes.count)", at: typeLocation)
            }
        }
        let nameToken = current
        guard case .identifier(let name) = nameToken.kind else { throw error("expected a variable name, found '\(current.text)'") }
        p += 1
        if current.isSymbol("[") {
            // Old array syntax: real y[N];
            guard arraySizes.isEmpty else { throw error("use either array[…] or sizes after the name, not both") }
            p += 1
            arraySizes = try expressionList(until: "]")
        }
        var initializer: Expression?
        if current.isSymbol("=") {
            p += 1
            initializer = try expression()
        }
        try expect(";")
        return Declaration(name: name, base: base, arraySizes: arraySizes, typeSizes: typeSizes, bounds: bounds, constrained: constrained,
                           initializer: initializer, location: nameToken.location, typeLocation: typeLocation)
    }

    private mutating func parseBounds() throws -> Bounds {
        try expect("<")
        var b = Bounds()
        repeat {
            guard case .identifier(let key) = current.kind else { throw error("expected lower= or upper=, found '\(current.text)'") }
            switch key {
            case "lower", "upper":
                p += 1
                try expect("=")
                let e = try binary(minPrecedence: 5)  // additive and tighter: '>' closes the bounds
                if key == "lower" { b.lower = e } else { b.upper = e }
            case "offset", "multiplier":
                p += 1
                try expect("=")
                let e = try binary(minPrecedence: 5)
                if key == "offset" { b.offset = e } else { b.multiplier = e }
            default:
                throw error("unknown bound '\(key)'; expected lower=, upper=, offset= or multiplier=")
            }
        } while try accept(",")
        if b.isAffine && (b.lower != nil || b.upper != nil) {
            throw error("offset= and multiplier= cannot be combined with lower= or upper= (as in Stan)")
        }
        try expect(">")
        return b
    }

    // MARK: Statements

    /// `x[i][j] = …` as `x[i, j] = …`: the same element when every index before the last
    /// brackets is a single integer — here, built from loop variables and integer constants only,
    /// so that none can be an array of indices (with which `x[idx][k]` is `x[idx[k]]`).
    private func chainedTarget(_ e: Expression) -> (String, [IndexArgument])? {
        guard case .index(let base, let last, _) = e else { return nil }
        func scalar(_ x: Expression) -> Bool {
            switch x {
            case .integer: return true
            case .variable(let n, _): return loopVariables.contains(n)
            case .binary(let op, let a, let b, _): return ["+", "-", "*"].contains(op) && scalar(a) && scalar(b)
            case .unary("-", let a, _): return scalar(a)
            default: return false
            }
        }
        if case .variable(let name, _) = base { return (name, last) }
        guard case .index(_, let earlier, _) = base,
              earlier.allSatisfy({ if case .single(let x) = $0 { return scalar(x) } else { return false } }),
              let (name, outer) = chainedTarget(base) else { return nil }
        return (name, outer + last)
    }

    /// A loop's body, where break and continue are allowed.
    private mutating func loopBody() throws -> Statement {
        loopDepth += 1
        defer { loopDepth -= 1 }
        return try statement()
    }

    private mutating func statement() throws -> Statement {
        let start = current
        if isDeclarationStart { return .declaration(try declaration()) }
        switch start.kind {
        case .symbol("{"):
            p += 1
            var body: [Statement] = []
            while !current.isSymbol("}") {
                if atEnd { throw error("expected '}' before the end of the file") }
                body.append(try statement())
            }
            p += 1
            return .block(body, start.location)
        case .symbol(";"):
            p += 1
            return .block([], start.location)
        case .identifier("for"):
            p += 1
            try expect("(")
            guard case .identifier(let v) = current.kind else { throw error("expected a loop variable") }
            p += 1
            guard current.isIdentifier("in") else { throw error("expected 'in'") }
            p += 1
            let lower = try expression()
            guard try accept(":") else {
                throw diagnostics.error("only loops over integer ranges (for (i in a:b)) are supported; foreach loops over containers are not supported yet", at: lower.location)
            }
            let upper = try expression()
            try expect(")")
            loopVariables.append(v)
            defer { loopVariables.removeLast() }
            return .forLoop(variable: v, lower: lower, upper: upper, body: try loopBody(), start.location)
        case .identifier("profile") where tokens[p + 1].isSymbol("("):
            // `profile("name") { … }` times its statements in Stan; here it is a block of them.
            p += 2
            _ = try expression()
            try expect(")")
            guard current.isSymbol("{") else { throw error("expected '{' after profile(\"name\")") }
            return try statement()
        case .identifier("while"):
            p += 1
            try expect("(")
            let condition = try expression()
            try expect(")")
            return .whileLoop(condition: condition, body: try loopBody(), start.location)
        case .identifier("break"), .identifier("continue"):
            guard loopDepth > 0 else { throw error("'\(start.text)' is only allowed inside a loop") }
            p += 1
            try expect(";")
            return .loopJump(start.text == "break" ? .breakLoop : .continueLoop, start.location)
        case .identifier("if"):
            p += 1
            try expect("(")
            let c = try expression()
            try expect(")")
            let then = try statement()
            var otherwise: Statement?
            if current.isIdentifier("else") {
                p += 1
                otherwise = try statement()
            }
            return .ifElse(c, then, otherwise, start.location)
        case .identifier("print"), .identifier("reject"), .identifier("fatal_error"):
            p += 1
            try expect("(")
            let args = try expressionList(until: ")")
            try expect(";")
            return start.isIdentifier("print") ? .print(args, start.location) : .reject(args, start.location)
        case .identifier("target"):
            if tokens[p + 1].isSymbol("+=") {
                p += 2
                let e = try expression()
                try expect(";")
                return .targetIncrement(e, start.location)
            }
        case .identifier("increment_log_prob"):
            throw error("increment_log_prob is removed from Stan; use target += …")
        case .identifier("return"):
            guard inFunction else { throw error("return is only allowed in the body of a function") }
            p += 1
            if try accept(";") { return .returnStatement(nil, start.location) }
            let e = try expression()
            try expect(";")
            return .returnStatement(e, start.location)
        default: break
        }
        // Assignment or sampling: both start with an expression.
        let lhs = try expression()
        if current.isSymbol("~") {
            p += 1
            guard case .identifier(let dist) = current.kind else { throw error("expected a distribution name after '~'") }
            p += 1
            try expect("(")
            let args = try expressionList(until: ")")
            if current.isIdentifier("T") && tokens[p + 1].isSymbol("[") {
                // `y ~ D(…) T[L, U]`: the density renormalised to (L, U), lowered as
                // `target += truncated__D(y, L, U, …)` (an absent bound is an empty string).
                let at = current.location
                p += 2
                let lower: Expression = current.isSymbol(",") ? .string("", at) : try expression()
                try expect(",")
                let upper: Expression = current.isSymbol("]") ? .string("", at) : try expression()
                try expect("]")
                try expect(";")
                return .targetIncrement(.call(Lowering.truncatedPrefix + dist, [lhs, lower, upper] + args, conditional: false, at),
                                        start.location)
            }
            try expect(";")
            return .tilde(outcome: lhs, distribution: dist, args: args, start.location)
        }
        let ops = ["=": "", "+=": "+", "-=": "-", "*=": "*", "/=": "/", ".*=": ".*", "./=": "./"]
        if case .symbol(let s) = current.kind, let op = ops[s] {
            let opLocation = current.location
            p += 1
            let value = try expression()
            try expect(";")
            switch lhs {
            case .variable(let name, _):
                return .assignment(target: name, indices: [], op: op, value: value, start.location)
            case .index(.variable(let name, _), let idx, _):
                return .assignment(target: name, indices: idx, op: op, value: value, start.location)
            case .index:
                if let (name, idx) = chainedTarget(lhs) {
                    return .assignment(target: name, indices: idx, op: op, value: value, start.location)
                }
                throw diagnostics.error("the left-hand side of an assignment must be a variable or an indexed variable (chained as "
                                        + "x[i][j] only with single indices of loop variables and constants before the last brackets)", at: opLocation)
            default:
                throw diagnostics.error("the left-hand side of an assignment must be a variable or an indexed variable", at: opLocation)
            }
        }
        if case .call = lhs, try accept(";") { return .call(lhs, start.location) }
        throw error("expected '~', '=' or a compound assignment, found '\(current.text)'")
    }

    // MARK: Expressions

    mutating func expression() throws -> Expression {
        try conditional(try binary(minPrecedence: 1), otherwise: { try $0.expression() })
    }

    /// `c ? a : b` after its condition `c` (or `c` itself), the second branch read by `otherwise`.
    private mutating func conditional(_ c: Expression, otherwise: (inout Parser) throws -> Expression) throws -> Expression {
        guard current.isSymbol("?") else { return c }
        let l = current.location
        p += 1
        let a = try expression()
        try expect(":")
        return .conditional(c, a, try otherwise(&self), l)
    }

    private static let precedence: [String: Int] = [
        "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4,
        "+": 5, "-": 5, "*": 6, "/": 6, "%": 6, "\\": 6, ".*": 6, "./": 6, "%/%": 6,
    ]

    /// Left-associative binary operators at `minPrecedence` and tighter; then prefix operators.
    private mutating func binary(minPrecedence: Int) throws -> Expression {
        var lhs = try prefix()
        while case .symbol(let op) = current.kind, let prec = Parser.precedence[op], prec >= minPrecedence {
            let l = current.location
            p += 1
            let rhs = try binary(minPrecedence: prec + 1)
            lhs = .binary(op, lhs, rhs, l)
        }
        return lhs
    }

    private mutating func prefix() throws -> Expression {
        if case .symbol(let op) = current.kind, op == "-" || op == "+" || op == "!" {
            let l = current.location
            p += 1
            return .unary(op, try prefix(), l)
        }
        return try power()
    }

    /// `^` and `.^` (elementwise) bind tighter than unary minus and are right-associative:
    /// -a^b^c = -(a^(b^c)).
    private mutating func power() throws -> Expression {
        let base = try postfix()
        if let op = ["^", ".^"].first(where: { current.isSymbol($0) }) {
            let l = current.location
            p += 1
            let exponent = try prefix()
            return .binary(op, base, exponent, l)
        }
        return base
    }

    private mutating func postfix() throws -> Expression {
        var e = try primary()
        while true {
            if current.isSymbol("[") {
                let l = current.location
                p += 1
                var idx: [IndexArgument] = []
                if !current.isSymbol("]") {
                    repeat { idx.append(try indexArgument()) } while try accept(",")
                }
                try expect("]")
                e = .index(e, idx, l)
            } else if current.isSymbol("'") {
                e = .transpose(e, current.location)
                p += 1
            } else {
                return e
            }
        }
    }

    private mutating func indexArgument() throws -> IndexArgument {
        let l = current.location
        if current.isSymbol(",") || current.isSymbol("]") { return .all(l) }  // X[, j], X[i, ]
        if current.isSymbol(":") {
            p += 1
            if current.isSymbol(",") || current.isSymbol("]") { return .all(l) }
            return .range(nil, try expression(), l)
        }
        // `a[K > 1 ? 1 : 2]`: the conditional's own ':' belongs to it, not to a range, and its
        // second branch ends where a range's ':' could begin.
        let a = try conditional(try binary(minPrecedence: 1), otherwise: { try $0.binary(minPrecedence: 1) })
        if try accept(":") {
            if current.isSymbol(",") || current.isSymbol("]") { return .range(a, nil, l) }
            return .range(a, try binary(minPrecedence: 1), l)
        }
        return .single(a)
    }

    private mutating func primary() throws -> Expression {
        let t = current
        switch t.kind {
        case .integer(let n): p += 1; return .integer(n, t.location)
        case .real(let x): p += 1; return .real(x, t.location)
        case .string(let s): p += 1; return .string(s, t.location)
        case .symbol("("):
            p += 1
            let e = try expression()
            try expect(")")
            return e
        case .symbol("{"):
            p += 1
            let xs = try expressionList(until: "}")
            if xs.isEmpty { throw error("an array expression {…} needs at least one element") }
            return .array(xs, t.location)
        case .symbol("["):
            p += 1
            let xs = try expressionList(until: "]")
            if xs.isEmpty { throw error("a row vector expression […] needs at least one element") }
            return .rowVector(xs, t.location)
        case .identifier(let name):
            p += 1
            guard current.isSymbol("(") else { return .variable(name, t.location) }
            p += 1
            var args: [Expression] = []
            var conditional = false
            if !current.isSymbol(")") {
                args.append(try expression())
                if current.isSymbol("|") {
                    conditional = true
                    p += 1
                    if !current.isSymbol(")") { args += try expressionList(until: ")"); return .call(name, args, conditional: true, t.location) }
                }
                while try accept(",") { args.append(try expression()) }
            }
            try expect(")")
            // row(m, i) is m[i] and col(m, j) is m[:, j] (Stan Functions Reference, "Slicing and
            // blocking"): written as the indexing they are, so every block, the recurrences' analysis
            // of which rows a loop reads included, sees one form.
            if !conditional, args.count == 2, name == "row" || name == "col" {
                return .index(args[0], name == "row" ? [.single(args[1])] : [.all(t.location), .single(args[1])], t.location)
            }
            return .call(name, args, conditional: conditional, t.location)
        case .endOfFile:
            throw error("unexpected end of file")
        default:
            throw error("expected an expression, found '\(t.text)'")
        }
    }

    /// Comma-separated expressions, consuming the closing `close`.
    private mutating func expressionList(until close: String) throws -> [Expression] {
        var out: [Expression] = []
        if try accept(close) { return out }
        repeat { out.append(try expression()) } while try accept(",")
        try expect(close)
        return out
    }

    // MARK: Token helpers

    private var current: Token { tokens[p] }
    private var atEnd: Bool { current.kind == .endOfFile }

    private mutating func accept(_ s: String) throws -> Bool {
        if current.isSymbol(s) { p += 1; return true }
        return false
    }

    private mutating func expect(_ s: String) throws {
        guard current.isSymbol(s) else { throw error("expected '\(s)', found '\(current.text)'") }
        p += 1
    }

    private func error(_ message: String) -> Error { diagnostics.error(message, at: current.location) }
}
