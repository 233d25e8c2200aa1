import LeapfrogCore
import LeapfrogData
import LeapfrogTestSupport
import Testing
@testable import LeapfrogModel

/// The recurrence nodes' structure (`LoopStructure`): JSON round trips, the rules a region
/// obeys, and bind-time checks, each with a message that names the node.
struct LoopStructureTests {
    static func failure(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch { return "\(error)" }
    }

    @Test func recurrencesRoundTripThroughJSON() throws {
        for graph in [try RecurrenceFixtures.garch(), try RecurrenceFixtures.autoregressive(), try RecurrenceFixtures.hmm()] {
            #expect(try ModelGraph.fromJSON(try graph.jsonString()) == graph, "\(graph.name)")
        }
    }

    @Test func regionsCarriesAndOutputsAreFound() throws {
        let graph = try RecurrenceFixtures.hmm()
        let loops = try LoopStructure(graph)
        #expect(loops.loops.count == 4)   // the first row's loop, then t ⊃ k ⊃ j
        let t = loops.loops[1]
        #expect(loops.carries[t]!.count == 1)
        let inner = loops.loops[2...].map { loops.enclosing[$0] }
        #expect(inner == [t, loops.loops[2]])
        let needed = loops.needed(graph.terms.map(\.node), in: graph)
        #expect(loops.regions[t]!.allSatisfy { needed[$0] || graph.nodes[$0].op.isLeaf })
    }

    @Test func aNodeOutsideTheRegionCannotReadItsBody() throws {
        var graph = try RecurrenceFixtures.garch()
        let sqrt = graph.nodes.firstIndex { $0.op == .sqrt }!
        graph.nodes.append(Node(op: .exp, args: [sqrt]))
        let message = Self.failure { try graph.validate() }
        #expect(message.contains("node \(graph.nodes.count - 1) (exp): cannot read node \(sqrt) (inside a loop)"), "\(message)")
    }

    @Test func anAtMustNameLoopsAroundIt() throws {
        var graph = try RecurrenceFixtures.garch()
        let at = graph.nodes.firstIndex { $0.op == .at }!
        graph.nodes[at].args[1] = 0
        let message = Self.failure { try graph.validate() }
        #expect(message.contains("node \(at) (at): node 0 is not a loop around it"), "\(message)")
    }

    @Test func aCarryKeepsItsShape() throws {
        var graph = try RecurrenceFixtures.garch()
        let carry = graph.nodes.firstIndex { $0.op == .carry }!
        graph.nodes[carry].update = 0   // y: [T], not a scalar
        let message = Self.failure { _ = try BoundModel(graph: graph, data: RecurrenceFixtures.garchData()) }
        #expect(message.contains("node \(carry) (carry) has shape [] but its update, node 0, has shape [12]"), "\(message)")
    }
}

/// The ODE system nodes (`ode`, `ode_state`, `ode_solve`): docs/model-format.md's example
/// validates and binds, and each rule of a system's region is named when broken.
struct ODEStructureTests {
    /// y′ = −k·y from y0 at t0 = 0, solved at ts; the term reads the solution.
    static func decay() throws -> ModelGraph {
        try ModelBuilder.build("decay") { b in
            let k = b.parameter("k", constraint: .lower(0))
            let ts = b.data("ts", [.symbol("T")])
            let system = b.odeSystem(initial: b.data("y0", [.fixed(1)])) { _, y in -k * y }
            let y = b.odeSolve(system, t0: b.constant(0), times: ts, relativeTolerance: b.constant(1e-8),
                               absoluteTolerance: b.constant(1e-8), maxSteps: b.constant(1e5))
            b.sample(b.data("z", [.symbol("T"), .fixed(1)]), .normal(y, 0.1))
        }
    }

    static let data = DataSet(["ts": .vector([0.5, 1, 2]), "y0": .vector([2]), "z": .matrix(rows: [[1.6], [1.2], [0.74]])], source: "decay.json")

    @Test func theSystemsRegionIsFound() throws {
        let graph = try Self.decay()
        let loops = try LoopStructure(graph)
        let ode = try #require(graph.nodes.firstIndex { $0.op == .ode })
        #expect(loops.odeRegions[ode] == (ode + 1)..<(ode + 4))
        #expect(loops.odeStates[ode] == ode + 1 && loops.loops.isEmpty)
        #expect(try ModelGraph.fromJSON(try graph.jsonString()) == graph)
        let needed = loops.needed(graph.terms.map(\.node), in: graph)
        #expect(loops.odeRegions[ode]!.allSatisfy { needed[$0] })
        _ = try BoundModel(graph: graph, data: Self.data)
    }

    @Test func nothingButTheSolveReadsTheSystem() throws {
        var graph = try Self.decay()
        let state = graph.nodes.firstIndex { $0.op == .odeState }!
        graph.nodes.append(Node(op: .exp, args: [state]))
        #expect(LoopStructureTests.failure { try graph.validate() }.contains("cannot read node \(state)"))
        graph.nodes.removeLast()
        graph.terms.append(Term(node: state + 1))
        #expect(LoopStructureTests.failure { try graph.validate() }.contains("a term is node \(state + 1), inside the region of ODE system"))
    }

    @Test func timesMustIncrease() throws {
        var data = Self.data
        data.variables["ts"] = .vector([0.5, 0.5, 2])
        let message = LoopStructureTests.failure { _ = try BoundModel(graph: try Self.decay(), data: data) }
        #expect(message.contains("the output times 'ts' must increase strictly after the initial time 0.0 (as Stan's), but element 2 is 0.5, after 0.5"), "\(message)")
    }
}
