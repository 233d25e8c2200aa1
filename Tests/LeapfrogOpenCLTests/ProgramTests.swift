import Foundation
import LeapfrogCore
import Testing
@testable import LeapfrogOpenCL

/// A fresh, empty cache directory per test.
func temporaryCache(_ name: String) -> ProgramCache {
    let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("leapfrog-\(name)-\(UUID().uuidString)")
    return ProgramCache(directory: path)
}

let tinySource = """
__kernel void add_one(__global float* x, const int n) {
    const int i = (int)get_global_id(0);
    if (i < n) x[i] += 1.0f;
}
"""

extension OpenCLTests {
    @Suite struct Programs {
        @Test func hashIsFNV1aAndStable() {
            // FNV-1a 64 test vectors (Fowler/Noll/Vo reference).
            #expect(StableHash.fnv1a64(Array("".utf8)) == 0xcbf2_9ce4_8422_2325)
            #expect(StableHash.fnv1a64(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
            #expect(StableHash.fnv1a64(Array("foobar".utf8)) == 0x8594_4171_f739_67e8)
            var a = StableHash(); a.combine("ab"); a.combine("c")
            var b = StableHash(); b.combine("a"); b.combine("bc")
            #expect(a.hex != b.hex)
            #expect(a.hex.count == 32)
            let k1 = ProgramCache.key(source: "s", options: "-D W=1", deviceName: "d", driverVersion: "1", platformVersion: "p")
            let k2 = ProgramCache.key(source: "s", options: "-D W=2", deviceName: "d", driverVersion: "1", platformVersion: "p")
            let k3 = ProgramCache.key(source: "s", options: "-D W=1", deviceName: "d", driverVersion: "2", platformVersion: "p")
            #expect(k1 != k2 && k1 != k3 && k1 == ProgramCache.key(source: "s", options: "-D W=1", deviceName: "d", driverVersion: "1", platformVersion: "p"))
        }

        @Test func defaultCacheFollowsXDG() {
            let cache = ProgramCache.default
            if let xdg = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"], !xdg.isEmpty {
                #expect(cache?.directory == xdg + "/leapfrog")
            } else if let home = ProcessInfo.processInfo.environment["HOME"] {
                #expect(cache?.directory == home + "/.cache/leapfrog")
            }
        }

        @Test func builtProgramRunsAndIsCachedThenReloaded() throws {
            let env = CLTest.env
            let cache = temporaryCache("cache")
            defer { try? FileManager.default.removeItem(atPath: cache.directory) }
            let first = try Program(context: env.context, source: tinySource, options: "-cl-std=CL1.2", cache: cache)
            #expect(first.origin == .source)
            let files = try FileManager.default.contentsOfDirectory(atPath: cache.directory).filter { $0.hasSuffix(".clbin") }
            #expect(files.count == 1)

            let second = try Program(context: env.context, source: tinySource, options: "-cl-std=CL1.2", cache: cache)
            #expect(second.origin == .cache)
            // The cached program really runs.
            let x = try Buffer<Float>(context: env.context, values: [1, 2, 3])
            let kernel = try Kernel(program: second, name: "add_one")
            try kernel.setArg(0, x)
            try kernel.setArg(1, Int32(3))
            try env.queue.enqueue(kernel, global: 3, local: 4).wait()
            #expect(try x.read(queue: env.queue) == [2, 3, 4])

            // Other options: another entry.
            let third = try Program(context: env.context, source: tinySource, options: "-cl-std=CL1.2 -D X=1", cache: cache)
            #expect(third.origin == .source)
        }

        @Test func corruptCacheEntriesAreRebuiltNotFatal() throws {
            let env = CLTest.env
            let cache = temporaryCache("corrupt")
            defer { try? FileManager.default.removeItem(atPath: cache.directory) }
            _ = try Program(context: env.context, source: tinySource, options: "", cache: cache)
            let name = try FileManager.default.contentsOfDirectory(atPath: cache.directory).first { $0.hasSuffix(".clbin") }!
            let path = cache.directory + "/" + name
            let good = try Data(contentsOf: URL(fileURLWithPath: path))

            let damaged: [Data] = [
                Data(),                                             // empty
                good.prefix(20),                                    // truncated header
                good.prefix(good.count - 5),                        // truncated binary
                { var d = good; d[d.count - 1] ^= 0xff; return d }(), // flipped bit: checksum fails
                Data("LFCLBIN1".utf8) + Data(repeating: 0xab, count: 64), // right magic, garbage
                Data(repeating: 0x42, count: 1000),                 // garbage
            ]
            for bytes in damaged {
                try bytes.write(to: URL(fileURLWithPath: path))
                let program = try Program(context: env.context, source: tinySource, options: "", cache: cache)
                #expect(program.origin == .source)
                // …and the entry was rewritten whole.
                #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == good.count)
                #expect(try Program(context: env.context, source: tinySource, options: "", cache: cache).origin == .cache)
            }

            // A directory where the file should be: unreadable entry, unwritable slot; still builds.
            try FileManager.default.removeItem(atPath: path)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            #expect(try Program(context: env.context, source: tinySource, options: "", cache: cache).origin == .source)

            // An unusable cache directory (a file in its place) is not fatal either.
            let blocked = temporaryCache("blocked")
            defer { try? FileManager.default.removeItem(atPath: blocked.directory) }
            try Data("x".utf8).write(to: URL(fileURLWithPath: blocked.directory))
            #expect(try Program(context: env.context, source: tinySource, options: "", cache: blocked).origin == .source)
        }

