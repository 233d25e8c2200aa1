/// How a pooled warmup combines the chains' Welford estimates into one metric.
///
/// With C chains of n draws each in a window, write x̄_c for chain c's mean and s_c² for its
/// sample variance (the diagonal case; the dense one is the same with outer products):
/// - `total`: every draw as one sample of C·n, the variance about the grand mean,
///   (Σ_c (n − 1) s_c² + n Σ_c (x̄_c − x̄)²) / (C·n − 1) (Chan, Golub & LeVeque 1979). It is
///   R-hat's var⁺ and includes the spread between the chains' means.
/// - `within`: the chains' own variances averaged, Σ_c (n − 1) s_c² / (C·(n − 1)): R-hat's W
///   (Gelman et al., BDA3 §11.4). It leaves out the spread between chains.
///
/// Both estimate the posterior variance once the chains have mixed. They differ when chains sit
/// in different modes (a neural network's sign flips and permuted units): the total variance
/// then measures the distance between modes, while a leapfrog step moves within one, where the
/// within-chain variance is the scale that sets the step. They also differ early in warmup,
/// before the chains have crossed their spread: `total` then takes the distance between them for
/// the posterior's scale. `within` is the default (each Stan chain, too, estimates its own
/// variance): on the BNN it mixed the noise precision 2–5× better than `total`, on eight schools,
/// the GP and most posteriordb programs it gave the same ESS per gradient, and on a regression
/// whose chains cross a long ridge slowly (earn_height) 9 % less, since one chain's window is short
/// along the ridge (docs/benchmarks.md, "Within-chain metric pooling by default").
public enum MetricPooling: String, Sendable, Hashable, CaseIterable {
    case total, within
}
