import Leapfrog
import Testing
@testable import LeapfrogRun

/// `MemoryEstimate`: the cost model as a pure function of the run.
@Suite struct MemoryEstimateTests {
    static func run(_ sampler: SamplerKind = .nuts, dimension: Int = 10, draws: Int = 1000, metric: MetricKind = .diagonal,
                    pooled: Bool = true, keepsDraws: Bool = true, maxDepth: Int = 10, device: Int? = nil) -> MemoryEstimate.Run {
        MemoryEstimate.Run(dimension: dimension, draws: draws, recordedPerDraw: 1 + dimension + 8, largestVariable: 8,
                           sampler: sampler, maxDepth: maxDepth, metric: metric, pooledAdaptation: pooled,
                           keepsDraws: keepsDraws, dataValues: 16, deviceRealBytes: device)
    }

    static let runs: [MemoryEstimate.Run] = [
        run(), run(.hmc), run(.chees, dimension: 300, draws: 10), run(metric: .dense, pooled: false, keepsDraws: false),
        run(metric: .unit, device: 4), run(dimension: 5000, draws: 100, device: 8),
    ]

    @Test(arguments: runs)
    func hostMemoryGrowsWithTheChains(_ run: MemoryEstimate.Run) {
        let e = MemoryEstimate(run)
        let counts = [1, 2, 10, 1000, 100_000, 100_000_000]
        let bytes = counts.map { e.hostBytes(chains: $0) }
        #expect(zip(bytes, bytes.dropFirst()).allSatisfy { $0 < $1 })
        #expect(bytes[0] > MemoryEstimate.programBytes)
    }

    @Test(arguments: runs)
    func theLargestChainCountThatFitsFits(_ run: MemoryEstimate.Run) {
        let e = MemoryEstimate(run)
        for available in [1e8, 3e9, 2.3e10, 1.5e12] {
            let most = e.largestHostChains(available: available)
            #expect(e.hostBytes(chains: max(most, 1)) <= available || most == 0)
            // Rounded down to three significant figures: within 1% of the exact largest count.
            let exact = MemoryEstimate.fitting(available - e.hostFixed, per: e.hostPerChain)
            #expect(most <= exact && Double(most) >= 0.99 * Double(exact))
            #expect(e.hostRefusal(chains: max(most, 1), available: available) == nil || most == 0)
            #expect(e.hostRefusal(chains: exact + 1, available: available) != nil)
        }
    }

    @Test func theRefusalGivesTheFiguresAndAChainCountThatFits() throws {
        let e = MemoryEstimate(Self.run())
        let available = 2.29e10, chains = 100_000_000
        let message = try #require(e.hostRefusal(chains: chains, available: available))
        let most = e.largestHostChains(available: available)
        #expect(message.hasPrefix("--chains 100,000,000 needs about \(NumberFormat.bytes(e.hostBytes(chains: chains))) of host memory"))
        #expect(message.contains("(this machine has \(NumberFormat.bytes(available)) available)"))
        #expect(message.contains("at most \(NumberFormat.grouped(most)) chains fit") && most > 0)
    }

    /// Draws kept in memory cost R values per draw and chain (less than twice that, for the
    /// arrays' growth); streamed ones do not.
    @Test func keptDrawsCountOnlyWithoutPosteriorFile() {
        let kept = MemoryEstimate(Self.run(keepsDraws: true)), streamed = MemoryEstimate(Self.run(keepsDraws: false))
        let r = Self.run()
        #expect(kept.keptDrawsPerChain >= 8 * Double(r.draws * r.recordedPerDraw))
        #expect(kept.keptDrawsPerChain < 2 * 8 * Double(r.draws * r.recordedPerDraw))
        #expect(streamed.keptDrawsPerChain == 0 && streamed.hostPerChain < kept.hostPerChain)
        #expect(kept.hostRefusal(chains: 100_000_000, available: 1e10)?.contains("--output DIR") == true)
    }

    /// `--keep moments`: 4 numbers per recorded value and chain, whatever the draws.
    @Test func momentsCostTheSameForAnyNumberOfDraws() {
        var few = Self.run(draws: 100, keepsDraws: false), many = Self.run(draws: 1_000_000, keepsDraws: false)
        few.keepsMoments = true
        many.keepsMoments = true
        #expect(MemoryEstimate(few).hostPerChain == MemoryEstimate(many).hostPerChain)
        #expect(MemoryEstimate(many).hostPerChain < MemoryEstimate(Self.run(draws: 1_000_000, keepsDraws: false)).hostPerChain)
    }

    /// `--keep moments` on a device: the moments live there (d + 6R − 1 device numbers a chain:
    /// `MomentsAccumulator`'s positions, recorded values and 5R moments), whatever the draws.
    @Test func momentsOnADeviceCountTheirBuffers() {
        var run = Self.run(draws: 1_000_000, keepsDraws: false, device: 4)
        let draws = MemoryEstimate(run)
        run.keepsMoments = true
        let moments = MemoryEstimate(run)
        let d = Double(run.dimension), r = Double(run.recordedPerDraw)
        #expect(moments.devicePerChain - draws.devicePerChain == 4 * (d + 6 * r - 1))
        #expect(moments.deviceBufferPerChain == 4 * r)
        #expect(moments.hostPerChain < draws.hostPerChain)
    }

