import LeapfrogModel
import LeapfrogRandom

/// The random numbers of one run of a generated quantities block on the host: the Philox stream
/// (seed, global chain, retained draw, purpose `.generatedQuantities`) that its `_rng` calls read
/// in order (`HostInterpreter+Random`); or of transformed data (`init(transformedDataSeed:)`).
///
/// A reference type on purpose: `HostInterpreter` evaluates expressions without mutating itself,
/// and every `_rng` call must advance the one stream of the draw. One instance per chain and draw,
/// never shared between threads.
final class HostRandom {
    var stream: PhiloxStream

    init(_ key: DrawKey) {
        stream = PhiloxStream(random: PhiloxRandom(seed: key.seed), chain: key.chain, iteration: key.draw,
                              purpose: .generatedQuantities)
    }

    /// The stream of a run's transformed data: (seed, shared chain word, iteration 0, purpose
    /// `.transformedData`), the same for every chain and back end (Stan seeds its transformed data
    /// from the run's seed too).
    init(transformedDataSeed seed: UInt64) {
        stream = PhiloxStream(random: PhiloxRandom(seed: seed), chain: Int(PhiloxRandom.sharedChain), iteration: 0,
                              purpose: .transformedData)
    }
}
