import LeapfrogCore
import LeapfrogModel
import LeapfrogModels
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogOpenCL

/// Which of a generated kernel's arrays go to the device heap (`Generator.heapDeclarations`,
/// `OpenCLCodegen.generating`), and how private memory is counted; no device needed.
@Suite struct DeviceHeapTests {
    /// A 130-point GP: five 130 × 130 arrays, 5.2 MiB at 64 bytes an element.
    static func largeGP() throws -> BoundModel {
        try BoundModel(graph: ClassicModels.gpRegression(), data: GaussianProcessData.points(130, grid: 30))
    }

    @Test func theLargestArraysMoveFirstAndOnlyAsManyAsNeeded() {
        let sizes = [3, 14_400, 100, 14_400, 14_400, 40]
        #expect(Generator.heapDeclarations(sizes: sizes, excess: 0).isEmpty)
        #expect(Generator.heapDeclarations(sizes: sizes, excess: -5).isEmpty)
        #expect(Generator.heapDeclarations(sizes: sizes, excess: 1) == [1])
        #expect(Generator.heapDeclarations(sizes: sizes, excess: 14_401) == [1, 3])
        #expect(Generator.heapDeclarations(sizes: sizes, excess: 43_300) == [1, 3, 4, 2])
    }

    /// A declaration's comment may hold a shape with a comma (`[120, 120]`): the array still
    /// counts (it did not, so a 120-point GP's kernel was counted at two of its five matrices).
    @Test func privateBytesReadDeclarationsPastTheirComments() {
        let source = """
                realw v11[14400];  // exp_quad_cov [120, 120]
                realw x[3], gx[3];
                __global realw* v12 = lf_heap + 0;  // cholesky [120, 120], in the heap
                realt q[3];
                int k[2];
            """
        #expect(OpenCLLogDensity<Float>.privateBytes(source, width: 16, transitionLanes: 1) == ((14_400 + 6) * 16 + 3 + 2) * 4)
    }

    /// The bundled 25-point GP keeps every array private; the 130-point GP moves its largest to
    /// the heap, and what stays private fits a CPU work-item at the widest lanes, in every kernel
    /// that holds the density (the density's, the recorded values', HMC's and NUTS's).
    @Test func aLargeGPsMatricesGoToTheHeap() throws {
        let bundled = try BuiltinModels.gpRegression.instantiate()
        #expect(try OpenCLCodegen.generate(BoundModel(graph: bundled.graph, data: bundled.data)).heapElements == 0)
        let model = try Self.largeGP()
        let leapfrog = [0.5, 1, 0.5]
        let kernels = [try OpenCLCodegen.generate(model), try OpenCLCodegen.generateRecorded(model).kernel,
                       try OpenCLCodegen.generateTrajectory(model, coefficients: leapfrog),
                       try OpenCLCodegen.generateNUTS(model, maxDepth: 10, coefficients: leapfrog)]
        for kernel in kernels {
            #expect(kernel.heapElements >= 130 * 130, "\(kernel.kernelName)")
            #expect(kernel.dataArguments.last == Generator.heapArgument)
            #expect(kernel.source.contains("__global real* d___heap"))
            let bytes = OpenCLLogDensity<Float>.privateBytes(kernel.source, width: 16, transitionLanes: 16)
            #expect(bytes <= OpenCLLogDensity<Float>.cpuPrivateBudget, "\(kernel.kernelName): \(bytes) private bytes")
        }
        // The density's five 130 × 130 arrays, counted private, would exceed the budget: so would
        // all five together (5.2 MiB), so at least two moved, and no more than needed.
        #expect(kernels[0].heapElements < 5 * 130 * 130)
    }
}

