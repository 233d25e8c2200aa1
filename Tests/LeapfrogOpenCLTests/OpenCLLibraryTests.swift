import LeapfrogCore
import Testing
@testable import LeapfrogOpenCL

/// The OpenCL ICD loader is loaded with dlopen at the first OpenCL call, so the binary runs without
/// it (on the CPU reference); a missing library is an error that names it and says what to install.
/// (Not in `OpenCLTests`, which is skipped where there is no device.)
@Suite struct OpenCLLibraryLoading {
    /// The test machine has the loader (scripts/bootstrap installs ocl-icd-opencl-dev).
    @Test func loadsTheInstalledLibrary() throws {
        #expect(OpenCLLibrary.isAvailable, "\(OpenCLLibrary.unavailableReason ?? "")")
        try OpenCLLibrary.require()
    }

    @Test func missingLibraryNamesItAndSaysWhatToDo() throws {
        guard case .failure(let failure) = OpenCLLibrary.load(candidates: ["/nonexistent/libOpenCL.so.1", "libOpenCL-leapfrog-none.so"]) else {
            Issue.record("a library that does not exist was loaded")
            return
        }
        #expect(failure.reason.hasPrefix("the OpenCL library could not be loaded (/nonexistent/libOpenCL.so.1: "), "\(failure.reason)")
        #expect(failure.reason.contains("; libOpenCL-leapfrog-none.so: "))
        let message = OpenCLLibrary.message(reason: failure.reason)
        #expect(message.hasPrefix("OpenCL is not available: the OpenCL library could not be loaded (/nonexistent/libOpenCL.so.1: "))
        #expect(message.hasSuffix("install the OpenCL ICD loader and a driver (Debian/Ubuntu: apt install ocl-icd-libopencl1 pocl-opencl-icd, or your GPU vendor's OpenCL driver), or use --backend cpu"))
    }

    @Test func libraryWithoutTheFunctionsIsRefused() throws {
        guard case .failure(let failure) = OpenCLLibrary.load(candidates: ["libm.so.6"]) else {
            Issue.record("libm was taken for libOpenCL")
            return
        }
        #expect(failure.reason == "the OpenCL library could not be loaded (libm.so.6: has no function clBuildProgram)")
        // The stubs stay bound to the real library.
        #expect(OpenCLLibrary.isAvailable)
    }
}
