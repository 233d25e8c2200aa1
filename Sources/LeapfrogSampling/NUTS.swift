#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogCore
import LeapfrogRandom

/// Reusable per-chain scratch buffers of `NUTSKernel` (checkpoints, momentum sums): keeping one
/// across iterations avoids reallocating megabytes per transition.
public struct NUTSWorkspace: Sendable {
    var trees: [NUTSKernel.Tree] = []
    public init() {}
}

/// The No-U-Turn Sampler with multinomial trajectory sampling, for a batch of chains in lockstep.
///
/// Sources (studied, not copied):
/// - Stan `base_nuts.hpp` (≥ 2.26): multinomial sampling; biased progressive sampling at the
///   top level (accept the new subtree's proposal with min(1, W_new/W_old)) and uniform
///   progressive sampling inside subtrees; `accept_stat` = mean over all leaves of
///   min(1, e^{H₀−H}); a subtree that diverges or turns is discarded; the tree depth counts the
///   valid doublings; the additional U-turn checks across merged subtrees.
/// - Betancourt (2017), "A Conceptual Introduction to HMC", the generalised criterion on
///   ρ = Σ p over a (sub)trajectory: continue while p♯₋·ρ > 0 and p♯₊·ρ > 0, p♯ = M⁻¹p.
/// - numpyro `infer/hmc_util.py` (`_iterative_build_subtree`, `_leaf_idx_to_ckpt_idxs`,
///   `_is_iterative_turning`): a doubling is built leaf by leaf without recursion; at an even
///   leaf n its momentum and the running momentum sum are saved at checkpoint
///   popcount(n >> 1); at an odd leaf n the subtrees ending there (as many as n has trailing
///   one bits) start at checkpoints idx_max = popcount(n >> 1) down to idx_min.
///
/// Stan's extra checks in the iterative scheme. A subtree [a, b] with halves [a, m], [m+1, b]
/// also needs (i) ρ[a … m+1] with ends p♯_a, p♯_{m+1} and (ii) ρ[m … b] with ends p♯_m, p♯_b.
/// p_a and S(a−1) come from its checkpoint i; p_{m+1} and S(m+1) from checkpoint i + 1 (the start
/// of the right half, checked just before); p_m and S(m) are saved at leaf m, when [a, m] was
/// the largest subtree completed there (only that one can be a left half), in a second
/// checkpoint array at index idx_min. The top-level merge of the tree T with the new subtree N
/// (built outwards from T's end E; F the other end; N₀ its first leaf) checks T ∪ N, then
/// ρ_T + p_{N₀} with ends F, N₀, and ρ_N + p_E with ends E and N's last leaf — the same points
/// as Stan's `transition` (`p_bck_fwd`/`p_fwd_bck` bookkeeping). `NUTSReferenceTests` checks the
/// whole scheme against a recursive port of Stan's `build_tree`: identical depth, leapfrog count,
/// divergence and accept statistic for the same momentum and directions.
///
/// Lockstep: every iteration of the loop takes one integrator step for every chain whose tree
/// is still growing (one batched evaluation per gradient stage), masking the finished chains.
/// Each chain's trajectory, and its random numbers, are exactly those it would have alone.
///
/// Random numbers (uniform element `index` of the stream (chain, iteration, purpose)):
/// momentum: normals of `.momentum`; direction of doubling j: `.direction`, index j, forward
/// when u > 0.5; multinomial choice at leaf k (0-based over the whole trajectory):
/// `.multinomial`, index k; top-level acceptance of doubling j: `.acceptance`, index j.
public struct NUTSKernel: Sendable {
    public var maxDepth: Int
    public var integrator: Integrator
    /// Stan's default `max_depth`.
    public static let defaultMaxDepth = 10

    public init(maxDepth: Int = NUTSKernel.defaultMaxDepth, integrator: Integrator = .leapfrog) {
        precondition(maxDepth >= 0, "NUTS: negative max depth")
        self.maxDepth = maxDepth
        self.integrator = integrator
    }

    /// Per-chain bookkeeping of one trajectory.
    struct Tree {
        let d: Int
        var h0 = 0.0
        var depth = 0
        var direction = 1.0
        var leaf = 0
        var logSumWeight = 0.0
        var logSumWeightSubtree = -Double.infinity
        var sumMetropolis = 0.0
        var leapfrogs = 0
        var divergent = false
        var done = false
        var moved = false
        var sampleEnergy = 0.0
        var proposalEnergy = 0.0
        var rho: [Double]
        var subtreeSum: [Double]
        var pMinus: [Double], vMinus: [Double], pPlus: [Double], vPlus: [Double]
        var ckP: [Double], ckV: [Double], ckS: [Double]
        var leftP: [Double], leftV: [Double], leftS: [Double]