extension OpenCLTests {
    /// `DeviceHeap` sizes the heap for a launch's work-items, keeps it for smaller launches, and
    /// refuses, naming the model, the work-items and the device, one beyond the device's largest
    /// buffer (here a device that allows ten work-items' slices), before allocating anything.
    @Suite struct DeviceHeapSizes {
        @Test func aHeapBeyondTheLargestBufferIsRefusedByName() throws {
            let env = CLTest.env
            let kernel = try OpenCLCodegen.generate(DeviceHeapTests.largeGP())
            var small = env.info
            small.maxAllocation = UInt64(10 * kernel.heapElements * 4 * MemoryLayout<Double>.size)
            var heap = DeviceHeap<Double>(queue: env.queue, info: small, model: "gp")
            let ten = try heap.arguments([], for: kernel, workItems: 10, width: 4)
            let five = try heap.arguments([], for: kernel, workItems: 5, width: 4)
            #expect(ten.count == 1 && five.count == 1 && ten[0] === five[0], "a smaller launch reuses the heap")
            #expect(ten[0].count == 10 * kernel.heapElements * 4)
            do {
                _ = try heap.arguments([], for: kernel, workItems: 11, width: 4)
                Issue.record("eleven work-items' heap was allocated")
            } catch let refused as DeviceOutOfMemory {
                #expect(refused.message.contains("model 'gp'") && refused.message.contains("11 work-items")
                        && refused.message.contains(small.name) && refused.message.contains("run fewer chains"), "\(refused)")
            }
            let none = try heap.arguments([], for: OpenCLCodegen.generate(BoundModel(graph: ClassicModels.gpRegression(),
                                                                                    data: GaussianProcessData.points(20))),
                                          workItems: 1_000, width: 4)
            #expect(none.isEmpty, "a kernel without a heap takes no heap argument")
        }
    }

    /// A kernel with its largest arrays in the device heap against the CPU reference: the
    /// 130-point GP's density, gradient and recorded values (the predictive mean on 30 points,
    /// through its own Cholesky factor) in f64 equal to 1e-9 relative, at 1, 7 and 33 chains and 5
    /// after them (each work-item its own slice; the heap grown to the largest batch and reused).
    @Suite struct DeviceHeapKernels {
        @Test func aLargeGPMatchesTheReference() throws {
            let env = CLTest.env
            let model = try DeviceHeapTests.largeGP()
            let reference = ReferenceModel(model)
            let device = try OpenCLLogDensity<Double>(model, queue: env.queue, width: 4, localSize: 4, cache: CLTest.cache)
            #expect(device.generated.heapElements > 0)
            for chains in [1, 7, 33, 5] {
                let x = try Self.expectTheReference(device, reference, chains: chains, seed: UInt64(chains))
                let recorded = try #require(try device.recordedValues(x), "no recorded-values kernel")
                expectClose(recorded.values, reference.recordedValues(x).values, tolerance: 1e-9, "recorded, \(chains) chains")
            }
        }

        /// `releaseDeviceMemory` (the fast precision after a switch) gives back the batch's buffers
        /// and the heap, and the next evaluation makes them again, with the reference's values.
        @Test func releasedMemoryIsMadeAgainWhenNeeded() throws {
            let env = CLTest.env
            let model = try DeviceHeapTests.largeGP()
            let reference = ReferenceModel(model)
            let device = try OpenCLLogDensity<Double>(model, queue: env.queue, width: 4, localSize: 4, cache: CLTest.cache)
            #expect(device.batchDeviceBytes == 0)
            _ = try Self.expectTheReference(device, reference, chains: 6, seed: 61)
            let held = device.batchDeviceBytes
            #expect(held >= 4 * device.generated.heapElements * MemoryLayout<Double>.size)
            device.releaseDeviceMemory()
            #expect(device.batchDeviceBytes == 0)
            _ = try Self.expectTheReference(device, reference, chains: 6, seed: 62)
            #expect(device.batchDeviceBytes == held)
        }

        /// With a heap, a batch takes no more lanes than it has chains (`chainWidth`): 1 chain one
        /// lane, 3 chains four, many the device's width; a forced width, or a kernel without a
        /// heap, always its width. The narrowed kernels give the reference's values too.
        @Test func fewChainsTakeFewLanes() throws {
            let env = CLTest.env
            let model = try DeviceHeapTests.largeGP()
            let device = try OpenCLLogDensity<Double>(model, queue: env.queue, localSize: 4, cache: CLTest.cache)
            let width = device.width
            #expect(device.chainWidth(forChains: 1) == 1 && device.chainWidth(forChains: 3) == min(4, width))
            #expect(device.chainWidth(forChains: 1_000) == width)
            let forced = try OpenCLLogDensity<Double>(model, queue: env.queue, width: 2, localSize: 4, cache: CLTest.cache)
            #expect(forced.chainWidth(forChains: 1) == 2)
            let bundled = try BuiltinModels.gpRegression.instantiate()
            let small = try OpenCLLogDensity<Double>(BoundModel(graph: bundled.graph, data: bundled.data), queue: env.queue,
                                                     cache: CLTest.cache)
            #expect(small.chainWidth(forChains: 1) == small.width)
            let reference = ReferenceModel(model)
            for chains in [1, 3] {
                _ = try Self.expectTheReference(device, reference, chains: chains, seed: UInt64(40 + chains))
            }
        }

        /// `device`'s log density and gradient at `chains` points Uniform(−1, 1) from `seed`, equal to
        /// `reference`'s to 1e-9 relative (the gradient relative to its largest element); the points.
        static func expectTheReference(_ device: OpenCLLogDensity<Double>, _ reference: ReferenceModel, chains: Int,
                                       seed: UInt64) throws -> ChainBatch {
            var rng = TestRNG(seed: seed)
            let x = ChainBatch(chains: chains, dimension: reference.dimension,
                               values: (0..<(chains * reference.dimension)).map { _ in rng.uniform(-1, 1) })
            let expected = try reference.evaluate(x), actual = try device.evaluate(x)
            expectClose(actual.logDensity, expected.logDensity, tolerance: 1e-9, "log density, \(chains) chains")
            let scale = max(1, expected.gradient.values.map(abs).max() ?? 1)
            expectClose(actual.gradient.values, expected.gradient.values, tolerance: 1e-9, floor: scale, "gradient, \(chains) chains")
            return x
        }
    }
}
