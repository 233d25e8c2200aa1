import LeapfrogCore
import Testing
@testable import LeapfrogOutput

/// libnetcdf is loaded with dlopen only when a .nc file is used, so the binary runs without it;
/// a missing library is an error that names it and says what to do.
@Suite struct NetCDFLibraryLoading {
    @Test func loadsTheInstalledLibrary() throws {
        #expect(NetCDFLibrary.isAvailable, "\(NetCDFLibrary.unavailableReason ?? "")")
        try NetCDFLibrary.require(for: "x.nc")
    }

    @Test func missingLibraryNamesItAndSaysWhatToDo() throws {
        guard case .failure(let failure) = NetCDFLibrary.load(candidates: ["/nonexistent/libnetcdf.so.19", "libnetcdf-leapfrog-none.so"]) else {
            Issue.record("a library that does not exist was loaded")
            return
        }
        #expect(failure.reason.hasPrefix("the netCDF C library could not be loaded (/nonexistent/libnetcdf.so.19: "))
        #expect(failure.reason.contains("; libnetcdf-leapfrog-none.so: "))
        let message = NetCDFLibrary.message(path: "run/posterior.nc", reason: failure.reason)
        #expect(message.hasPrefix("run/posterior.nc: cannot read or write netCDF files: the netCDF C library could not be loaded (/nonexistent/libnetcdf.so.19"))
        #expect(message.hasSuffix("install it (Debian/Ubuntu: apt install libnetcdf-dev; Fedora: dnf install netcdf) or, with `leapfrog sample`, write Stan CSV instead (--csv)"))
    }

    @Test func libraryWithoutTheFunctionsIsRefused() throws {
        guard case .failure(let failure) = NetCDFLibrary.load(candidates: ["libm.so.6"]) else {
            Issue.record("libm was taken for libnetcdf")
            return
        }
        #expect(failure.reason == "the netCDF C library could not be loaded (libm.so.6: has no function nc_close)")
        // The stubs stay bound to the real library.
        #expect(NetCDFLibrary.isAvailable)
    }
}
