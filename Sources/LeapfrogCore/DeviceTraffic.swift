/// What crossed between host and device: kernel launches, blocking round trips (a host thread
/// waiting on the device) and bytes each way. Counted by the OpenCL evaluators and the
/// device-resident transitions, reported per iteration in summary.json (`device_traffic`).
public struct DeviceTraffic: Sendable, Hashable, Codable {
    public var launches = 0
    public var roundTrips = 0
    public var bytesToDevice = 0
    public var bytesFromDevice = 0

    public init(launches: Int = 0, roundTrips: Int = 0, bytesToDevice: Int = 0, bytesFromDevice: Int = 0) {
        self.launches = launches
        self.roundTrips = roundTrips
        self.bytesToDevice = bytesToDevice
        self.bytesFromDevice = bytesFromDevice
    }

    public static func + (a: DeviceTraffic, b: DeviceTraffic) -> DeviceTraffic {
        DeviceTraffic(launches: a.launches + b.launches, roundTrips: a.roundTrips + b.roundTrips,
                      bytesToDevice: a.bytesToDevice + b.bytesToDevice, bytesFromDevice: a.bytesFromDevice + b.bytesFromDevice)
    }

    public static func += (a: inout DeviceTraffic, b: DeviceTraffic) { a = a + b }

    enum CodingKeys: String, CodingKey {
        case launches, roundTrips = "round_trips", bytesToDevice = "bytes_to_device", bytesFromDevice = "bytes_from_device"
    }
}

/// An evaluator that counts its `DeviceTraffic` (since it was made).
public protocol DeviceTrafficCounting: AnyObject {
    var traffic: DeviceTraffic { get }
}
