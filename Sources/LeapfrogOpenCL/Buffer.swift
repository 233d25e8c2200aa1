import COpenCL
import LeapfrogCore

/// A device buffer of `count` elements of `Element`. Owns its handle and releases it in deinit.
///
/// Reads and writes are blocking. A buffer larger than the device allows, or an allocation the
/// device cannot satisfy, throws `DeviceOutOfMemory` so the caller can split its chain batch.
public final class Buffer<Element: BitwiseCopyable>: @unchecked Sendable {
    public let handle: cl_mem
    public let context: Context
    public let count: Int

    public var byteCount: Int { count * MemoryLayout<Element>.stride }

    public enum Access: Sendable { case readWrite, readOnly, writeOnly }

    /// An uninitialised buffer. A zero-element buffer allocates one element (OpenCL forbids size 0).
    public init(context: Context, count: Int, access: Access = .readWrite) throws {
        precondition(count >= 0, "Buffer: negative count")
        self.context = context
        self.count = count
        self.handle = try Buffer.create(context, bytes: max(1, count) * MemoryLayout<Element>.stride,
                                        access: access, host: nil)
    }

    /// A buffer holding a copy of `values`, written through `queue` (a temporary queue when nil).
    public convenience init(context: Context, values: [Element], access: Access = .readWrite,
                            queue: CommandQueue? = nil) throws {
        try self.init(context: context, count: values.count, access: access)
        if !values.isEmpty {
            try write(values, queue: try queue ?? CommandQueue(context: context))
        }
    }

    deinit { clReleaseMemObject(handle) }

    private static func create(_ context: Context, bytes: Int, access: Access, host: UnsafeMutableRawPointer?) throws -> cl_mem {
        let flags: Int32
        switch access {
        case .readWrite: flags = CL_MEM_READ_WRITE
        case .readOnly: flags = CL_MEM_READ_ONLY
        case .writeOnly: flags = CL_MEM_WRITE_ONLY
        }
        var status: cl_int = 0
        let handle = clCreateBuffer(context.handle, cl_mem_flags(flags), bytes, host, &status)
        let call = "clCreateBuffer(\(NumberFormat.bytes(Double(bytes))))"
        if status == CL_INVALID_BUFFER_SIZE {
            // Larger than CL_DEVICE_MAX_MEM_ALLOC_SIZE: fewer chains per launch would fit.
            let message = OpenCLStatus.message(call: call, status: status, device: context.deviceName)
                + ": larger than the device's largest buffer"
            throw DeviceOutOfMemory(status: status, call: "clCreateBuffer", device: context.deviceName, message: message)
        }
        guard let handle, status == CL_SUCCESS else {
            try OpenCLStatus.fail(status == CL_SUCCESS ? CL_INVALID_MEM_OBJECT : status, call, device: context.deviceName)
        }
        return handle
    }

    /// Copies `values` (at most `count`) to the start of the buffer, offset by `offset` elements.
    public func write(_ values: [Element], offset: Int = 0, queue: CommandQueue) throws {
        precondition(offset >= 0 && offset + values.count <= count, "Buffer.write: \(values.count) values at \(offset) into \(count)")
        if values.isEmpty { return }
        let stride = MemoryLayout<Element>.stride
        let status = values.withUnsafeBytes { raw in
            clEnqueueWriteBuffer(queue.handle, handle, cl_bool(CL_TRUE), offset * stride, raw.count,
                                 raw.baseAddress, 0, nil, nil)
        }
        try context.check(status, "clEnqueueWriteBuffer")
    }

    /// Copies `count` elements (all by default) starting at `offset` back to the host.
    public func read(queue: CommandQueue, offset: Int = 0, count: Int? = nil) throws -> [Element] {
        let n = count ?? (self.count - offset)
        precondition(offset >= 0 && n >= 0 && offset + n <= self.count, "Buffer.read: out of range")
        if n == 0 { return [] }
        let stride = MemoryLayout<Element>.stride
        var status: cl_int = 0
        let values = try [Element](unsafeUninitializedCapacity: n) { storage, initialised in
            status = clEnqueueReadBuffer(queue.handle, handle, cl_bool(CL_TRUE), offset * stride, n * stride,
                                         UnsafeMutableRawPointer(storage.baseAddress!), 0, nil, nil)
            if status != CL_SUCCESS { try context.check(status, "clEnqueueReadBuffer") }
            initialised = n
        }
        return values
    }

    /// Enqueues a copy of `count` elements from host memory that the caller keeps alive and unchanged
    /// until the queue has passed this command (a later blocking read on the same in-order queue).
    public func enqueueWrite(from source: UnsafeBufferPointer<Element>, queue: CommandQueue) throws {
        precondition(source.count <= count, "Buffer.enqueueWrite: \(source.count) values into \(count)")
        if source.isEmpty { return }
        try context.check(clEnqueueWriteBuffer(queue.handle, handle, cl_bool(CL_FALSE), 0,
                                               source.count * MemoryLayout<Element>.stride,
                                               UnsafeRawPointer(source.baseAddress!), 0, nil, nil), "clEnqueueWriteBuffer")
    }

    /// Copies the first `destination.count` elements into host memory; non-blocking reads complete
    /// by the next blocking command on the same in-order queue.
    public func read(into destination: UnsafeMutableBufferPointer<Element>, blocking: Bool, queue: CommandQueue) throws {
        precondition(destination.count <= count, "Buffer.read: \(destination.count) values from \(count)")
        if destination.isEmpty { return }
        try context.check(clEnqueueReadBuffer(queue.handle, handle, cl_bool(blocking ? CL_TRUE : CL_FALSE), 0,
                                              destination.count * MemoryLayout<Element>.stride,
                                              UnsafeMutableRawPointer(destination.baseAddress!), 0, nil, nil),
                          "clEnqueueReadBuffer")
    }

    /// Enqueues a device-side copy of `count` elements from this buffer (at `offset`) into
    /// `destination` (at `destinationOffset`): no host memory, no round trip.
    public func enqueueCopy(to destination: Buffer<Element>, offset: Int = 0, destinationOffset: Int = 0, count: Int,
                            queue: CommandQueue) throws {
        precondition(offset >= 0 && destinationOffset >= 0 && offset + count <= self.count
                     && destinationOffset + count <= destination.count, "Buffer.enqueueCopy: out of range")
        if count == 0 { return }
        let stride = MemoryLayout<Element>.stride
        try context.check(clEnqueueCopyBuffer(queue.handle, handle, destination.handle, offset * stride,
                                              destinationOffset * stride, count * stride, 0, nil, nil),
                          "clEnqueueCopyBuffer")
    }

    /// Enqueues a non-blocking read of `destination.count` elements from `offset`; the returned
    /// event completes when they are in host memory (which the caller keeps alive until then).
    public func enqueueRead(into destination: UnsafeMutableBufferPointer<Element>, offset: Int = 0,
                            queue: CommandQueue) throws -> Event? {
        precondition(offset >= 0 && offset + destination.count <= count, "Buffer.enqueueRead: out of range")
        if destination.isEmpty { return nil }
        var event: cl_event? = nil
        let stride = MemoryLayout<Element>.stride
        try context.check(clEnqueueReadBuffer(queue.handle, handle, cl_bool(CL_FALSE), offset * stride,
                                              destination.count * stride, UnsafeMutableRawPointer(destination.baseAddress!),
                                              0, nil, &event), "clEnqueueReadBuffer")
        return Event(event!, context: context)
    }

    /// Sets every element to `value`.
    public func fill(_ value: Element, queue: CommandQueue) throws {
        try write([Element](repeating: value, count: count), queue: queue)
    }
}
