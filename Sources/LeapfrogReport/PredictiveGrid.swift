import LeapfrogCore
import LeapfrogData
import LeapfrogModels

/// Where a derived quantity over a grid sits on the x axis, and the data to show beside it.
///
/// The output files do not record the grid (the InferenceData writer's `observed_data` holds
/// the outcome `y` only), so the report **recomputes it from the model**: the run's model name and
/// data (from `summary.json`'s configuration `model`, `data`, `model_options`, else the files'
/// `model` attribute) give a built-in model's `ModelInstance` — whose data hold the grid the
/// run used (`X_grid`, `x_grid`) — or, for a Stan program, its CmdStan JSON data. For a 1-D derived
/// quantity of G elements, the grid is the data array whose name contains `grid` with G rows: a
/// vector as it is, or a matrix's first column that is not constant (the BNN's rows are 1, x, x²).
/// The observed points are the array of the same name without `_grid` (same column) against `y`.
/// Without a model or data the x axis is the element index 1 … G.
struct PredictiveGrid: Hashable {
    var x: [Double]
    var xLabel: String
    /// Observed (x, y), when the data hold them.
    var observed: (x: [Double], y: [Double])?

    static func == (a: Self, b: Self) -> Bool { a.x == b.x && a.xLabel == b.xLabel && a.observed?.x == b.observed?.x && a.observed?.y == b.observed?.y }
    func hash(into h: inout Hasher) { h.combine(x); h.combine(xLabel) }

    /// The data a run was made with, as far as it can be rebuilt; nil when it cannot.
    static func data(model: String?, dataPath: String?, options: String?) -> DataSet? {
        guard let model else { return nil }
        if let builtin = try? BuiltinModels.named(model) {
            let source: DataSource
            if let dataPath {
                guard let s = try? DataSource.file(dataPath) else { return nil }
                source = s
            } else {
                source = .bundled
            }
            let opts = (try? ModelOptions(parsing: options.map { [$0] } ?? [])) ?? ModelOptions()
            return try? builtin.instantiate(options: opts, data: source).data
        }
        if let dataPath, dataPath.lowercased().hasSuffix(".json") { return try? StanJSON.load(path: dataPath) }
        return nil
    }

    /// The grid for a 1-D quantity `name` of `count` elements; the index grid when `data` has none.
    static func find(for name: String, count: Int, in data: DataSet?) -> PredictiveGrid {
        let index = PredictiveGrid(x: (1...max(count, 1)).map(Double.init), xLabel: "\(name) element", observed: nil)
        guard let data, count > 0 else { return index }
        for gridName in data.names where gridName.lowercased().contains("grid") {
            guard let g = data[gridName], let column = column(of: g, rows: count) else { continue }
            var result = PredictiveGrid(x: column.values, xLabel: column.index.map { "\(gridName)[, \($0 + 1)]" } ?? gridName,
                                        observed: nil)
            let observedName = gridName.replacing("_grid", with: "").replacing("grid", with: "")
            if let o = data[observedName], let y = data["y"], y.rank == 1,
               let ox = columnValues(o, index: column.index), ox.count == y.count {
                result.observed = (ox, y.values)
            }
            return result
        }
        return index
    }

    /// A vector of `rows` values, or a `rows`×k matrix's first non-constant column (and its index).
    private static func column(of a: DataArray, rows: Int) -> (values: [Double], index: Int?)? {
        if a.rank == 1, a.count == rows { return (a.values, nil) }
        guard a.rank == 2, a.shape[0] == rows, a.shape[1] >= 1 else { return nil }
        let k = a.shape[1]
        for j in 0..<k {
            let col = (0..<rows).map { a.values[$0 * k + j] }
            if Set(col).count > 1 { return (col, j) }
        }
        return nil
    }

    private static func columnValues(_ a: DataArray, index: Int?) -> [Double]? {
        guard let index else { return a.rank == 1 ? a.values : nil }
        guard a.rank == 2, index < a.shape[1] else { return nil }
        let k = a.shape[1]
        return (0..<a.shape[0]).map { a.values[$0 * k + index] }
    }
}
