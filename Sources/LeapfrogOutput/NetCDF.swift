import CNetCDF
import LeapfrogCore

/// Thin checked wrappers over the netCDF-C calls the InferenceData writer and reader use.
/// Every failure becomes `LeapfrogError(.io, "<file>: <call> failed: <nc_strerror> (status N)")`.
struct NetCDF {
    /// The file named in messages (the path the user gave, or its `.partial`).
    let file: String

    func check(_ status: Int32, _ call: @autoclosure () -> String) throws {
        if status != NC_NOERR {
            throw LeapfrogError(.io, "\(file): \(call()) failed: \(NetCDF.message(status)) (netCDF status \(status))")
        }
    }

    static func message(_ status: Int32) -> String { String(cString: nc_strerror(status)) }

    func putText(_ ncid: Int32, _ varid: Int32, _ name: String, _ value: String) throws {
        let bytes = Array(value.utf8)
        try bytes.withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { chars in
                try check(nc_put_att_text(ncid, varid, name, bytes.count, chars.baseAddress), "nc_put_att_text(\(name))")
            }
        }
    }

    func putInt64(_ ncid: Int32, _ varid: Int32, _ name: String, _ value: Int64) throws {
        var v = value
        try check(nc_put_att_longlong(ncid, varid, name, nc_type(NC_INT64), 1, &v), "nc_put_att_longlong(\(name))")
    }

    func putDouble(_ ncid: Int32, _ varid: Int32, _ name: String, _ value: Double) throws {
        var v = value
        try check(nc_put_att_double(ncid, varid, name, nc_type(NC_DOUBLE), 1, &v), "nc_put_att_double(\(name))")
    }

    /// Defines dimension `name` (length `length`, or unlimited for `nil`) in group `ncid`.
    func defineDimension(_ ncid: Int32, _ name: String, _ length: Int?) throws -> Int32 {
        var id: Int32 = 0
        try check(nc_def_dim(ncid, name, length ?? Int(NC_UNLIMITED), &id), "nc_def_dim(\(name))")
        return id
    }

    func defineVariable(_ ncid: Int32, _ name: String, _ type: Int32, _ dims: [Int32]) throws -> Int32 {
        var id: Int32 = 0
        try check(nc_def_var(ncid, name, nc_type(type), Int32(dims.count), dims, &id), "nc_def_var(\(name))")
        return id
    }

    func defineChunks(_ ncid: Int32, _ varid: Int32, _ name: String, _ chunks: [Int]) throws {
        try check(nc_def_var_chunking(ncid, varid, NC_CHUNKED, chunks), "nc_def_var_chunking(\(name), \(chunks))")
    }

    /// A 1-D int64 coordinate variable `name` over dimension `dim` holding 0, 1, …, n−1.
    func writeIndexCoordinate(_ ncid: Int32, _ name: String, _ dim: Int32, _ n: Int) throws {
        let varid = try defineVariable(ncid, name, NC_INT64, [dim])
        let values = (0..<Int64(n)).map { $0 }
        try check(nc_put_vara_longlong(ncid, varid, [0], [n], values), "nc_put_vara_longlong(\(name))")
    }

    /// Every attribute of `varid` in group `ncid` as text (numbers in Swift's shortest form,
    /// several values joined with ", ").
    func attributes(_ ncid: Int32, _ varid: Int32) throws -> [String: String] {
        var count: Int32 = 0
        if varid == NC_GLOBAL {
            try check(nc_inq_natts(ncid, &count), "nc_inq_natts")
        } else {
            try check(nc_inq_varnatts(ncid, varid, &count), "nc_inq_varnatts")
        }
        var result: [String: String] = [:]
        for i in 0..<count {
            var nameBuffer = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
            try check(nc_inq_attname(ncid, varid, i, &nameBuffer), "nc_inq_attname(\(i))")
            let name = String(decoding: nameBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            var type: nc_type = 0
            var length = 0
            try check(nc_inq_att(ncid, varid, name, &type, &length), "nc_inq_att(\(name))")
            switch Int32(type) {
            case NC_CHAR:
                var chars = [CChar](repeating: 0, count: length + 1)
                try check(nc_get_att_text(ncid, varid, name, &chars), "nc_get_att_text(\(name))")
                result[name] = String(decoding: chars.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            case NC_STRING:
                var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: length)
                try check(nc_get_att_string(ncid, varid, name, &pointers), "nc_get_att_string(\(name))")
                result[name] = pointers.map { $0.map { String(cString: $0) } ?? "" }.joined(separator: ", ")
                nc_free_string(length, &pointers)
            default:
                var values = [Double](repeating: 0, count: length)
                try check(nc_get_att_double(ncid, varid, name, &values), "nc_get_att_double(\(name))")
                result[name] = values.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int64($0)) : String($0) }
                    .joined(separator: ", ")
            }
        }
        return result
    }

    func dimensionLength(_ ncid: Int32, _ dimid: Int32) throws -> Int {
        var length = 0
        try check(nc_inq_dimlen(ncid, dimid, &length), "nc_inq_dimlen")
        return length
    }

    func dimensionName(_ ncid: Int32, _ dimid: Int32) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(NC_MAX_NAME) + 1)
        try check(nc_inq_dimname(ncid, dimid, &buffer), "nc_inq_dimname")
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
