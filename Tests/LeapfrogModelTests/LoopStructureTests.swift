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
