import Leapfrog
import Testing
@testable import LeapfrogRun

/// `BackendRegistry`: names, `auto`'s fallback with its reason, and unknown names.
@Suite struct BackendRegistryTests {
    /// A back end that cannot run here.
    struct Unavailable: Backend {
        var name: String { "fake" }
        var displayName: String { "the fake device" }
        var summary: String { "never available" }
        func deviceListing() throws -> String { throw LeapfrogError(.device, "no fake device: install fake-icd") }
        func make(_ bound: BoundModel, options: BackendOptions, log: @escaping @Sendable (String) -> Void) throws
            -> SelectedBackend {
            throw LeapfrogError(.device, "no fake device: install fake-icd")
        }
    }

    final class Log: @unchecked Sendable {
        var lines: [String] = []
        func add(_ s: String) { lines.append(s) }
    }

    static func bound() throws -> BoundModel {
        let instance = try BuiltinModels.named("eight-schools").instantiate()
        return try BoundModel(graph: instance.graph, data: instance.data)
    }

    @Test func theStandardRegistryNamesItsBackEnds() {
        #expect(BackendRegistry.standard.names == ["auto", "opencl", "cpu"])
    }

    @Test func autoPassesOverABackEndThatFailsAndSaysWhy() throws {
        let registry = BackendRegistry([Unavailable(), CPUBackend()])
        let log = Log()
        let selected = try registry.make(try Self.bound(), options: BackendOptions(), log: log.add)
        #expect(selected.description == "cpu (reference, f64)")
        #expect(selected.device == nil && selected.deviceRealBytes == nil && selected.precision == "f64")
        #expect(log.lines == ["auto: not using the fake device (no fake device: install fake-icd); using the CPU reference"])
    }

    @Test func anExplicitBackEndThatFailsThrowsItsOwnError() throws {
        let registry = BackendRegistry([Unavailable(), CPUBackend()])
        #expect(throws: LeapfrogError.self) {
            try registry.make(try Self.bound(), options: BackendOptions(name: "fake"))
        }
    }

    @Test func anUnknownNameListsTheKnownOnes() throws {
        do {
            _ = try BackendRegistry.standard.make(try Self.bound(), options: BackendOptions(name: "cuda"))
            Issue.record("no error")
        } catch let e as LeapfrogError {
            #expect(e.message == "unknown back end 'cuda'; have: auto, opencl, cpu")
        }
    }

    @Test func theCPUBackEndEvaluatesLikeTheReference() throws {
        let bound = try Self.bound()
        let selected = try CPUBackend().make(bound, options: BackendOptions(name: "cpu"), log: { _ in })
        let x = ChainBatch(vectors: [[0.1, 0.5] + Array(repeating: 0.2, count: bound.dimension - 2)])
        let a = try selected.density.evaluate(x, active: nil), b = try ReferenceModel(bound).evaluate(x, active: nil)
        #expect(a.logDensity == b.logDensity && a.gradient == b.gradient)
    }

    /// f32 checked against the CPU reference (a device without `cl_khr_fp64`) may switch the run,
    /// NUTS's trees with it, to the host; checked against an f64 twin on the device, or unchecked, not.
    @Test func aSwitchToTheCPUReferenceMovesTheRunToTheHost() throws {
        let bound = try Self.bound()
        let reference = ReferenceModel(bound)
        func guarded(_ accurate: any BatchedLogDensity) -> SelectedBackend {
            SelectedBackend(density: PrecisionGuard(fast: reference, accurate: accurate, fastName: "f32", accurateName: "f64",
                                                    clock: { 0 }),
                            description: "guarded", device: "fake", deviceRealBytes: 4)
        }
        #expect(guarded(reference).switchesToHost)
        #expect(!guarded(BatchedLogDensityBox(reference)).switchesToHost)
        #expect(!SelectedBackend(density: reference, description: "unchecked", device: "fake", deviceRealBytes: 4).switchesToHost)
    }

    /// A density that is not the CPU reference's type (an f64 twin on a device, here).
    struct BatchedLogDensityBox: BatchedLogDensity {
        let base: any BatchedLogDensity
        init(_ base: any BatchedLogDensity) { self.base = base }
        var dimension: Int { base.dimension }
        func evaluate(_ positions: ChainBatch, active: [Bool]?) throws -> DensityBatch { try base.evaluate(positions, active: active) }
    }
}
