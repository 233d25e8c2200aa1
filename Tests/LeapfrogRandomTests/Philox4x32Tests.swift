import Testing
@testable import LeapfrogRandom

/// Known-answer vectors from Random123 `examples/kat_vectors` (philox4x32, 10 rounds).
@Suite struct Philox4x32Tests {
    @Test func zeros() {
        let out = Philox4x32.block(counter: .zero, key: .zero)
        #expect(out == SIMD4(0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8))
    }

    @Test func ones() {
        let out = Philox4x32.block(counter: SIMD4(repeating: .max), key: SIMD2(repeating: .max))
        #expect(out == SIMD4(0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd))
    }

    @Test func piDigits() {
        let out = Philox4x32.block(counter: SIMD4(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344),
                                   key: SIMD2(0xa409_3822, 0x299f_31d0))
        #expect(out == SIMD4(0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1))
    }

    @Test func seedSplitsLowWordFirst() {
        let r = PhiloxRandom(seed: 0x299f_31d0_a409_3822)
        #expect(r.key == SIMD2(0xa409_3822, 0x299f_31d0))
        let b = r.block(chain: 0, iteration: 0, purpose: .initialisation, block: 0)
        #expect(b == Philox4x32.block(counter: .zero, key: SIMD2(0xa409_3822, 0x299f_31d0)))
    }
}
