import COpenCL
import LeapfrogCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Process-wide OpenCL state: the platforms and devices, enumerated exactly once.
///
/// Concurrent first calls into the ICD loader (`clGetPlatformIDs` from parallel test cases) crashed
/// the loader in the prototype, so enumeration happens in a `static let`, which Swift initialises
/// lazily, once, under a lock; every later caller reads the stored result.
///
/// That first call loads the OpenCL library (`OpenCLLibrary`); where it is missing, every call
/// here throws the error that names it and says what to install.
///
/// Before that first call, when the user has not set `POCL_DEVICES`, it asks PoCL for its
/// threaded `pthread` device followed by its single-threaded `basic` device (PoCL's default is
/// `pthread` alone), so that small batches can run without waking worker threads
/// (`smallBatchCompanion(for:)`). Other OpenCL drivers ignore the variable.
public enum OpenCLRuntime {
    private static let discovery: Result<[(Platform, [Device])], LeapfrogError> = {
        if let reason = OpenCLLibrary.unavailableReason {
            return .failure(LeapfrogError(.device, OpenCLLibrary.message(reason: reason)))
        }
        var count: cl_uint = 0
        let status = clGetPlatformIDs(0, nil, &count)
        if status == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */ || (status == CL_SUCCESS && count == 0) { return .success([]) }
        if status != CL_SUCCESS {
            return .failure(LeapfrogError(.device, OpenCLStatus.message(call: "clGetPlatformIDs", status: status, device: nil)))
        }
        var ids = [cl_platform_id?](repeating: nil, count: Int(count))
        let second = clGetPlatformIDs(count, &ids, nil)
        if second != CL_SUCCESS {
            return .failure(LeapfrogError(.device, OpenCLStatus.message(call: "clGetPlatformIDs", status: second, device: nil)))
        }
        do {
            return .success(try ids.compactMap { $0 }.map { id in
                let platform = Platform(id)
                return (platform, try platform.devices())
            })
        } catch let error as LeapfrogError {
            return .failure(error)
        } catch {
            return .failure(LeapfrogError(.device, "\(error)"))
        }
    }()

    /// Sets PoCL's settings unless the user has set them; `OpenCLLibrary` calls this before it
    /// loads the library:
    /// - `POCL_DEVICES` to "pthread basic" (above);
    /// - `POCL_WORK_GROUP_SPECIALIZATION` to 0: PoCL otherwise compiles each kernel again for
    ///   every distinct work-group size it is launched with (2–7 s each on 2 cores), and a
    ///   streamed run's recorded values are launched over groups of kept draws whose sizes vary,
    ///   so a first BNN run compiled ten copies of one kernel. Without specialisation the one
    ///   generic build serves every size; gradients/s measured the same within noise
    ///   (docs/benchmarks.md, "First runs").
    static func preferPoCLSettings() {
        if getenv("POCL_DEVICES") == nil { setenv("POCL_DEVICES", "pthread basic", 0) }
        if getenv("POCL_WORK_GROUP_SPECIALIZATION") == nil { setenv("POCL_WORK_GROUP_SPECIALIZATION", "0", 0) }
    }

    static let noPlatformMessage =
        "no OpenCL platform found: install an ICD such as pocl-opencl-icd, or use --backend cpu"
    static let noDeviceMessage =
        "no OpenCL device found on any platform: install an ICD such as pocl-opencl-icd, or use --backend cpu"

    /// Every platform, in loader order. Empty when no ICD is installed.
    public static func platforms() throws -> [Platform] {
        try discovery.get().map(\.0)
    }

    /// Every device of every platform, in order; throws a clear error when there is none.
    public static func devices() throws -> [Device] {
        try requireDevices(discovery.get())
    }

    /// The devices of `found`, or the clear error for no platform or no device.
    static func requireDevices(_ found: [(Platform, [Device])]) throws -> [Device] {
        if found.isEmpty { throw LeapfrogError(.device, noPlatformMessage) }
        let devices = found.flatMap(\.1)
        if devices.isEmpty { throw LeapfrogError(.device, noDeviceMessage) }
        return devices
    }