        @Test func buildFailureCarriesLogOptionsAndSourceFile() throws {
            let env = CLTest.env
            let cache = temporaryCache("failed")
            defer { try? FileManager.default.removeItem(atPath: cache.directory) }
            let broken = "__kernel void broken(__global float* x) { x[0] = undeclared_name; }\n"
            do {
                _ = try Program(context: env.context, source: broken, options: "-D MARKER=7", cache: cache)
                Issue.record("a broken kernel built")
            } catch let error as LeapfrogError {
                #expect(error.kind == .device)
                let text = error.message
                #expect(text.hasPrefix("clBuildProgram failed: CL_BUILD_PROGRAM_FAILURE (-11) on device '\(env.info.name)'"))
                #expect(text.contains("undeclared_name"))           // the compiler log
                #expect(text.contains("-D MARKER=7"))               // the options
                let line = text.split(separator: "\n").first { $0.hasPrefix("source written to ") }
                let path = line.map { String($0.dropFirst("source written to ".count)) }
                #expect(path?.hasPrefix(cache.directory) == true)
                if let path {
                    let saved = try String(contentsOfFile: path, encoding: .utf8)
                    #expect(saved.contains(broken) && saved.contains("-D MARKER=7"))
                }
            }
        }

        @Test func doublePrecisionNeedsFP64() throws {
            // On PoCL fp64 is present, so a double program builds; the check's message is still right.
            let env = CLTest.env
            if env.info.supportsFP64 {
                let program = try env.program(files: ["special"], precision: .double, width: 1)
                #expect(program.options.contains("-D REAL_DOUBLE=1"))
            }
        }
    }

    @Suite struct OutOfMemory {
        @Test func bufferLargerThanTheDeviceAllowsIsOutOfMemory() throws {
            let env = CLTest.env
            let tooMany = Int(env.info.maxAllocation / 8) + 1024
            do {
                _ = try Buffer<Double>(context: env.context, count: tooMany)
                Issue.record("a buffer over CL_DEVICE_MAX_MEM_ALLOC_SIZE was created")
            } catch let error as DeviceOutOfMemory {
                #expect(error.call == "clCreateBuffer")
                #expect(error.message.contains(env.info.name))
                #expect(error.leapfrogError.kind == .device)
            }
        }

        @Test func chainSplittingHalvesUntilItFits() throws {
            var attempts: [Range<Int>] = []
            let results = try withChainSplitting(chains: 1000) { range -> Int in
                attempts.append(range)
                if range.count > 300 {
                    throw DeviceOutOfMemory(status: -4, call: "clEnqueueNDRangeKernel", device: "d", message: "oom")
                }
                return range.count
            }
            #expect(results.map(\.range) == [0..<250, 250..<500, 500..<750, 750..<1000])
            #expect(results.map(\.result).reduce(0, +) == 1000)
            #expect(attempts.first == 0..<1000)
        }

        @Test func chainSplittingGivesUpAtTheMinimum() {
            do {
                _ = try withChainSplitting(chains: 64, minimum: 4) { _ -> Int in
                    throw DeviceOutOfMemory(status: -5, call: "clEnqueueNDRangeKernel", device: "d",
                                            message: "clEnqueueNDRangeKernel failed: CL_OUT_OF_RESOURCES (-5)")
                }
                Issue.record("no error")
            } catch let error as LeapfrogError {
                #expect(error.kind == .device)
                #expect(error.message.contains("CL_OUT_OF_RESOURCES") && error.message.contains("even 4 chains"))
            } catch { Issue.record("wrong error \(error)") }
        }

        @Test func otherErrorsAreNotSplit() {
            var calls = 0
            #expect(throws: LeapfrogError.self) {
                _ = try withChainSplitting(chains: 64) { _ -> Int in
                    calls += 1
                    throw LeapfrogError(.device, "clBuildProgram failed")
                }
            }
            #expect(calls == 1)
        }
    }
}
