#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LeapfrogCore

/// Reads whole data files, turning failures into `LeapfrogError`s that name the path.
enum DataFile {
    /// The bytes of the file at `path`.
    ///
    /// Throws an `.io` error `cannot read data file 'path': <reason>`, the reason being
    /// "no such file", "it is a directory" or "it is not readable".
    static func bytes(path: String) throws -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            let reason: String
            if !FileManager.default.fileExists(atPath: path) {
                reason = "no such file"
            } else if let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType,
                      type == .typeDirectory {
                reason = "it is a directory"
            } else {
                reason = "it is not readable"
            }
            throw LeapfrogError(.io, "cannot read data file '\(path)': \(reason)")
        }
    }

    /// The contents of the file at `path` as text. Errors as `bytes(path:)`, plus a `.data`
    /// error `path: the file is not UTF-8 text` when the bytes are not valid UTF-8.
    static func text(path: String) throws -> String {
        let bytes = try bytes(path: path)
        guard let text = String(data: Data(bytes), encoding: .utf8) else {
            throw LeapfrogError(.data, "\(path): the file is not UTF-8 text")
        }
        return text
    }
}