    /// `--keep moments` on a device: the moments are read back (5R, through R staged at the
    /// device's precision) while the sampling work is still held.
    @Test func momentsReadBackAddToTheSamplingWork() {
        var host = Self.run(.chees, draws: 100, keepsDraws: false), device = Self.run(.chees, draws: 100, keepsDraws: false, device: 4)
        host.keepsMoments = true
        device.keepsMoments = true
        let r = Double(host.recordedPerDraw), d = Double(host.dimension)
        // The device's staging of positions and gradients (2d at 4 bytes) and the moments' read.
        #expect(MemoryEstimate(device).hostPerChain - MemoryEstimate(host).hostPerChain == 8 * (d + 5 * r + r / 2))
    }

    /// Each core summarises a quantity at once, with about ten arrays of its D draws, and a
    /// quantity read back from `posterior.nc` waits in the batch for each core.
    @Test func summariesOnMoreCoresCountTheirWork() {
        let one = Self.run(keepsDraws: false)
        var four = one
        four.summaryCores = 4
        #expect(MemoryEstimate(four).hostPerChain - MemoryEstimate(one).hostPerChain == 8 * 3 * 11 * Double(one.draws))
        let kept = Self.run(keepsDraws: true)
        var keptOnFour = kept
        keptOnFour.summaryCores = 4
        #expect(MemoryEstimate(keptOnFour).hostPerChain - MemoryEstimate(kept).hostPerChain == 8 * 3 * 10 * Double(kept.draws))
    }

    /// Each chain's Stan CSV file keeps a buffer of its own.
    @Test func csvFilesCostABufferPerChain() {
        var run = Self.run(keepsDraws: false)
        let without = MemoryEstimate(run)
        run.writesCSV = true
        #expect(MemoryEstimate(run).hostPerChain - without.hostPerChain == MemoryEstimate.csvFileBytes)
    }

    /// NUTS keeps per-chain checkpoints for every tree level: deeper trees, more memory, where
    /// the sampler's workspace outweighs the draws.
    @Test func nutsCountsItsCheckpointsPerTreeLevel() {
        let shallow = MemoryEstimate(Self.run(dimension: 2000, draws: 10, maxDepth: 4))
        let deep = MemoryEstimate(Self.run(dimension: 2000, draws: 10, maxDepth: 12))
        let hmc = MemoryEstimate(Self.run(.hmc, dimension: 2000, draws: 10))
        #expect(hmc.hostPerChain < shallow.hostPerChain && shallow.hostPerChain < deep.hostPerChain)
    }

    /// Where a device builds NUTS's trees the host holds what HMC's transitions hold: the
    /// checkpoints are not counted.
    @Test func nutsTreesOnADeviceCostTheHostWhatHMCCosts() {
        var onDevice = Self.run(dimension: 46, draws: 10, keepsDraws: false, device: 4)
        onDevice.treesOnHost = false
        var hmc = onDevice
        hmc.sampler = .hmc
        let onHost = Self.run(dimension: 46, draws: 10, keepsDraws: false, device: 4)
        #expect(MemoryEstimate(onDevice).hostPerChain < MemoryEstimate(onHost).hostPerChain)
        // NUTS's bookkeeping (its per-chain tree statistics) is all that differs from HMC's.
        #expect(MemoryEstimate(onDevice).hostPerChain - MemoryEstimate(hmc).hostPerChain == 1280 - 512)
    }

    /// Where NUTS's trees may be built on the host whatever the device: the CPU reference, the
    /// host's transitions, a dense metric, or an f32 run whose failed check moves them there.
    @Test func treesCountOnTheHostWhereTheyMayRunThere() {
        func trees(_ edit: (inout RunConfiguration) -> Void) -> Bool {
            var c = RunConfiguration()
            c.backend = BackendOptions(name: "opencl")
            edit(&c)
            return RunMemory(c, keepsDraws: false).treesOnHost
        }
        #expect(!trees { _ in })
        #expect(trees { $0.backend = BackendOptions(name: "cpu") })
        #expect(trees { $0.backend.transitions = .host })
        #expect(trees { $0.sampler.metric = .dense })
        #expect(trees { $0.backend.precision = .f32 })
        #expect(!trees { $0.backend.precision = .f64 })
    }

    /// A model whose largest values live in the device heap (`DeviceHeap`): every program that
    /// runs the density keeps a chain's share of it (`MemoryEstimate.heapPrograms`), one program's
    /// share is the largest buffer, and the host's memory is unchanged.
    @Test func theDeviceHeapCountsInEveryProgram() {
        var run = Self.run(device: 8)
        let without = MemoryEstimate(run)
        run.deviceHeapElements = 800_000   // a 400-point GP's five 400 × 400 arrays
        let with = MemoryEstimate(run)
        #expect(with.devicePerChain - without.devicePerChain == 8 * MemoryEstimate.heapPrograms * 800_000)
        #expect(with.deviceBufferPerChain == 8 * 800_000)
        #expect(with.hostPerChain == without.hostPerChain)
    }

