import Foundation
import LeapfrogCore
import Testing
@testable import LeapfrogOpenCL

extension OpenCLTests {
    @Suite struct Runtime {
        @Test func listsDevices() throws {
            let listing = try OpenCLRuntime.deviceListing()
            let info = CLTest.env.info
            #expect(listing.contains("[0]"))
            #expect(listing.contains(info.name))
            #expect(listing.contains("compute units: \(info.computeUnits)"))
            print(listing)
        }

        /// PoCL compiles a kernel once however many work-group sizes it is launched with
        /// (`POCL_WORK_GROUP_SPECIALIZATION=0`, set by `OpenCLRuntime.preferPoCLSettings` unless
        /// the user set it): a probe kernel with a name of its own, launched in groups of 1, 2, 3
        /// and 5, leaves one build in PoCL's kernel cache, where specialisation left one per size.
        @Test func poclCompilesAKernelOnceForEveryGroupSize() throws {
            let env = CLTest.env
            guard env.device.platform.isPoCL else { return }
            // Set by Leapfrog when the process had no value (a user's own value is left alone).
            let setting = try #require(getenv("POCL_WORK_GROUP_SPECIALIZATION").map { String(cString: $0) })
            guard setting == "0" else { return }
            let name = "lf_probe_\(UInt32.random(in: 0...UInt32.max))"
            let source = "__kernel void \(name)(__global float* out) { out[get_global_id(0)] = (float)get_local_size(0); }"
            let program = try Program(context: env.context, source: source, cache: nil)
            let kernel = try Kernel(program: program, name: name)
            let out = try Buffer<Float>(context: env.context, count: 30)
            try kernel.setArg(0, out)
            for local in [1, 2, 3, 5] { try env.queue.enqueue(kernel, global: [30], local: [local]) }
            try env.queue.finish()
            #expect(try out.read(queue: env.queue) == [Float](repeating: 5, count: 30))
            let environment = ProcessInfo.processInfo.environment
            let root = environment["POCL_CACHE_DIR"]
                ?? ((environment["XDG_CACHE_HOME"] ?? ((environment["HOME"] ?? "") + "/.cache")) + "/pocl/kcache")
            guard let enumerator = FileManager.default.enumerator(atPath: root) else { return }
            let builds = enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix("/\(name).so") }
            guard !builds.isEmpty else { return }  // a cache elsewhere: nothing to count
            #expect(builds.count == 1, "\(builds)")
        }

        @Test func deviceInfoIsSane() throws {
            let info = CLTest.env.info
            #expect(info.computeUnits >= 1)
            #expect(info.globalMemory > 0 && info.maxAllocation > 0 && info.maxAllocation <= info.globalMemory)
            #expect(info.maxWorkGroupSize >= 1)
            #expect(info.openCLCVersion.hasPrefix("OpenCL C"))
            #expect([1, 2, 4, 8, 16].contains(info.chainsPerWorkItem(.float)))
            // Properties that hold on every device (AVX2 reports 8/4, AVX-512 16/8, GPUs 1/1):
            // widths are powers of two, a double lane is no wider than a float lane, and on CPUs
            // the chains per work-item follow the native width (capped at 16).
            let floatWidth = info.nativeVectorWidthFloat, doubleWidth = info.nativeVectorWidthDouble
            #expect(floatWidth >= 1 && floatWidth & (floatWidth - 1) == 0)
            #expect(!info.supportsFP64 || (doubleWidth >= 1 && doubleWidth & (doubleWidth - 1) == 0))
            #expect(!info.supportsFP64 || doubleWidth <= floatWidth)
            if info.type == .cpu {
                #expect(info.chainsPerWorkItem(.float) == min(16, floatWidth))
                if info.supportsFP64 { #expect(info.chainsPerWorkItem(.double) == min(16, doubleWidth)) }
            } else {
                #expect(info.chainsPerWorkItem(.float) == 1 && info.chainsPerWorkItem(.double) == 1)
            }
            if CLTest.env.device.platform.isPoCL {
                #expect(info.type == .cpu)
                #expect(info.supportsFP64)
            }
        }

        @Test func concurrentDiscoveryIsSafe() async throws {
            let count = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<16 {
                    group.addTask { try OpenCLRuntime.devices().count + (try OpenCLRuntime.platforms().count) }
                }
                var total = 0
                for try await n in group { total += n }
                return total
            }
            #expect(count == 16 * (try OpenCLRuntime.devices().count + OpenCLRuntime.platforms().count))
        }

        @Test func noPlatformIsAClearError() {
            do {
                _ = try OpenCLRuntime.requireDevices([])
                Issue.record("no error")
            } catch let error as LeapfrogError {
                #expect(error.kind == .device)
                #expect(error.message == "no OpenCL platform found: install an ICD such as pocl-opencl-icd, or use --backend cpu")
            } catch { Issue.record("wrong error \(error)") }
            let platform = CLTest.env.device.platform
            #expect(throws: LeapfrogError.self) { try OpenCLRuntime.requireDevices([(platform, [])]) }
        }

