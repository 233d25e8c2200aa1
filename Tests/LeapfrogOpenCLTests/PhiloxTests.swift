import Foundation
import LeapfrogCore
import LeapfrogRandom
import Testing
@testable import LeapfrogOpenCL

/// A minimal Swift Philox-4x32-10 (Random123), for bit-for-bit comparison with Kernels/philox.cl.
enum SwiftPhilox {
    static func block(_ counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32)) -> [UInt32] {
        var (c0, c1, c2, c3) = counter
        var (k0, k1) = key
        for round in 0..<10 {
            if round > 0 { k0 &+= 0x9E37_79B9; k1 &+= 0xBB67_AE85 }
            let p0 = UInt64(c0) * 0xD251_1F53
            let p1 = UInt64(c2) * 0xCD9E_8D57
            let (hi0, lo0) = (UInt32(p0 >> 32), UInt32(truncatingIfNeeded: p0))
            let (hi1, lo1) = (UInt32(p1 >> 32), UInt32(truncatingIfNeeded: p1))
            (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
        }
        return [c0, c1, c2, c3]
    }

    /// (u + 0.5) · 2⁻³² in Double, or as a float program computes it.
    static func uniform(_ word: UInt32, _ precision: Precision) -> Double {
        precision == .double ? (Double(word) + 0.5) * 0x1p-32 : Double((Float(word) + 0.5) * 0x1p-32)
    }

    static func boxMuller(_ w0: UInt32, _ w1: UInt32, _ precision: Precision) -> (Double, Double) {
        let r = (-2 * log(uniform(w0, precision))).squareRoot()
        let theta = 2 * Double.pi * uniform(w1, precision)
        return (r * cos(theta), r * sin(theta))
    }
}

