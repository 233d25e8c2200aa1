import Foundation
import LeapfrogCore
import Testing
@testable import LeapfrogOutput

/// Writes the same plausible draws (4 chains × 200 draws of an eight-schools-like model) with
/// both writers into `$LEAPFROG_OUTPUT_CHECK_DIR`, for `scripts/check_arviz_reads.py`:
/// `sample.nc` and `sample-csv/chain-{1..4}.csv`. Runs only when that variable is set.
@Test(.enabled(if: checkDirectory != nil))
func writeSampleOutputsForTheArviZCheck() throws {
    let directory = checkDirectory!
    let csvDirectory = directory + "/sample-csv"
    try? FileManager.default.removeItem(atPath: csvDirectory)
    try? FileManager.default.removeItem(atPath: directory + "/sample.nc")
    try FileManager.default.createDirectory(atPath: csvDirectory, withIntermediateDirectories: true)
    let schema = DrawSchema(variables: [.init("mu"), .init("tau"), .init("theta", [8]), .init("L", [2, 3])],
                            chains: 4, plannedDraws: 200)
    var configuration = StanCSVConfiguration(model: "eight_schools_check", numSamples: 200, numWarmup: 100, seed: 11)
    configuration.extra = [("leapfrog_backend", "reference")]
    let writer = try DrawWriterGroup([
        try InferenceDataWriter(path: directory + "/sample.nc", schema: schema, attributes: ["model": "eight_schools_check"],
                                libraryVersion: "0.1.0", observedData: [.init(name: "y", shape: [8], values: [28, 8, -3, 7, -1, 1, 18, 12])]),
        try StanCSVWriter(directory: csvDirectory, schema: schema, configuration: configuration),
    ])
    var state: UInt64 = 0x9E3779B97F4A7C15
    func uniform() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return (Double(state >> 11) + 0.5) / Double(1 << 53)
    }
    func normal() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform()) }
    let adaptation = WarmupAdaptation(stepSize: [0.41, 0.39, 0.43, 0.4],
                                      inverseMetricDiagonal: (0..<4).map { _ in (0..<16).map { _ in 0.5 + uniform() } })
    try writer.recordAdaptation(adaptation)
    for _ in 0..<200 {
        var values: [[Double]] = []
        var stats = SampleStatistics(chains: 4)
        for c in 0..<4 {
            let mu = 4.4 + 3.3 * normal()
            let tau = abs(3.6 * normal())
            let theta = (0..<8).map { _ in mu + tau * normal() }
            let l = (0..<6).map { _ in normal() }
            values.append([mu, tau] + theta + l)
            stats.lp[c] = -40 + normal()
            stats.acceptanceRate[c] = uniform()
            stats.stepSize[c] = adaptation.stepSize[c]
            stats.treeDepth[c] = 2 + Int(uniform() * 3)
            stats.nSteps[c] = (1 << stats.treeDepth[c]) - 1
            stats.diverging[c] = uniform() < 0.01
            stats.energy[c] = 45 + 3 * normal()
        }
        try writer.append(values: values, stats: stats)
    }
    try writer.finish(interrupted: false, timing: RunTiming(warmupSeconds: 0.25, samplingSeconds: 0.5))
}

/// Reads `$LEAPFROG_OUTPUT_CHECK_DIR/arviz-written.nc`, a file ArviZ itself wrote (float32,
/// zlib-compressed, h5netcdf), if it is there; prints what it found.
@Test(.enabled(if: checkDirectory.map { FileManager.default.fileExists(atPath: $0 + "/arviz-written.nc") } ?? false))
func readAFileArviZWrote() throws {
    let reader = try InferenceDataReader(path: checkDirectory! + "/arviz-written.nc")
    #expect(reader.chains > 0 && reader.draws > 0)
    #expect(reader.interrupted == nil)
    for element in try reader.posterior() {
        print("arviz-written.nc: \(element.name) chain 0: \(element.draws[0].prefix(3))")
    }
    print("arviz-written.nc: diverging \(try reader.sampleStatistic("diverging"))")
}
