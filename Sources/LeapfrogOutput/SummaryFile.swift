#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogCore

/// `summary.json`: a run's configuration, back end and device, timings, gradient
/// evaluations, divergences, warnings and per-parameter summaries (`RunSummary`), as
/// pretty-printed JSON with sorted keys and snake_case names:
///
///     {
///       "backend" : "opencl",
///       "chains" : 4096,
///       "configuration" : { "model" : "bnn", "seed" : "1" },
///       "device" : "NVIDIA H100",
///       "divergences" : 0,
///       "draws" : 1000,
///       "format" : "leapfrog-summary/1",
///       "gradient_evaluations" : { "efficiency" : 0.61, "needed" : …, "spent_in_lockstep" : … },
///       "interrupted" : false,
///       "outputs" : { "inference_data" : "posterior.nc" },
///       "parameters" : [ { "ess_bulk" : 3950.2, "ess_tail" : 4010.7, "mcse_mean" : 0.002, …,
///                          "name" : "theta[1]", "q5" : …, "q50" : …, "q95" : …, "r_hat" : 1.0002, "sd" : … } ],
///       "timing" : { "sampling_seconds" : 12.5, "total_seconds" : 15.5, "warmup_seconds" : 3 },
///       "warnings" : [ ]
///     }
///
/// JSON has no NaN or infinity: such numbers are written as `null` (and read back as NaN).
/// The file is written to `path + ".partial"` and renamed, like the draw files.
public enum SummaryFile {
    public static let format = "leapfrog-summary/1"

    /// The JSON text of `summary`.
    public static func encode(_ summary: RunSummary) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(summary)
        } catch {
            throw LeapfrogError(.io, "cannot encode the run summary: \(error)")
        }
    }

    /// Writes `summary` to `path` (through `path + ".partial"`), replacing a file there.
    public static func write(_ summary: RunSummary, to path: String) throws {
        var data = try encode(summary)
        data.append(UInt8(ascii: "\n"))
        let partial = FileSystem.partialPath(path)
        let stream = try FileSystem.createExclusive(partial)
        let written = data.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, stream) }
        let failed = written != data.count ? FileSystem.lastError() : nil
        if fclose(stream) != 0 || failed != nil {
            let reason = failed ?? FileSystem.lastError()
            FileSystem.remove(partial)
            throw LeapfrogError(.io, "cannot write '\(partial)': \(reason)")
        }
        do {
            try FileSystem.rename(partial, to: path)
        } catch {
            FileSystem.remove(partial)
            throw error
        }
    }

    /// Reads a `summary.json` written by `write`.
    public static func read(path: String) throws -> RunSummary {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileSystem.exists(path) ? "it is not readable or is a directory" : "no such file"
            throw LeapfrogError(.io, "cannot read run summary '\(path)': \(reason)")
        }
        do {
            return try JSONDecoder().decode(RunSummary.self, from: data)
        } catch {
            throw LeapfrogError(.data, "\(path): not a Leapfrog run summary: \(error)")
        }
    }
}
