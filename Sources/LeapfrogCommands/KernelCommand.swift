import ArgumentParser
import Leapfrog

/// `leapfrog bench kernel`: prints the OpenCL program Leapfrog would build for a model (the
/// library files it needs, then the generated fused kernel) and its build options, so a user can
/// read, profile or hand-tune it (`clang -x cl`, a vendor profiler).
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Print the generated OpenCL program for a model, with its build options.")

    @OptionGroup var selection: ModelSelection
    @Option(help: "Floating-point precision of the program.") var precision: PrecisionRequest = .f32
    @Option(help: "Chains per work-item (1 on GPUs; the device's native vector width on CPUs).") var width = 8
    @Flag(help: "Print only the generated kernel, without the library files it calls.") var generatedOnly = false

    func validate() throws {
        guard [1, 2, 4, 8, 16].contains(width) else { throw ValidationError("--width must be 1, 2, 4, 8 or 16") }
    }

    func run() throws {
        let instance = try selection.instantiate()
        let bound = try BoundModel(instance)
        let generated = try OpenCLCodegen.generate(bound)
        let options = KernelLibrary.buildOptions(precision: precision == .f64 ? .double : .float, width: width)
        print("// build options: \(options)")
        print("// kernel: \(generated.kernelName); data arguments: \(generated.dataArguments.joined(separator: ", "))")
        print(generatedOnly ? generated.source : try KernelLibrary.programSource(generated.libraryFiles, extra: generated.source))
    }
}
