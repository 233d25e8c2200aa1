import LeapfrogCore

/// The recurrences of a graph: loop regions, their carried states and their outputs.
///
/// A recurrence is a scan over steps t = from…to with a carried state, written in the flat SSA
/// node list so that the graph's size does not depend on the number of steps:
///
/// ```
/// 7:  loop  range [2, "T"], body 5      value t (a scalar)
/// 8:  carry [7, 3]  update 11           σ_{t−1}: node 3 at t = 2, else node 11 at t − 1
/// 9:  at    [2, 7]  coefficients [1], value −1     y[t − 1] (row t − 1 of node 2)
/// 10: …     (any operations on 8, 9, parameters, nodes before 7)
/// 11: sqrt  [10]                        σ_t
/// 12: …
/// 13: stack [7, 11, 4]                  node 4 with rows 2…T replaced by σ_t
/// ```
///
/// - The `body` nodes after a `loop` are its region, evaluated once per step in order. Leaves
///   (parameters, data, constants) inside a region are evaluated once, as if they stood before
///   it. Regions nest (an inner loop's region lies inside its parent's).
/// - A body node may read leaves, nodes before the loop, the loop itself (its step t) and
///   earlier body nodes of its own and enclosing loops. Nothing outside a region reads its body
///   except a `stack` (every step's value of a body node) or a `last` (a carry's final state),
///   which stand after the region at the loop's own level.
/// - `carry` (args loop, init) is the state: init at the first step, else its `update` node's
///   value at the previous step. Its update is a body node of the same loop (or any node the
///   body can read).
/// - `at` (args x, loops…) reads row `offset + Σ cⱼ·tⱼ` of x: the affine offsets of a time
///   series (`y[t − k]`); binding checks every row it can read lies in x.
///
/// An ODE system is a region too, opened by an `ode` node at the top level (no loop around it,
/// none inside): its body computes dy/dt from the `ode` node (the time t) and its `ode_state`
/// (the state y, whose `update` is dy/dt), reading anything before the region; only the
/// `ode_solve` after it reads the system, and nothing else reads its body.
public struct LoopStructure: Sendable {
    /// The innermost loop whose body holds each node; nil at the top level and for leaves.
    public let enclosing: [Int?]
    /// Each loop's region.
    public let regions: [Int: Range<Int>]
    /// Each loop's carries, in graph order.
    public let carries: [Int: [Int]]
    /// Loops in graph order (outer loops before the loops inside them).
    public let loops: [Int]
    /// Each ODE system's region, and its state node.
    public let odeRegions: [Int: Range<Int>]
    public let odeStates: [Int: Int]
    /// The ODE system whose region holds each node; nil outside them and for leaves.
    public let odeSystem: [Int?]

    public var isEmpty: Bool { loops.isEmpty }

    /// A loop's steps once the data fix its range: t = from…to (none when to < from).
    public struct Steps: Hashable, Sendable {
        public let from: Int
        public let to: Int
        public init(from: Int, to: Int) { self.from = from; self.to = to }
        public var count: Int { Swift.max(0, to - from + 1) }
    }