    /// Picks a device. `selector` is nil (the first GPU, else the first device other than PoCL's
    /// single-threaded one), a number (an index into
    /// `devices()`, as `leapfrog devices` lists them), or a case-insensitive part of the device or
    /// platform name.
    public static func device(_ selector: String? = nil) throws -> Device {
        let all = try devices()
        guard let selector, !selector.isEmpty else {
            return all.first { (try? $0.info().type) == .gpu } ?? all.first { !isPoCLBasic($0) } ?? all[0]
        }
        if let index = Int(selector) {
            guard all.indices.contains(index) else {
                throw LeapfrogError(.configuration, "no OpenCL device \(index): there are \(all.count) (see `leapfrog devices`)")
            }
            return all[index]
        }
        let needle = selector.lowercased()
        if let match = all.first(where: { $0.name.lowercased().contains(needle) || $0.platform.name.lowercased().contains(needle) }) {
            return match
        }
        throw LeapfrogError(.configuration, "no OpenCL device matches '\(selector)'; devices: \(listing(all))")
    }

    /// `[0] 'name', [1] 'name'`: the devices as an error names them.
    static func listing(_ all: [Device]) -> String {
        all.enumerated().map { "[\($0.offset)] '\($0.element.name)'" }.joined(separator: ", ")
    }

    /// The devices a run shards its chains over (`--device`): `all` — every device, less PoCL's
    /// single-threaded companion of a listed threaded device (it shares that device's cores) —
    /// a comma-separated list of selectors, each as `device(_:)` (indices tell apart devices of
    /// the same name), or one selector (one device). A device listed twice is an error.
    public static func devices(_ selector: String?) throws -> [Device] {
        guard let selector, selector.contains(",") || selector.lowercased() == "all" else { return [try device(selector)] }
        let all = try devices()
        if selector.lowercased() == "all" {
            return all.filter { device in !(isPoCLBasic(device) && all.contains { smallBatchCompanion(for: $0) == device }) }
        }
        var chosen: [Device] = []
        for part in selector.split(separator: ",", omittingEmptySubsequences: false) {
            let name = String(part.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
            guard !name.isEmpty else {
                throw LeapfrogError(.configuration, "an empty name in the device list '\(selector)'; devices: \(listing(all))")
            }
            let device = try self.device(name)
            if chosen.contains(device) {
                throw LeapfrogError(.configuration, "device '\(device.name)' is chosen twice by '\(selector)' (devices of one name "
                                    + "are told apart by index); devices: \(listing(all))")
            }
            chosen.append(device)
        }
        return chosen
    }

    /// PoCL's single-threaded device, which the default choice passes over for the threaded one.
    static func isPoCLBasic(_ device: Device) -> Bool { device.platform.isPoCL && device.name.hasPrefix("basic") }

    /// PoCL's single-threaded `basic` device on the platform of a PoCL `pthread` device, if listed:
    /// the back end runs small batches there (`BatchSizeRouter`). Nil for any other device.
    public static func smallBatchCompanion(for device: Device) -> Device? {
        guard device.platform.isPoCL, device.name.hasPrefix("pthread"),
              let found = try? discovery.get() else { return nil }
        return found.first { $0.0.id == device.platform.id }?.1.first { $0.name.hasPrefix("basic") }
    }

    /// The text of `leapfrog devices`: every device with its index and properties.
    public static func deviceListing() throws -> String {
        let all = try devices()
        var blocks: [String] = []
        for (index, device) in all.enumerated() {
            blocks.append(try device.info().render(index: String(index)))
        }
        return blocks.joined(separator: "\n")
    }

    /// Checks that the system linker PoCL calls at build time is on `PATH`: without it PoCL aborts the
    /// whole process instead of returning a build error.
    public static func checkLinker(for device: Device) throws {
        guard device.platform.isPoCL else { return }
        try checkLinker(deviceName: device.name, searchPath: FileIO.environment("PATH") ?? "")
    }

    static func checkLinker(deviceName: String, searchPath: String) throws {
        if findExecutable("ld", searchPath: searchPath) == nil {
            throw LeapfrogError(.device,
                "PoCL needs the system linker `ld` on PATH to build kernels for device '\(deviceName)', and none was found: install binutils (apt-get install binutils), or use --backend cpu")
        }
    }
}

/// The first `name` in the directories of `searchPath` (a `PATH`-style list) that is executable.
func findExecutable(_ name: String, searchPath: String) -> String? {
    for directory in searchPath.split(separator: ":") where !directory.isEmpty {
        let candidate = "\(directory)/\(name)"
        if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
}
