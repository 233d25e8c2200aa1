import LeapfrogCore
/// What `leapfrog devices` shows about one device, and what kernel generation reads to choose
/// the floating-point type and the chains-per-work-item width `W`.
public struct DeviceInfo: Sendable, Hashable {
    public enum DeviceType: String, Sendable {
        case cpu = "CPU", gpu = "GPU", accelerator = "accelerator", other = "other"
    }

    public var platformName: String
    public var platformVersion: String
    public var name: String
    public var vendor: String
    public var type: DeviceType
    public var computeUnits: Int
    public var clockMHz: Int
    /// Bytes.
    public var globalMemory: UInt64
    /// Largest single buffer, in bytes (`CL_DEVICE_MAX_MEM_ALLOC_SIZE`).
    public var maxAllocation: UInt64
    /// Bytes of local (work-group shared) memory.
    public var localMemory: UInt64
    public var maxWorkGroupSize: Int
    public var maxWorkItemSizes: [Int]
    public var supportsFP64: Bool
    public var driverVersion: String
    public var deviceVersion: String
    /// E.g. "OpenCL C 1.2 PoCL".
    public var openCLCVersion: String
    public var preferredVectorWidthFloat: Int
    public var preferredVectorWidthDouble: Int
    public var nativeVectorWidthFloat: Int
    public var nativeVectorWidthDouble: Int
    public var extensions: [String]

    /// Chains per work-item for kernels over `precision`: on a CPU device the native vector width
    /// (PoCL does not vectorise across work-items, so each work-item takes a SIMD vector of
    /// chains); on GPUs 1, since neighbouring work-items already fill the SIMD lanes.
    /// Always one of 1, 2, 4, 8, 16.
    public func chainsPerWorkItem(_ precision: Precision) -> Int {
        guard type == .cpu else { return 1 }
        let width = precision == .double ? nativeVectorWidthDouble : nativeVectorWidthFloat
        return [16, 8, 4, 2].first { width >= $0 } ?? 1
    }

    /// A work-group size that is safe to pass explicitly (PoCL's own choice crashed the vector kernels).
    public var defaultLocalSize: Int { min(type == .cpu ? 64 : 128, max(1, maxWorkGroupSize)) }

    /// Several aligned lines about this device.
    public func render(index: String) -> String {
        var lines: [String] = []
        lines.append("[\(index)] \(name) — \(type.rawValue), \(platformName)")
        lines.append("      vendor: \(vendor); driver \(driverVersion); \(deviceVersion); \(openCLCVersion)")
        lines.append("      compute units: \(computeUnits) @ \(clockMHz) MHz; max work-group size: \(maxWorkGroupSize)")
        lines.append("      memory: global \(NumberFormat.bytes(Double(globalMemory))), max buffer \(NumberFormat.bytes(Double(maxAllocation))), local \(NumberFormat.bytes(Double(localMemory)))")
        lines.append("      fp64: \(supportsFP64 ? "yes" : "no"); vector width float \(preferredVectorWidthFloat)/\(nativeVectorWidthFloat), double \(preferredVectorWidthDouble)/\(nativeVectorWidthDouble) (preferred/native)")
        lines.append("      chains per work-item: float \(chainsPerWorkItem(.float))" + (supportsFP64 ? ", double \(chainsPerWorkItem(.double))" : ""))
        return lines.joined(separator: "\n")
    }
}

/// Floating-point type a program is built for (`-D REAL_DOUBLE=0/1`).
public enum Precision: String, Sendable, Hashable, CaseIterable {
    case float, double

    public var byteSize: Int { self == .double ? 8 : 4 }
}

/// The host types of a program's `real`: `Float` for `.float`, `Double` for `.double`.
public protocol DeviceReal: BinaryFloatingPoint, BitwiseCopyable, Sendable {
    static var precision: Precision { get }

    /// Converts `dimension` components of `chains` chains (chain-fastest, `source[p * chains + c]`)
    /// into `destination[p * stride + c]`; the padding lanes `chains..<stride` repeat the last chain
    /// so they stay finite.
    static func pack(_ source: UnsafeBufferPointer<Double>, chains: Int, stride: Int, dimension: Int,
                     into destination: UnsafeMutablePointer<Self>)

    /// The inverse of `pack`: drops the padding lanes and widens to Double.
    static func unpack(_ source: UnsafePointer<Self>, chains: Int, stride: Int, dimension: Int,
                       into destination: UnsafeMutableBufferPointer<Double>)
}

// The conversions run once per call over every chain's vector (4096 chains × 46 parameters for the
// BNN); as generic code they cost more than the kernel (metadata lookups per element), so each
// conforming type gets a specialised copy of the loop.
extension Float: DeviceReal {
    public static var precision: Precision { .float }
    public static func pack(_ source: UnsafeBufferPointer<Double>, chains: Int, stride: Int, dimension: Int,
                            into destination: UnsafeMutablePointer<Float>) {
        packLanes(source, chains: chains, stride: stride, dimension: dimension, into: destination)
    }
    public static func unpack(_ source: UnsafePointer<Float>, chains: Int, stride: Int, dimension: Int,
                              into destination: UnsafeMutableBufferPointer<Double>) {
        unpackLanes(source, chains: chains, stride: stride, dimension: dimension, into: destination)
    }
}

extension Double: DeviceReal {
    public static var precision: Precision { .double }
    public static func pack(_ source: UnsafeBufferPointer<Double>, chains: Int, stride: Int, dimension: Int,
                            into destination: UnsafeMutablePointer<Double>) {
        packLanes(source, chains: chains, stride: stride, dimension: dimension, into: destination)
    }
    public static func unpack(_ source: UnsafePointer<Double>, chains: Int, stride: Int, dimension: Int,
                              into destination: UnsafeMutableBufferPointer<Double>) {
        unpackLanes(source, chains: chains, stride: stride, dimension: dimension, into: destination)
    }
}

// Both run over the cores in contiguous ranges of chains (`ChainRanges`) from 2¹⁶ values on: at
// 10⁶ chains a transition's outputs are megabytes the host converts while the device runs the next
// group (docs/benchmarks.md, "A million chains on the host").
@inline(__always)
private func packLanes<R: BinaryFloatingPoint>(_ source: UnsafeBufferPointer<Double>, chains: Int, stride: Int,
                                               dimension: Int, into destination: UnsafeMutablePointer<R>) {
    precondition(source.count == chains * dimension && stride >= chains, "pack: \(source.count) values for \(chains) × \(dimension)")
    ChainRanges.forEach(chains, parallel: ChainRanges.worthParallel(chains: chains, perChain: dimension)) { range in
        for p in 0..<dimension {
            let row = destination + p * stride
            let from = p * chains
            for c in range { row[c] = R(source[from + c]) }
        }
    }
    if chains < stride {
        for p in 0..<dimension {
            let row = destination + p * stride
            let last = R(source[p * chains + chains - 1])
            for c in chains..<stride { row[c] = last }
        }
    }
}

@inline(__always)
private func unpackLanes<R: BinaryFloatingPoint>(_ source: UnsafePointer<R>, chains: Int, stride: Int,
                                                 dimension: Int, into destination: UnsafeMutableBufferPointer<Double>) {
    precondition(destination.count == chains * dimension, "unpack: \(destination.count) slots for \(chains) × \(dimension)")
    ChainRanges.forEach(chains, parallel: ChainRanges.worthParallel(chains: chains, perChain: dimension)) { range in
        for p in 0..<dimension {
            let row = source + p * stride
            let to = p * chains
            for c in range { destination[to + c] = Double(row[c]) }
        }
    }
}
