import Testing
@testable import LeapfrogOpenCL

/// `OpenCLTrajectories`' choice of launch shape for the device transitions, from a device's
/// figures (no device needed): a work-group per chain only on GPUs, only for batches that would
/// leave the GPU nearly idle with a chain per work-item, only when the plate has rows to share.
@Suite struct TrajectoryShapeTests {
    /// An H200's figures: 132 compute units, groups of up to 1,024.
    static let units = 132

    @Test func aGPUTakesAWorkGroupPerChainForFewChainsOnly() {
        let local = OpenCLTrajectories<Float>.groupLocalSize(device: .gpu, plateRows: 100, maximum: 1024)
        func group(_ chains: Int, device: DeviceInfo.DeviceType = .gpu, rows: Int = 100) -> Bool {
            OpenCLTrajectories<Float>.autoShapeIsGroup(device: device, computeUnits: Self.units, plateRows: rows,
                                                       groupLocalSize: local, chains: chains)
        }
        #expect(group(4) && group(128) && group(1024), "the README's 4 chains, the benchmarks' 128 and 1,024")
        let bound = Self.units * OpenCLTrajectories<Float>.groupChainsPerComputeUnit
        #expect(group(bound - 1) && !group(bound), "the bound is chains per compute unit")
        #expect(!group(16_384) && !group(1 << 20), "many chains fill the GPU one per work-item")
        #expect(!group(4, device: .cpu) && !group(4, device: .accelerator), "CPU devices vectorise chains instead")
        #expect(!group(4, rows: 8) && !group(4, rows: 0), "too few rows to share (eight schools), or no plate (the GP)")
    }

    /// Rows in SIMD lanes on CPU devices: only while the chains would fill at most a quarter of
    /// the cores' lanes, only with a row per lane, never with one lane, only where the rows are
    /// most of the work.
    @Test func aCPUPutsRowsInLanesForFewChainsOnly() {
        func rows(_ chains: Int, width: Int = 16, units: Int = 2, plateRows: Int = 100,
                  work: (rows: Double, whole: Double) = (5900, 186)) -> Bool {
            OpenCLLogDensity<Float>.autoShapeIsRows(chains: chains, width: width, computeUnits: units, plateRows: plateRows, work: work)
        }
        #expect(rows(1) && rows(4) && rows(8), "the README's 4 chains on 2 cores of 16 lanes")
        #expect(!rows(9) && !rows(16) && !rows(128), "more chains fill the lanes themselves")
        #expect(rows(4, width: 8) && !rows(5, width: 8), "f64's 8 lanes: a quarter of 16")
        #expect(rows(16, units: 8) && !rows(33, units: 8), "more cores, more lanes")
        #expect(!rows(4, plateRows: 8) && !rows(1, plateRows: 0), "fewer rows than lanes (eight schools), no plate (the GP)")
        #expect(!rows(1, width: 1), "one lane: nothing to fill")
        #expect(!rows(4, work: (404, 456_372)) && !rows(1, work: (100, 101)), "a kernel matrix's fill and factor beside 100 outcomes")
    }


    /// Groups of 32 (a warp) to 128 work-items, about four rows each; 8 on a CPU device; never
    /// more than the device allows.
    @Test func theGroupSizeFollowsTheRows() {
        func size(_ rows: Int, _ device: DeviceInfo.DeviceType = .gpu, maximum: Int = 1024) -> Int {
            OpenCLTrajectories<Double>.groupLocalSize(device: device, plateRows: rows, maximum: maximum)
        }
        #expect(size(100) == 32, "the BNN")
        #expect(size(255) == 32 && size(256) == 64 && size(512) == 128 && size(5000) == 128)
        #expect(size(100, .cpu) == 8 && size(5000, .cpu) == 8)
        #expect(size(5000, maximum: 64) == 64)
    }
}
