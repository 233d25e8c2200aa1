import Testing
@testable import LeapfrogRun

/// `MachineMemory`: where the figure of available host memory comes from.
@Suite struct MachineMemoryTests {
    @Test func readsMemAvailableInKiB() {
        let text = "MemTotal:       32768000 kB\nMemFree:         1000000 kB\nMemAvailable:   22345678 kB\n"
        #expect(MachineMemory.meminfoValue("MemAvailable", in: text) == 22_345_678)
        #expect(MachineMemory.meminfoValue("MemFree", in: text) == 1_000_000)
        #expect(MachineMemory.meminfoValue("SwapTotal", in: text) == nil)
    }

    @Test func anUnlimitedCgroupHasNoFigure() {
        #expect(MachineMemory.cgroupBytes("max\n") == nil)
        #expect(MachineMemory.cgroupBytes("1073741824\n") == 1_073_741_824)
    }

    @Test func thisMachineHasSomeMemory() {
        let (bytes, words) = MachineMemory.available()
        #expect(bytes > 0 && !words.isEmpty)
    }
}
