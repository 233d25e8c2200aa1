/// A trajectory kernel built for one kind, shape and width: its local size on this device (capped
/// by the private-memory budget on CPUs) and the private bytes one work-item declares.
struct BuiltTrajectoryKernel {
    let kernel: Kernel
    let generated: GeneratedKernel
    let localSize: Int
    let privateBytesPerItem: Int
}
