extension Lowering {
    /// `reduce_sum(f, x, grainsize, s…)` and `reduce_sum_static`: Stan's parallel sum of the
    /// partial sums f(x[i:j], i, j, s…) over slices of x, which a program promises add up to the
    /// same whatever the slicing (the grain size only schedules threads; Stan Functions Reference,
    /// "Reduce-sum function"). One slice is all of x: f(x, 1, size(x), s…), inlined as any call.
    /// Leapfrog's parallelism is over chains and rows, so nothing is lost.
    func wholeSum(_ name: String, _ args: [Expression], at l: StanSourceLocation) throws -> Expression {
        guard args.count >= 3, case .variable(let f, _) = args[0], userFunction(f) != nil else {
            throw fail("\(name) takes a partial-sum function from the functions block, the array it slices and a grain size: "
                       + "\(name)(f, x, grainsize, …)", l)
        }
        // The end is x's extent as its declaration names it (N for `array[N] int y`), so that
        // slices `z[start:end]` of other data of N are those data whole (`coversTheAxis`).
        var end = Expression.call("size", [args[1]], conditional: false, l)
        switch try expression(args[1]).type.sizes.first {
        case .fixed(let n)??: end = .integer(n, l)
        case .symbol(let s)?? where scope.lookup(s) != nil: end = .variable(s, l)
        default: break
        }
        return .call(f, [args[1], .integer(1, l), end] + args.dropFirst(3), conditional: false, l)
    }
}