extension OpenCLTests {
    @Suite struct Philox {
        @Test func swiftPhiloxMatchesRandom123KnownAnswers() {
            #expect(SwiftPhilox.block((0, 0, 0, 0), key: (0, 0)) == [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8])
            #expect(SwiftPhilox.block((.max, .max, .max, .max), key: (.max, .max))
                    == [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd])
            #expect(SwiftPhilox.block((0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344), key: (0xa4093822, 0x299f31d0))
                    == [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1])
        }

        /// The three known-answer vectors, computed on the device by a one-off kernel.
        @Test func kernelMatchesRandom123KnownAnswers() throws {
            let env = CLTest.env
            let extra = """
            __kernel void philox_kat(__global const uint* in, __global uint* out) {
                const int i = (int)get_global_id(0);
                if (i >= 3) return;
                uint c0 = in[6 * i], c1 = in[6 * i + 1], c2 = in[6 * i + 2], c3 = in[6 * i + 3];
                lf_philox4x32_10(&c0, &c1, &c2, &c3, in[6 * i + 4], in[6 * i + 5]);
                out[4 * i] = c0; out[4 * i + 1] = c1; out[4 * i + 2] = c2; out[4 * i + 3] = c3;
            }
            """
            let program = try env.program(files: ["philox"], extra: extra, precision: .float, width: 1)
            let input: [UInt32] = [0, 0, 0, 0, 0, 0,
                                   .max, .max, .max, .max, .max, .max,
                                   0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0]
            let inBuffer = try Buffer(context: env.context, values: input)
            let outBuffer = try Buffer<UInt32>(context: env.context, count: 12)
            let kernel = try Kernel(program: program, name: "philox_kat")
            try kernel.setArg(0, inBuffer)
            try kernel.setArg(1, outBuffer)
            try env.queue.enqueue(kernel, global: 3, local: 4).wait()
            #expect(try outBuffer.read(queue: env.queue) == [
                0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8,
                0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd,
                0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1,
            ])
        }

        static let configurations: [(Precision, Int)] = [(.double, 1), (.double, 4), (.float, 1), (.float, 8)]

        @Test(arguments: [1, 7, 1000])
        func fillMatchesSwiftBitForBit(chains: Int) throws {
            try fill(chains: chains, configurations: Self.configurations)
        }

        /// The other allowed widths: the whole library builds, and Philox still matches.
        @Test(arguments: [(Precision.float, 2), (.double, 2), (.float, 16), (.double, 16)])
        func otherWidthsBuildAndMatch(precision: Precision, width: Int) throws {
            _ = try CLTest.env.program(files: KernelLibrary.fileNames, precision: precision, width: width)
            try fill(chains: 37, configurations: [(precision, width)])
        }

        func fill(chains: Int, configurations: [(Precision, Int)]) throws {
            let env = CLTest.env
            let seed: UInt64 = 0x0123_4567_89ab_cdef
            let (key0, key1) = (UInt32(truncatingIfNeeded: seed), UInt32(seed >> 32))
            let (iteration, purpose, count): (UInt32, UInt32, Int) = (5, 2, 3)
            for (precision, width) in configurations {
                let program = try env.program(files: ["philox"], precision: precision, width: width)
                let layout = ChainLayout(chains: chains, width: width, localSize: 16)
                let out = try Buffer<UInt32>(context: env.context, count: 4 * count * layout.stride)
                let kernel = try Kernel(program: program, name: "philox_fill")
                try kernel.setArg(0, out)
                try kernel.setArg(1, key0)
                try kernel.setArg(2, key1)
                try kernel.setArg(3, iteration)
                try kernel.setArg(4, purpose)
                try kernel.setArg(5, Int32(count))
                try kernel.setArg(6, Int32(layout.stride))
                try env.queue.enqueue(kernel, global: layout.workItems, local: layout.localSize).wait()
                let words = try out.read(queue: env.queue)
                var mismatches = 0
                for c in 0..<chains {
                    for j in 0..<count {
                        let expected = SwiftPhilox.block((UInt32(c), iteration, purpose, UInt32(j)), key: (key0, key1))
                        for k in 0..<4 where words[(j * 4 + k) * layout.stride + c] != expected[k] { mismatches += 1 }
                    }
                }
                #expect(mismatches == 0, "\(precision) W=\(width) chains=\(chains)")
            }
        }

        @Test(arguments: [7, 1000])
        func normalsMatchSwiftBoxMuller(chains: Int) throws {
            let env = CLTest.env
            let (key0, key1): (UInt32, UInt32) = (0xdead_beef, 42)
            let (iteration, purpose, count): (UInt32, UInt32, Int) = (11, 1, 2)
            for (precision, width) in Self.configurations {
                let program = try env.program(files: ["philox"], precision: precision, width: width)
                let layout = ChainLayout(chains: chains, width: width, localSize: 16)
                let kernel = try Kernel(program: program, name: "philox_normal_fill")
                func run<R: DeviceReal>(_: R.Type) throws -> [Double] {
                    let out = try Buffer<R>(context: env.context, count: 4 * count * layout.stride)
                    try kernel.setArg(0, out)
                    try kernel.setArg(1, key0)
                    try kernel.setArg(2, key1)
                    try kernel.setArg(3, iteration)
                    try kernel.setArg(4, purpose)
                    try kernel.setArg(5, Int32(count))
                    try kernel.setArg(6, Int32(layout.stride))
                    try env.queue.enqueue(kernel, global: layout.workItems, local: layout.localSize).wait()
                    return try out.read(queue: env.queue).map { Double($0) }
                }
                let z = precision == .double ? try run(Double.self) : try run(Float.self)
                var actual: [Double] = [], expected: [Double] = []
                for c in 0..<chains {
                    for j in 0..<count {
                        let w = SwiftPhilox.block((UInt32(c), iteration, purpose, UInt32(j)), key: (key0, key1))
                        let (z0, z1) = SwiftPhilox.boxMuller(w[0], w[1], precision)
                        let (z2, z3) = SwiftPhilox.boxMuller(w[2], w[3], precision)
                        expected += [z0, z1, z2, z3]
                        actual += (0..<4).map { z[(j * 4 + $0) * layout.stride + c] }
                    }
                }
                expectClose(actual, expected, tolerance: precision == .double ? 1e-12 : 1e-5,
                            "normals \(precision) W=\(width) chains=\(chains)")
                let mean = actual.reduce(0, +) / Double(actual.count)
                #expect(abs(mean) < 6 / Double(actual.count).squareRoot() + 1e-9)
            }
        }

        /// The library's PhiloxRandom (LeapfrogRandom) and the kernels agree: words bit for bit,
        /// normals to a few ulp, for the stream (chain, iteration, purpose) element by element.
        @Test func kernelsMatchLeapfrogRandom() throws {
            let env = CLTest.env
            let random = PhiloxRandom(seed: 0xfeed_f00d_1234_5678)
            let (chains, iteration, purpose, count) = (13, 17, RandomPurpose.momentum, 2)
            let program = try env.program(files: ["philox"], precision: .double, width: 4)
            let layout = ChainLayout(chains: chains, width: 4, localSize: 16)
            let words = try Buffer<UInt32>(context: env.context, count: 4 * count * layout.stride)
            let normals = try Buffer<Double>(context: env.context, count: 4 * count * layout.stride)
            for (name, out) in [("philox_fill", 0), ("philox_normal_fill", 1)] {
                let kernel = try Kernel(program: program, name: name)
                if out == 0 { try kernel.setArg(0, words) } else { try kernel.setArg(0, normals) }
                try kernel.setArg(1, random.key[0])
                try kernel.setArg(2, random.key[1])
                try kernel.setArg(3, UInt32(iteration))
                try kernel.setArg(4, purpose.rawValue)
                try kernel.setArg(5, Int32(count))
                try kernel.setArg(6, Int32(layout.stride))
                try env.queue.enqueue(kernel, global: layout.workItems, local: layout.localSize).wait()
            }
            let w = try words.read(queue: env.queue)
            let z = try normals.read(queue: env.queue)
            for c in 0..<chains {
                for k in 0..<(4 * count) {
                    let slot = k * layout.stride + c      // element k = block k/4, word k%4
                    #expect(PhiloxRandom.uniform(word: w[slot]) == random.uniform(chain: c, iteration: iteration, purpose: purpose, index: k))
                    #expect(close(z[slot], random.normal(chain: c, iteration: iteration, purpose: purpose, index: k), 1e-12))
                }
            }
        }
    }
}
