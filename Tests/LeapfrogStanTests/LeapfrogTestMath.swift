#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libm for the tests.
enum LeapfrogTestMath {
    static func exp(_ x: Double) -> Double { Glibc.exp(x) }
}