    public init(_ graph: ModelGraph) throws {
        let nodes = graph.nodes
        func fail(_ i: Int, _ m: String) -> LeapfrogError {
            LeapfrogError(.model, "model '\(graph.name)': node \(i) (\(nodes[i].op.rawValue)): \(m)")
        }
        var enclosing = [Int?](repeating: nil, count: nodes.count)
        var regions: [Int: Range<Int>] = [:]
        var carries: [Int: [Int]] = [:]
        var loops: [Int] = []
        var open: [(loop: Int, end: Int)] = []
        var odeRegions: [Int: Range<Int>] = [:]
        var odeSystem = [Int?](repeating: nil, count: nodes.count)
        var openODE: (ode: Int, end: Int)?
        for (i, node) in nodes.enumerated() {
            while let top = open.last, i >= top.end { open.removeLast() }
            if let o = openODE, i >= o.end { openODE = nil }
            if !node.op.isLeaf { enclosing[i] = open.last?.loop; odeSystem[i] = openODE?.ode }
            if let o = openODE, node.op == .loop || node.op == .ode {
                throw fail(i, "inside the region of ODE system \(o.ode): an ODE system's right-hand side cannot hold a loop or another ODE system")
            }
            if node.op == .ode {
                guard open.isEmpty else { throw fail(i, "an ODE system must stand at the top level, not inside loop \(open.last!.loop)") }
                guard let body = node.body, body >= 1, i + 1 + body <= nodes.count else {
                    throw fail(i, "an ODE system needs 'body', the number of nodes after it in its region, within the graph")
                }
                odeRegions[i] = (i + 1)..<(i + 1 + body)
                openODE = (i, i + 1 + body)
                continue
            }
            guard node.op == .loop else { continue }
            guard let range = node.range, range.count == 2 else { throw fail(i, "a loop needs 'range': [from, to]") }
            guard let body = node.body, body >= 0, i + 1 + body <= nodes.count else {
                throw fail(i, "a loop needs 'body', the number of nodes after it in its region, within the graph")
            }
            let end = i + 1 + body
            if let top = open.last, end > top.end { throw fail(i, "its region ends after the region of loop \(top.loop) around it") }
            regions[i] = (i + 1)..<end
            carries[i] = []
            loops.append(i)
            open.append((i, end))
        }
        func chain(_ i: Int) -> [Int] {
            var out: [Int] = []
            var l = enclosing[i]
            while let x = l { out.append(x); l = enclosing[x] }
            return out.reversed()
        }
        /// The ODE system a node belongs to: the `ode` node itself, or the one whose region holds it.
        func system(_ a: Int) -> Int? { nodes[a].op == .ode ? a : odeSystem[a] }
        var odeStates: [Int: Int] = [:]
        /// Whether node `a` can be read by a node whose loops (outermost first) are `scope`.
        func readable(_ a: Int, from scope: [Int], reader: Int) -> Bool {
            if nodes[a].op.isLeaf { return true }
            if let s = system(a), s != odeSystem[reader] { return false }
            var own = chain(a)
            if nodes[a].op == .loop { own.append(a) }
            return own.count <= scope.count && Array(scope.prefix(own.count)) == own
        }
        for (i, node) in nodes.enumerated() where !node.op.isLeaf {
            let scope = chain(i)
            func visible(_ a: Int, from scope: [Int]) -> Bool { readable(a, from: scope, reader: i) }
            switch node.op {
            case .ode:
                continue
            case .odeState:
                let o = node.args[0]
                guard nodes[o].op == .ode, odeSystem[i] == o else { throw fail(i, "its first argument must be the ODE system whose region holds it") }
                guard odeStates[o] == nil else { throw fail(i, "ODE system \(o) already has a state, node \(odeStates[o]!)") }
                guard visible(node.args[1], from: scope) else { throw fail(i, "cannot read node \(node.args[1]) (inside a region)") }
                guard let u = node.update, u > i, odeSystem[u] == o else {
                    throw fail(i, "needs 'update', the node of ODE system \(o)'s region whose value is dy/dt")
                }
                odeStates[o] = i
            case .odeSolve:
                let (o, y) = (node.args[0], node.args[1])
                guard nodes[o].op == .ode, let region = odeRegions[o], region.upperBound <= i, odeSystem[i] == nil, enclosing[i] == nil else {
                    throw fail(i, "its first argument must be an ODE system whose region ends before it, at the top level")
                }
                guard odeStates[o] == y else { throw fail(i, "its second argument must be the state of ODE system \(o)") }
                for a in node.args.dropFirst(2) where !visible(a, from: scope) { throw fail(i, "cannot read node \(a) (inside a region)") }
            case .stack, .last:
                guard (2...3).contains(node.args.count), node.op == .stack || node.args.count == 2 else {
                    throw fail(i, node.op == .stack ? "takes (loop, x) or (loop, x, prior)" : "takes (loop, carry)")
                }
                let (l, x) = (node.args[0], node.args[1])
                guard nodes[l].op == .loop, enclosing[l] == enclosing[i], regions[l]!.upperBound <= i else {
                    throw fail(i, "its first argument must be a loop at its own level, before it")
                }
                guard enclosing[x] == l || (nodes[x].op.isLeaf && node.op == .stack) else { throw fail(i, "node \(x) is not in the body of loop \(l)") }
                if node.op == .last, nodes[x].op != .carry { throw fail(i, "node \(x) is not a carry of loop \(l)") }
                for a in node.args.dropFirst(2) where !visible(a, from: scope) { throw fail(i, "cannot read node \(a) (inside a loop)") }
            case .carry:
                let l = node.args[0]
                guard nodes[l].op == .loop, enclosing[i] == l else { throw fail(i, "its first argument must be the loop whose body holds it") }
                guard visible(node.args[1], from: scope) else { throw fail(i, "cannot read node \(node.args[1]) (inside a loop)") }
                guard let u = node.update, u >= 0, u < nodes.count, visible(u, from: scope) else {
                    throw fail(i, "needs 'update', a node the body of loop \(l) can read")
                }
                carries[l]!.append(i)
            case .at:
                guard node.args.count >= 1, (node.coefficients ?? []).count == node.args.count - 1 else {
                    throw fail(i, "takes (x, loops…) with one coefficient per loop")
                }
                guard visible(node.args[0], from: scope) else { throw fail(i, "cannot read node \(node.args[0]) (inside a loop)") }
                for l in node.args.dropFirst() where nodes[l].op != .loop || !scope.contains(l) {
                    throw fail(i, "node \(l) is not a loop around it")
                }
                guard (node.value ?? 0) == (node.value ?? 0).rounded() else { throw fail(i, "its offset must be an integer") }
            default:
                for a in node.args where !visible(a, from: scope) { throw fail(i, "cannot read node \(a) (inside a loop)") }
            }
        }
        for o in odeRegions.keys where odeStates[o] == nil { throw fail(o, "an ODE system needs a state (ode_state) in its region") }
        self.enclosing = enclosing
        self.regions = regions
        self.carries = carries
        self.loops = loops
        self.odeRegions = odeRegions
        self.odeStates = odeStates
        self.odeSystem = odeSystem
    }