        @Test func selectsDevices() throws {
            let first = try OpenCLRuntime.device("0")
            #expect(first == (try OpenCLRuntime.devices())[0])
            #expect(try OpenCLRuntime.device(String(first.name.prefix(4)).uppercased()) == first)
            #expect(throws: LeapfrogError.self) { try OpenCLRuntime.device("99") }
            #expect(throws: LeapfrogError.self) { try OpenCLRuntime.device("no-such-device-name") }
        }

        @Test func statusMessagesNameCallStatusAndDevice() {
            #expect(OpenCLStatus.message(call: "clBuildProgram", status: -11, device: "pthread-x")
                    == "clBuildProgram failed: CL_BUILD_PROGRAM_FAILURE (-11) on device 'pthread-x'")
            #expect(OpenCLStatus.name(-4) == "CL_MEM_OBJECT_ALLOCATION_FAILURE")
            #expect(OpenCLStatus.isOutOfMemory(-4) && OpenCLStatus.isOutOfMemory(-5) && !OpenCLStatus.isOutOfMemory(-11))
            #expect(throws: DeviceOutOfMemory.self) { try OpenCLStatus.check(-4, "clEnqueueNDRangeKernel", device: "d") }
            do {
                try OpenCLStatus.check(-46, "clCreateKernel(foo)", device: "d")
                Issue.record("no error")
            } catch let error as LeapfrogError {
                #expect(error.kind == .device)
                #expect(error.message == "clCreateKernel(foo) failed: CL_INVALID_KERNEL_NAME (-46) on device 'd'")
            } catch { Issue.record("wrong error \(error)") }
        }

        @Test func missingLinkerIsAClearError() throws {
            #expect(findExecutable("ld", searchPath: "/nonexistent:/also-not") == nil)
            #expect(findExecutable("sh", searchPath: "/nonexistent:/bin:/usr/bin") != nil)
            do {
                try OpenCLRuntime.checkLinker(deviceName: "pthread-x", searchPath: "/nonexistent")
                Issue.record("no error")
            } catch let error as LeapfrogError {
                #expect(error.kind == .device)
                #expect(error.message.contains("`ld`") && error.message.contains("binutils") && error.message.contains("pthread-x"))
            }
            try OpenCLRuntime.checkLinker(for: CLTest.env.device)   // present on this machine
        }

        @Test func unknownKernelNameNamesTheKernelAndDevice() throws {
            let program = try CLTest.env.program(files: ["special"], precision: .float, width: 1)
            do {
                _ = try Kernel(program: program, name: "no_such_kernel")
                Issue.record("no error")
            } catch let error as LeapfrogError {
                #expect(error.message.contains("clCreateKernel(no_such_kernel) failed: CL_INVALID_KERNEL_NAME (-46) on device '\(CLTest.env.info.name)'"))
            }
        }

        @Test func embeddedKernelsAreAllThere() throws {
            for name in KernelLibrary.fileNames {
                let text = try KernelLibrary.source(of: name)
                #expect(text.hasPrefix("// \(name).cl — "), "\(name).cl must open with a comment saying what it computes")
            }
            let source = try KernelLibrary.programSource(["distributions"])
            #expect(source.contains("---- common.cl") && source.contains("---- special.cl") && !source.contains("---- philox.cl"))
            #expect(throws: LeapfrogError.self) { try KernelLibrary.programSource(["nope"]) }
        }

        @Test func chainLayoutPadsAndUnpads() {
            let layout = ChainLayout(chains: 7, width: 4, localSize: 16)
            #expect(layout.stride == 8 && layout.workItems == 2 && layout.globalSize == 16)
            let values = (0..<14).map(Double.init)             // 7 chains × 2 components
            let padded = layout.pad(values, dimension: 2)
            #expect(padded == [0, 1, 2, 3, 4, 5, 6, 6, 7, 8, 9, 10, 11, 12, 13, 13])
            #expect(layout.unpad(padded, dimension: 2) == values)
        }

        /// On CPU devices (a work-group per core at a time) the busiest core runs at most one
        /// item per group more than an even split, ⌈items / (maximum · cores)⌉ groups per core,
        /// and never more than with the largest groups allowed, min(maximum, ⌈items / cores⌉).
        @Test(arguments: [1, 2, 3, 4, 16])
        func cpuGroupsSplitEvenlyOverTheCores(cores: Int) {
            func busiest(items: Int, size: Int) -> Int { ((items + size - 1) / size + cores - 1) / cores * size }
            for items in Array(1...300) + [4096, 65536] {
                for maximum in [1, 5, 16, 40, 42, 64, 128] {
                    let size = ChainLayout.cpuGroupSize(items: items, maximum: maximum, computeUnits: cores)
                    let perCore = (items + maximum * cores - 1) / (maximum * cores)
                    let largest = min(maximum, (items + cores - 1) / cores)
                    #expect(size >= 1 && size <= maximum, "items \(items), maximum \(maximum): size \(size)")
                    #expect(Double(busiest(items: items, size: size)) <= Double(items) / Double(cores) + Double(perCore),
                            "items \(items), maximum \(maximum): groups of \(size)")
                    #expect(busiest(items: items, size: size) <= busiest(items: items, size: largest))
                }
            }
            #expect(ChainLayout.cpuGroupSize(items: 256, maximum: 40, computeUnits: 2) == 32)
        }
    }
}
