/// Per chain, the three sums ChEES's trajectory-length gradient is made of
/// (`ChEESAdaptation.sums` on the host, Kernels/warmup.cl's `lf_chees_sums` on a device):
/// ‖x'_c − x̄'‖², ‖x_c − x̄‖² and ⟨x'_c − x̄', v_c⟩, for proposals x', starts x and velocities v.
public struct ChEESSums: Sendable, Hashable {
    public var proposalSpread: [Double]
    public var startSpread: [Double]
    public var proposalAlongVelocity: [Double]

    public init(proposalSpread: [Double], startSpread: [Double], proposalAlongVelocity: [Double]) {
        self.proposalSpread = proposalSpread
        self.startSpread = startSpread
        self.proposalAlongVelocity = proposalAlongVelocity
    }
}