    /// Whether node `i` is evaluated once per step of some loop.
    public func inBody(_ i: Int) -> Bool { enclosing[i] != nil }

    /// Whether node `i` is evaluated by a region rather than once where it stands: in a loop's
    /// body, in an ODE system's right-hand side, or the `ode` node that opens one (its time).
    public func inRegion(_ i: Int) -> Bool { enclosing[i] != nil || odeSystem[i] != nil || odeRegions[i] != nil }

    /// The non-leaf nodes directly in loop `l`'s body (nested loops' nodes excluded, the nested
    /// loop and its outputs included), in order.
    public func directBody(_ l: Int) -> [Int] { regions[l]!.filter { enclosing[$0] == l } }

    /// Every node that one of `roots` depends on (a stack or last needs its loop's whole region,
    /// a carry its update, an ODE solve its system's region).
    public func needed(_ roots: [Int], in graph: ModelGraph) -> [Bool] {
        let nodes = graph.nodes
        var needed = [Bool](repeating: false, count: nodes.count)
        for r in roots { needed[r] = true }
        var i = nodes.count - 1
        while i >= 0 {
            if needed[i] {
                for a in nodes[i].args { needed[a] = true }
                if [.stack, .last].contains(nodes[i].op) {
                    let l = nodes[i].args[0]
                    needed[l] = true
                    for k in regions[l]! where !nodes[k].op.isLeaf {
                        needed[k] = true
                        if let u = nodes[k].update { needed[u] = true }
                    }
                }
                if nodes[i].op == .odeSolve {
                    let o = nodes[i].args[0]
                    needed[o] = true
                    for k in odeRegions[o]! where !nodes[k].op.isLeaf {
                        needed[k] = true
                        if let u = nodes[k].update { needed[u] = true }
                    }
                }
                if let u = nodes[i].update { needed[u] = true }
            }
            i -= 1
        }
        return needed
    }

    /// Nodes that depend on a parameter (a carry does when its init or its update does).
    public func active(in graph: ModelGraph) -> [Bool] {
        let nodes = graph.nodes
        var active = [Bool](repeating: false, count: nodes.count)
        var changed = true
        while changed {
            changed = false
            for (i, node) in nodes.enumerated() where !active[i] {
                var a = node.op == .parameter || node.args.contains { active[$0] }
                if node.op == .loop || node.op == .ode { a = false }
                if let u = node.update, active[u] { a = true }
                if a { active[i] = true; changed = true }
            }
        }
        return active
    }
}
