/// What an ODE solve's system reads and where its forward sensitivities go, decided once for
/// every back end (the CPU reference's `ReferenceModel+ODE`, the OpenCL kernel's
/// `Generator+ODE`).
///
/// The sensitivities S = ∂y/∂p are taken to the inputs p that depend on parameters: y0 (when it
/// does), then every node outside the region that the right-hand side reads, in the order the
/// body first reads them; each input's elements are consecutive columns of the n × `columns`
/// matrix S.
public struct ODEInputs: Sendable {
    /// An input of the system: its node, its element count, and its first column in S.
    public struct Input: Sendable, Equatable {
        public let node: Int
        public let count: Int
        public let column: Int
    }

    /// The `ode` node (its value is the time t inside the region), the `ode_state` node (y), y0,
    /// and the node whose value is dy/dt.
    public let ode: Int
    public let state: Int
    public let initial: Int
    public let derivative: Int
    /// The region's non-leaf nodes after the state, in order (dy/dt is among them).
    public let body: [Int]
    /// Every node outside the region that the body reads (leaves and earlier nodes, the `ode`
    /// node excepted), in the order the body first reads them.
    public let outside: [Int]
    public let inputs: [Input]
    /// S's column count: the inputs' elements.
    public let columns: Int
    /// n, y's element count, and the number of output times.
    public let stateCount: Int
    public let times: Int

    /// The system of `ode_solve` node `i`, with `active` the nodes that depend on parameters
    /// (`LoopStructure.active`) and `shapes` every node's shape.
    public init(solve i: Int, nodes: [Node], loops: LoopStructure, active: [Bool], shapes: [[Int]]) {
        let (ode, state) = (nodes[i].args[0], nodes[i].args[1])
        (self.ode, self.state) = (ode, state)
        let initial = nodes[state].args[1]
        self.initial = initial
        derivative = nodes[state].update!
        let body = loops.odeRegions[ode]!.filter { !nodes[$0].op.isLeaf && $0 != state }
        self.body = body
        var outside: [Int] = []
        for k in body {
            for a in nodes[k].args where loops.odeSystem[a] == nil && a != ode && !outside.contains(a) { outside.append(a) }
        }
        self.outside = outside
        var inputs: [Input] = []
        var columns = 0
        for a in [initial] + outside where active[a] && !inputs.contains(where: { $0.node == a }) {
            let count = shapes[a].reduce(1, *)
            inputs.append(Input(node: a, count: count, column: columns))
            columns += count
        }
        self.inputs = inputs
        self.columns = columns
        stateCount = shapes[state].reduce(1, *)
        times = shapes[nodes[i].args[3]].reduce(1, *)
    }
}