    /// On a CPU device (PoCL), whose memory is this machine's, chains whose device memory exceeds
    /// what the machine has available are refused before anything is built, with the count that
    /// fits and what the heap takes; the same run on a device with its own memory is not.
    @Test func aCPUDevicesHeapIsRefusedBeyondTheMachinesMemory() throws {
        var c = RunConfiguration()
        c.backend = BackendOptions(name: "opencl")
        c.sampler.chains = 1_000_000
        let graph = try ModelBuilder.build("one") { m in m.sample(m.parameter("x"), .normal(0, 1)) }
        let bound = try BoundModel(graph: graph, data: DataSet())
        var backend = SelectedBackend(density: ReferenceModel(bound), description: "test", device: "cpu-device",
                                      deviceRealBytes: 8, deviceMemory: (global: 1e15, maxAllocation: 1e15))
        backend.deviceHeapElements = 800_000
        let memory = RunMemory(c, keepsDraws: false)
        try memory.checkDevice(bound, backend: backend, log: { _ in })
        backend.deviceIsHostMemory = true
        do {
            try memory.checkDevice(bound, backend: backend, log: { _ in })
            Issue.record("a million chains of 19 MB each were not refused")
        } catch let error as LeapfrogError {
            #expect(error.message.contains("--chains 1,000,000 needs about") && error.message.contains("'cpu-device'")
                    && error.message.contains("chains fit") && error.message.contains("6.10 MiB a chain"), "\(error.message)")
        }
    }

    /// On a CPU device the device buffers and what the host keeps share the machine's memory: a
    /// run whose device buffers alone would fit but whose draws kept on the host beside them
    /// would not is refused, with both figures; with the device's share small it runs.
    @Test func aCPUDevicesBuffersAndTheHostsShareTheMachine() throws {
        var c = RunConfiguration()
        c.backend = BackendOptions(name: "opencl")
        c.sampler.chains = 1_000
        let graph = try ModelBuilder.build("one") { m in m.sample(m.parameter("x"), .normal(0, 1)) }
        let bound = try BoundModel(graph: graph, data: DataSet())
        let available = MachineMemory.available().bytes
        // Draws kept in memory (no output directory) take 40 % of the machine's memory.
        var memory = RunMemory(c, keepsDraws: true)
        c.sampler.draws = Int(0.4 * available / memory.estimate(bound, deviceRealBytes: 8).hostBytes(chains: 1_000) * 1_000)
        memory = RunMemory(c, keepsDraws: true)
        let host = memory.estimate(bound, deviceRealBytes: 8).hostBytes(chains: 1_000)
        try #require(host > 0.3 * available && host < 0.5 * available)
        func backend(deviceShare: Double) throws -> SelectedBackend {
            let plain = memory.estimate(bound, deviceRealBytes: 8)
            let heap = (deviceShare * available - plain.deviceBytes(chains: 1_000)) / (8 * MemoryEstimate.heapPrograms * 1_000)
            try #require(heap > 0)
            var b = SelectedBackend(density: ReferenceModel(bound), description: "test", device: "cpu-device",
                                    deviceRealBytes: 8, deviceMemory: (global: 1e15, maxAllocation: 1e15))
            b.deviceHeapElements = Int(heap)
            b.deviceIsHostMemory = true
            return b
        }
        do {
            try memory.checkDevice(bound, backend: try backend(deviceShare: 0.75), log: { _ in })
            Issue.record("device buffers of 75 % of the machine beside draws of 40 % were not refused")
        } catch let error as LeapfrogError {
            #expect(error.message.contains("'cpu-device'") && error.message.contains("on the host") && error.message.contains("chains fit"),
                    "\(error.message)")
        }
        try memory.checkDevice(bound, backend: try backend(deviceShare: 0.2), log: { _ in })
    }

    @Test func deviceChainsFitInMemoryAndInOneBuffer() throws {
        let e = MemoryEstimate(Self.run(dimension: 1000, device: 4))
        let global = 8e9, largest = 2e9
        let most = try #require(e.largestDeviceChains(globalMemory: global, maxAllocation: largest))
        #expect(most > 0 && e.deviceBytes(chains: most) <= global && e.deviceBufferPerChain * Double(most) <= largest)
        #expect(e.deviceBytes(chains: most + 1) > global || e.deviceBufferPerChain * Double(most + 1) > largest)
        // Data that do not fit leave no chain count.
        #expect(e.largestDeviceChains(globalMemory: e.deviceFixed / 2, maxAllocation: largest) == nil)
        #expect(MemoryEstimate(Self.run(device: 8)).devicePerChain == 2 * MemoryEstimate(Self.run(device: 4)).devicePerChain)
    }

    @Test func roundingKeepsThreeSignificantFigures() {
        for n in [0, 7, 999, 1000, 14_987_654, 123_456_789_012] {
            let r = MemoryEstimate.roundedDown(n)
            #expect(r <= n && n - r < max(1, n / 100))
            #expect(String(r).dropFirst(3).allSatisfy { $0 == "0" })
        }
    }
}
