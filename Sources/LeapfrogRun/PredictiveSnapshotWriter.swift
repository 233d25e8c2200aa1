import LeapfrogCore
import LeapfrogDiagnostics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `predictive.csv`: while ADVI fits, every k iterations, the derived quantities (the BNN's
/// `mu_grid`, the GP's `f_grid`) over `VariationalConfiguration.snapshotDraws` draws of the current
/// family — the frames of Edward's tutorial movie of the posterior predictive as it learns:
///
///     iteration,quantity,mean,q5,q25,q50,q75,q95
///     100,mu_grid[1],0.12,-0.4,-0.1,0.1,0.3,0.7
///
/// (the 5/25/50/75/95 % quantiles over the draws: the 90 % and 50 % bands and the median).
/// Flushed after every snapshot. `leapfrog report` plays the frames (`PredictiveMovie`).
final class PredictiveSnapshotWriter {
    let path: String
    let names: [String]
    private var file: UnsafeMutablePointer<FILE>?

    init(path: String, names: [String]) throws {
        self.path = path
        self.names = names
        guard let f = fopen(path, "w") else {
            throw LeapfrogError(.io, "cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        file = f
        fputs(Self.header + "\n", f)
        fflush(f)
    }

    /// The column names, in order.
    static let header = "iteration,quantity,mean,q5,q25,q50,q75,q95"
    /// The quantiles written after the mean.
    static let probabilities = [0.05, 0.25, 0.5, 0.75, 0.95]

    /// One snapshot from recorded values (draws × (constrained parameters, then the derived elements)).
    func append(iteration: Int, values: ChainBatch) throws {
        guard let file else { return }
        let firstColumn = values.dimension - names.count
        var text = ""
        for (k, name) in names.enumerated() {
            let column = (0..<values.chains).map { values[$0, firstColumn + k] }
            let mean = column.reduce(0, +) / Double(column.count)
            let q = Quantile.of(column, probs: Self.probabilities)
            text += "\(iteration),\(name),\(ELBOTraceWriter.number(mean)),"
                + q.map(ELBOTraceWriter.number).joined(separator: ",") + "\n"
        }
        guard fputs(text, file) >= 0 else {
            throw LeapfrogError(.io, "cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        fflush(file)
    }

    func close() {
        if let file { fclose(file) }
        file = nil
    }

    deinit { close() }
}
