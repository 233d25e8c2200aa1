#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LeapfrogCore
import LeapfrogOutput

/// The frames of `predictive.csv`, which `leapfrog variational --snapshot-every K` writes while ADVI
/// fits: per snapshot iteration, per element of a 1-D derived quantity (`mu_grid[7]`), the mean
/// and quantiles over draws of the family at that iteration.
///
///     iteration,quantity,mean,q5,q25,q50,q75,q95
///     100,mu_grid[1],0.12,-0.4,-0.1,0.1,0.3,0.7
///
/// `q25` and `q75` (the 50 % band) are optional: files written before they were added have the 90 %
/// band only. Bad input names the file and line.
struct PredictiveSnapshots: Hashable {
    /// One element's summary at one snapshot.
    struct Summary: Hashable {
        var mean: Double
        var q5: Double
        var q25: Double?
        var q75: Double?
        var q95: Double
    }

    /// One snapshot: the iteration and, per quantity name (`mu_grid`), its elements in index order.
    struct Frame: Hashable {
        var iteration: Int
        var quantities: [String: [Summary]]
    }

    /// In file order (increasing iteration).
    var frames: [Frame]
    /// The quantities' names, in the order they first appear.
    var names: [String]

    static func load(path: String) throws -> PredictiveSnapshots {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw LeapfrogError(.io, "cannot read '\(path)': \(FileSystem.lastError())")
        }
        return try parse(text, source: path)
    }

    static func parse(_ text: String, source: String) throws -> PredictiveSnapshots {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        guard let headerLine = lines.first, !headerLine.isEmpty else {
            throw LeapfrogError(.data, "\(source): empty; a predictive.csv starts with the header iteration,quantity,mean,q5,…,q95")
        }
        let header = headerLine.split(separator: ",").map(String.init)
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }
        guard let cIteration = column("iteration"), let cQuantity = column("quantity"), let cMean = column("mean"),
              let c5 = column("q5"), let c95 = column("q95") else {
            throw LeapfrogError(.data, "\(source) line 1: the header '\(headerLine)' lacks one of iteration, quantity, mean, q5, q95")
        }
        let c25 = column("q25"), c75 = column("q75")
        var frames: [Frame] = []
        var names: [String] = []
        var elements: [Int: [String: [Int: Summary]]] = [:]
        var order: [Int] = []
        for (n, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            func bad(_ what: String) -> LeapfrogError { LeapfrogError(.data, "\(source) line \(n + 1): \(what)") }
            guard cells.count == header.count else { throw bad("\(cells.count) cells for \(header.count) columns") }
            func number(_ c: Int) throws -> Double {
                guard let v = Double(cells[c]) else { throw bad("\(header[c]) '\(cells[c])' is not a number") }
                return v
            }
            guard let iteration = Int(cells[cIteration]) else { throw bad("iteration '\(cells[cIteration])' is not an integer") }
            let quantity = cells[cQuantity]
            guard let open = quantity.firstIndex(of: "["), quantity.hasSuffix("]"),
                  let index = Int(quantity[quantity.index(after: open)..<quantity.index(before: quantity.endIndex)]), index >= 1 else {
                throw bad("quantity '\(quantity)' is not an element of a 1-D quantity such as mu_grid[3]")
            }
            let name = String(quantity[..<open])
            let summary = Summary(mean: try number(cMean), q5: try number(c5), q25: try c25.map(number), q75: try c75.map(number),
                                  q95: try number(c95))
            if elements[iteration] == nil {
                guard order.last.map({ $0 < iteration }) ?? true else { throw bad("iteration \(iteration) after \(order.last!)") }
                order.append(iteration)
                elements[iteration] = [:]
            }
            if !names.contains(name) { names.append(name) }
            elements[iteration]![name, default: [:]][index] = summary
        }
        for iteration in order {
            var quantities: [String: [Summary]] = [:]
            for (name, byIndex) in elements[iteration]! {
                let count = byIndex.keys.max() ?? 0
                guard byIndex.count == count else {
                    throw LeapfrogError(.data, "\(source): iteration \(iteration) has \(byIndex.count) of the \(count) elements of \(name)")
                }
                quantities[name] = (1...count).map { byIndex[$0]! }
            }
            frames.append(Frame(iteration: iteration, quantities: quantities))
        }
        return PredictiveSnapshots(frames: frames, names: names)
    }
}
