import Foundation
import Leapfrog
import Testing

/// `leapfrog sample --device all` (or a list): the chains' transitions split over several PoCL
/// devices make one device's draws (to 1e-10, the same trees); unknown names fail naming the
/// devices. PoCL lists the devices `POCL_DEVICES` names, so `pthread pthread` gives two
/// identical devices (equal shares) and `pthread basic` two different ones (measured shares).
@Suite(.serialized, .enabled(if: (try? OpenCLRuntime.device())?.platform.isPoCL == true, "no PoCL device"))
struct DeviceSplitSampleTests {
    static let common = ["sample", "eight-schools", "--backend", "opencl", "--precision", "f64", "--sampler", "nuts",
                         "--chains", "6", "--warmup", "100", "--draws", "20", "--seed", "3", "--overwrite"]

    /// Identical devices: a whole run (warmup's adaptation included). Different devices (PoCL's
    /// threaded and single-threaded ones compile the kernels to different vector code, whose `exp`
    /// and `log` can differ by an ulp): a short run, since NUTS over eight schools' funnel
    /// amplifies an ulp until a tree turns differently, as any two builds of the kernels would.
    @Test(arguments: [("pthread pthread", "all", "equal", [String]()),
                      ("pthread basic", "0,1", "measured", ["--warmup", "10", "--draws", "5"])])
    func twoDevicesMakeOneDevicesDraws(pocl: String, devices: String, shares: String, flags: [String]) throws {
        let one = MPISampleTests.directory("split-1"), two = MPISampleTests.directory("split-2")
        defer { for d in [one, two] { try? FileManager.default.removeItem(atPath: d) } }
        let environment = ["POCL_DEVICES": pocl]
        let single = try runLeapfrog(Self.common + flags + ["--device", "0", "--output", one],
                                     environment: environment)
        #expect(single.status == 0, "one device: \(single.stderr)")
        let split = try runLeapfrog(Self.common + flags + ["--device", devices, "--output", two], environment: environment)
        #expect(split.status == 0, "--device \(devices): \(split.stderr)")
        #expect(split.stderr.contains("transitions split over 2 devices") && split.stderr.contains(shares), "\(split.stderr)")
        try MPISampleTests.expectCloseDraws(one, two, "--device \(devices) under POCL_DEVICES=\(pocl)")
    }

    @Test func unknownDeviceNamesTheDevices() throws {
        let run = try runLeapfrog(Self.common + ["--device", "0,no-such-device", "--draws", "1"],
                                  environment: ["POCL_DEVICES": "pthread pthread"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("no OpenCL device matches 'no-such-device'") && run.stderr.contains("[1] 'pthread"),
                "\(run.stderr)")
    }
}
