import Foundation
import Leapfrog
import Testing

/// `leapfrog sample` where libnetcdf cannot be loaded (`LEAPFROG_NETCDF_LIBRARY` pointing nowhere,
/// as on a machine without it): `--output` alone fails before sampling with a message that says
/// what to do; `--output --csv` samples and writes Stan CSV and summary.json without posterior.nc.
struct NetCDFMissingTests {
    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runLeapfrog(arguments, environment: ["LEAPFROG_NETCDF_LIBRARY": "/nonexistent/libnetcdf.so.19"])
    }

    func temporaryDirectory(_ name: String) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: path)
        return path
    }

    let sample = ["sample", "eight-schools", "--chains", "2", "--warmup", "50", "--draws", "50", "--backend", "cpu"]

    @Test func outputWithoutCSVFailsSayingWhy() throws {
        let out = temporaryDirectory("no-netcdf")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try run(sample + ["--output", out, "--quiet"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(out)/posterior.nc: cannot read or write netCDF files: the netCDF C library could not be loaded (/nonexistent/libnetcdf.so.19: "), "\(result.stderr)")
        #expect(result.stderr.contains("apt install libnetcdf-dev"))
        #expect(result.stderr.contains("write Stan CSV instead (--csv)"))
    }

    @Test func csvOutputWorksWithoutTheLibrary() throws {
        let out = temporaryDirectory("no-netcdf-csv")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try run(sample + ["--output", out, "--csv"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("writing Stan CSV only, not posterior.nc: the netCDF C library could not be loaded"))
        #expect(result.stdout.contains("lp__") && result.stdout.contains("theta[8]"))
        #expect(!FileManager.default.fileExists(atPath: out + "/posterior.nc"))
        let summary = try SummaryFile.read(path: out + "/summary.json")
        #expect(summary.draws == 50)
        #expect(summary.outputs == ["stan_csv": "chain-<k>.csv"])
        #expect(summary.parameters.contains { $0.name == "mu" })
        let csv = try StanCSVReader.read(path: out + "/chain-2.csv")
        #expect(csv.rowCount == 50)
    }
}
