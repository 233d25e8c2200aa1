import LeapfrogCore

/// Strided per-chain access to the chain-fastest layout without per-element uniqueness checks.
extension ChainBatch {
    /// Copies chain `c` of `other` (same shape) into this batch.
    @inline(__always)
    mutating func copyChain(_ c: Int, from other: ChainBatch) {
        let n = chains, d = dimension
        values.withUnsafeMutableBufferPointer { dst in
            other.values.withUnsafeBufferPointer { src in
                var k = c
                for _ in 0..<d { dst[k] = src[k]; k += n }
            }
        }
    }

    /// Reads chain `c` into `out[0..<dimension]`.
    @inline(__always)
    func gather(chain c: Int, into out: inout [Double]) {
        let n = chains, d = dimension
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var k = c
                for i in 0..<d { dst[i] = src[k]; k += n }
            }
        }
    }

    /// Writes `vector[0..<dimension]` to chain `c`.
    @inline(__always)
    mutating func scatter(_ vector: [Double], chain c: Int) {
        let n = chains, d = dimension
        values.withUnsafeMutableBufferPointer { dst in
            vector.withUnsafeBufferPointer { src in
                var k = c
                for i in 0..<d { dst[k] = src[i]; k += n }
            }
        }
    }
}