        /// Scalars back to their initial values; vectors are overwritten before they are read.
        mutating func reset() {
            h0 = 0; depth = 0; direction = 1; leaf = 0; logSumWeight = 0; logSumWeightSubtree = -.infinity
            sumMetropolis = 0; leapfrogs = 0; divergent = false; done = false; moved = false
            sampleEnergy = 0; proposalEnergy = 0
        }

        init(d: Int, levels: Int) {
            self.d = d
            rho = Array(repeating: 0, count: d); subtreeSum = rho
            pMinus = rho; vMinus = rho; pPlus = rho; vPlus = rho
            let k = max(1, levels) * d
            ckP = Array(repeating: 0, count: k); ckV = ckP; ckS = ckP
            leftP = ckP; leftV = ckP; leftS = ckP
        }
    }

    /// Stan `compute_criterion` on vectors at offsets: a[ao ..< ao+d]·ρ > 0 and b[bo ..< bo+d]·ρ > 0.
    @inline(__always)
    static func persists(_ a: [Double], _ ao: Int, _ b: [Double], _ bo: Int, _ rho: [Double]) -> Bool {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                rho.withUnsafeBufferPointer { r in
                    var x = 0.0, y = 0.0
                    for i in 0..<r.count { x += pa[ao + i] * r[i]; y += pb[bo + i] * r[i] }
                    return x > 0 && y > 0
                }
            }
        }
    }

    /// out = a[ao…] − b[bo…] + c[co…] over d entries.
    @inline(__always)
    static func combine(_ out: inout [Double], _ a: [Double], _ ao: Int, minus b: [Double], _ bo: Int,
                        plus c: [Double], _ co: Int) {
        out.withUnsafeMutableBufferPointer { o in
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeBufferPointer { pc in
                        for i in 0..<o.count { o[i] = pa[ao + i] - pb[bo + i] + pc[co + i] }
                    }
                }
            }
        }
    }

    /// dst[o ..< o+d] = src[0 ..< d].
    @inline(__always)
    static func store(_ dst: inout [Double], at o: Int, _ src: [Double]) {
        dst.withUnsafeMutableBufferPointer { pd in
            src.withUnsafeBufferPointer { ps in
                for i in 0..<ps.count { pd[o + i] = ps[i] }
            }
        }
    }

    /// dst += src.
    @inline(__always)
    static func addInPlace(_ dst: inout [Double], _ src: [Double]) {
        dst.withUnsafeMutableBufferPointer { pd in
            src.withUnsafeBufferPointer { ps in
                for i in 0..<ps.count { pd[i] += ps[i] }
            }
        }
    }

    @inline(__always)
    static func logAddExp(_ a: Double, _ b: Double) -> Double {
        if a == -.infinity { return b }
        if b == -.infinity { return a }
        let m = max(a, b)
        return m + log(exp(a - m) + exp(b - m))
    }

    /// numpyro `_leaf_idx_to_ckpt_idxs`.
    @inline(__always)
    static func checkpointIndices(leaf n: Int) -> (min: Int, max: Int) {
        let idxMax = (n >> 1).nonzeroBitCount
        let trailingOnes = ((~n & (n + 1)) - 1).nonzeroBitCount
        return (idxMax - trailingOnes + 1, idxMax)
    }

    public func transition(_ state: SamplerState, model: some BatchedLogDensity, metric: Metric,
                           stepSizes: [Double], random: PhiloxRandom, iteration: Int) throws -> Transition {
        var workspace = NUTSWorkspace()
        return try transition(state, model: model, metric: metric, stepSizes: stepSizes, random: random,
                              iteration: iteration, workspace: &workspace)
    }

    /// As above, reusing `workspace`'s per-chain buffers (scratch only: it carries nothing from
    /// one transition to the next, and the result does not depend on it).
    public func transition(_ state: SamplerState, model: some BatchedLogDensity, metric: Metric,
                           stepSizes: [Double], random: PhiloxRandom, iteration: Int,
                           workspace: inout NUTSWorkspace) throws -> Transition {
        let n = state.chains, d = state.dimension
        precondition(stepSizes.count == n, "NUTS: \(stepSizes.count) step sizes for \(n) chains")
        var z = PhasePoint(position: state.positions, momentum: ChainBatch(chains: n, dimension: d),
                           logDensity: state.logDensity, gradient: state.gradient)
        metric.drawMomentum(into: &z.momentum, random: random, iteration: iteration)
        var v = metric.velocity(z.momentum)
        let k0 = Metric.kineticEnergy(momentum: z.momentum, velocity: v)
        var minusEnd = z, plusEnd = z
        var vMinusBatch = v, vPlusBatch = v
        var sample = state
        var proposal = state
        var trees: [Tree] = []
        swap(&trees, &workspace.trees)
        if trees.count != n || trees.first?.d != d || trees.first!.ckP.count < max(1, maxDepth) * d {
            trees = (0..<n).map { _ in Tree(d: d, levels: maxDepth) }
        } else {
            for c in 0..<n { trees[c].reset() }
        }
        defer { swap(&trees, &workspace.trees) }
        var lockstep = 0

        func startDoubling(_ c: Int) {
            let forward = random.uniform(chain: c, iteration: iteration, purpose: .direction,
                                         index: trees[c].depth) > 0.5
            trees[c].direction = forward ? 1 : -1
            let end = forward ? plusEnd : minusEnd
            z.copyChain(c, from: end)
            v.copyChain(c, from: forward ? vPlusBatch : vMinusBatch)
            trees[c].leaf = 0
            trees[c].logSumWeightSubtree = -.infinity
            for i in 0..<d { trees[c].subtreeSum[i] = 0 }
        }

        for c in 0..<n {
            let h = -z.logDensity[c] + k0[c]
            trees[c].h0 = h
            trees[c].sampleEnergy = h
            for i in 0..<d {
                let p = z.momentum.values[i * n + c], vi = v.values[i * n + c]
                trees[c].rho[i] = p
                trees[c].pMinus[i] = p; trees[c].pPlus[i] = p
                trees[c].vMinus[i] = vi; trees[c].vPlus[i] = vi
            }
            if !h.isFinite {
                trees[c].divergent = true
                trees[c].done = true
            } else if maxDepth == 0 {
                trees[c].done = true
            } else {
                startDoubling(c)
            }
        }

        let placeholder = Tree(d: 0, levels: 0)
        var p = [Double](repeating: 0, count: d), vc = [Double](repeating: 0, count: d)
        var rhoWork = [Double](repeating: 0, count: d)
        while true {
            let active = trees.map { !$0.done }
            if !active.contains(true) { break }
            let eps = (0..<n).map { trees[$0].direction * stepSizes[$0] }
            lockstep += try integrator.step(&z, model: model, metric: metric, stepSizes: eps,
                                            active: active.allSatisfy { $0 } ? nil : active)
            metric.velocity(z.momentum, into: &v, active: active)

            for c in 0..<n where active[c] {
                z.momentum.gather(chain: c, into: &p)
                v.gather(chain: c, into: &vc)
                var kinetic = 0.0
                for i in 0..<d { kinetic += p[i] * vc[i] }
                var h = -z.logDensity[c] + 0.5 * kinetic
                if h.isNaN { h = .infinity }
                // Move the chain's bookkeeping out (no copy-on-write of its arrays), back below.
                var t = placeholder
                swap(&t, &trees[c])
                t.leapfrogs += 1
                let leafIndexInTrajectory = t.leapfrogs - 1
                let deltaH = h - t.h0
                if deltaH > Divergence.threshold || !h.isFinite { t.divergent = true }
                let logWeight = t.h0 - h
                t.sumMetropolis += logWeight > 0 ? 1 : exp(logWeight)
                NUTSKernel.addInPlace(&t.subtreeSum, p)
                // Uniform progressive (multinomial) sampling inside the subtree.
                let merged = NUTSKernel.logAddExp(t.logSumWeightSubtree, logWeight)
                let takeLeaf: Bool
                if t.leaf == 0 { takeLeaf = true } else {
                    let u = random.uniform(chain: c, iteration: iteration, purpose: .multinomial,
                                           index: leafIndexInTrajectory)
                    takeLeaf = u < exp(logWeight - merged)
                }
                t.logSumWeightSubtree = merged
                if takeLeaf && !t.divergent {
                    proposal.positions.copyChain(c, from: z.position)
                    proposal.gradient.copyChain(c, from: z.gradient)
                    proposal.logDensity[c] = z.logDensity[c]
                    t.proposalEnergy = h
                }

                var valid = !t.divergent
                if valid {
                    let (idxMin, idxMax) = NUTSKernel.checkpointIndices(leaf: t.leaf)
                    if t.leaf % 2 == 0 {
                        let o = idxMax * d
                        NUTSKernel.store(&t.ckP, at: o, p)
                        NUTSKernel.store(&t.ckV, at: o, vc)
                        NUTSKernel.store(&t.ckS, at: o, t.subtreeSum)
                    } else {
                        var level = idxMax
                        while level >= idxMin && valid {
                            let o = level * d
                            // The whole subtree [a, leaf].
                            NUTSKernel.combine(&rhoWork, t.subtreeSum, 0, minus: t.ckS, o, plus: t.ckP, o)
                            valid = NUTSKernel.persists(t.ckV, o, vc, 0, rhoWork)
                            if valid && level < idxMax {
                                // (i) left half + first point of the right half: ρ[a … m+1].
                                let r = (level + 1) * d
                                NUTSKernel.combine(&rhoWork, t.ckS, r, minus: t.ckS, o, plus: t.ckP, o)
                                valid = NUTSKernel.persists(t.ckV, o, t.ckV, r, rhoWork)
                                if valid {
                                    // (ii) last point of the left half + right half: ρ[m … leaf].
                                    NUTSKernel.combine(&rhoWork, t.subtreeSum, 0, minus: t.leftS, o, plus: t.leftP, o)
                                    valid = NUTSKernel.persists(t.leftV, o, vc, 0, rhoWork)
                                }
                            }
                            level -= 1
                        }
                        if valid {
                            let o = idxMin * d
                            NUTSKernel.store(&t.leftP, at: o, p)
                            NUTSKernel.store(&t.leftV, at: o, vc)
                            NUTSKernel.store(&t.leftS, at: o, t.subtreeSum)
                        }
                    }
                }
                t.leaf += 1
                var doublingCompleted = false

                if !valid {
                    t.done = true                    // discard the subtree; depth not counted (Stan)
                } else if t.leaf == 1 << t.depth {
                    // The doubling is complete and valid: biased progressive sampling (Stan).
                    doublingCompleted = true
                    t.depth += 1
                    let accept: Bool
                    if t.logSumWeightSubtree > t.logSumWeight { accept = true } else {
                        let u = random.uniform(chain: c, iteration: iteration, purpose: .acceptance, index: t.depth - 1)
                        accept = u < exp(t.logSumWeightSubtree - t.logSumWeight)
                    }
                    if accept {
                        sample.positions.copyChain(c, from: proposal.positions)
                        sample.gradient.copyChain(c, from: proposal.gradient)
                        sample.logDensity[c] = proposal.logDensity[c]
                        t.sampleEnergy = t.proposalEnergy
                        t.moved = true
                    }
                    t.logSumWeight = NUTSKernel.logAddExp(t.logSumWeight, t.logSumWeightSubtree)
                    // Top-level U-turn checks across the merge.
                    let forward = t.direction > 0
                    let pE = forward ? t.pPlus : t.pMinus, vE = forward ? t.vPlus : t.vMinus
                    let vF = forward ? t.vMinus : t.vPlus
                    var ok = true
                    for i in 0..<d { rhoWork[i] = t.rho[i] + t.ckP[i] }                 // ρ_T + p_{N₀}
                    ok = NUTSKernel.persists(vF, 0, t.ckV, 0, rhoWork)
                    if ok {
                        for i in 0..<d { rhoWork[i] = t.subtreeSum[i] + pE[i] }         // ρ_N + p_E
                        ok = NUTSKernel.persists(vE, 0, vc, 0, rhoWork)
                    }
                    NUTSKernel.addInPlace(&t.rho, t.subtreeSum)
                    if forward { t.pPlus = p; t.vPlus = vc } else { t.pMinus = p; t.vMinus = vc }
                    if ok { ok = NUTSKernel.persists(t.vMinus, 0, t.vPlus, 0, t.rho) }
                    if forward { plusEnd.copyChain(c, from: z) } else { minusEnd.copyChain(c, from: z) }
                    if forward { vPlusBatch.scatter(vc, chain: c) } else { vMinusBatch.scatter(vc, chain: c) }
                    if !ok || t.depth >= maxDepth { t.done = true }
                }
                swap(&t, &trees[c])
                // A completed doubling whose tree goes on: the next one starts from an end.
                if doublingCompleted && !trees[c].done { startDoubling(c) }
            }
        }

        var info = [TransitionInfo]()
        info.reserveCapacity(n)
        for c in 0..<n {
            let t = trees[c]
            info.append(TransitionInfo(
                acceptanceStatistic: t.leapfrogs > 0 ? t.sumMetropolis / Double(t.leapfrogs) : 0,
                accepted: t.moved, divergent: t.divergent, energy: t.sampleEnergy, stepSize: stepSizes[c],
                treeDepth: t.depth, leapfrogSteps: t.leapfrogs,
                gradientEvaluations: t.leapfrogs * integrator.gradientsPerStep))
        }
        return Transition(state: sample, info: TransitionInfoBatch(info), lockstepEvaluations: lockstep)
    }
}
