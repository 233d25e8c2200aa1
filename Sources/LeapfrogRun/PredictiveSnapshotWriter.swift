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
///     iteration,quantity,mean,q5,q50,q95
///     100,mu_grid[1],0.12,-0.4,0.1,0.7
///
/// Flushed after every snapshot.
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
        fputs("iteration,quantity,mean,q5,q50,q95\n", f)
        fflush(f)
    }

    /// One snapshot from recorded values (draws × (constrained parameters, then the derived elements)).
    func append(iteration: Int, values: ChainBatch) throws {
        guard let file else { return }
        let firstColumn = values.dimension - names.count
        var text = ""
        for (k, name) in names.enumerated() {
            let column = (0..<values.chains).map { values[$0, firstColumn + k] }
            let mean = column.reduce(0, +) / Double(column.count)
            let q = Quantile.of(column, probs: [0.05, 0.5, 0.95])
            text += "\(iteration),\(name),\(ELBOTraceWriter.number(mean)),\(ELBOTraceWriter.number(q[0])),"
                + "\(ELBOTraceWriter.number(q[1])),\(ELBOTraceWriter.number(q[2]))\n"
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
