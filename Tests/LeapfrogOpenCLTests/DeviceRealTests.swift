import Testing
@testable import LeapfrogOpenCL

/// `DeviceReal.pack` and `unpack`: a chain-fastest batch to the device's padded rows and back,
/// serially and (from 2¹⁶ values) over the cores in ranges of chains.
@Suite struct DeviceRealTests {
    @Test(arguments: [(7, 3, 16), (70_001, 1, 70_016), (40_000, 3, 40_064)])
    func packThenUnpackIsTheBatch(chains: Int, dimension: Int, stride: Int) {
        let values = (0..<(chains * dimension)).map { Double($0 % 977) * 0.25 - 100 }
        let padded = UnsafeMutablePointer<Float>.allocate(capacity: dimension * stride)
        defer { padded.deallocate() }
        values.withUnsafeBufferPointer { Float.pack($0, chains: chains, stride: stride, dimension: dimension, into: padded) }
        for p in 0..<dimension {
            // Row p holds the chains' component p, then the last chain's repeated over the padding.
            #expect((0..<chains).allSatisfy { padded[p * stride + $0] == Float(values[p * chains + $0]) })
            #expect((chains..<stride).allSatisfy { padded[p * stride + $0] == Float(values[p * chains + chains - 1]) })
        }
        let back = [Double](unsafeUninitializedCapacity: chains * dimension) { out, initialised in
            Float.unpack(UnsafePointer(padded), chains: chains, stride: stride, dimension: dimension, into: out)
            initialised = chains * dimension
        }
        #expect(back == values)   // quarters of integers below 2²⁴ are exact in Float
    }
}
