/// Stan's windowed warmup schedule, computed up front as a value.
///
/// Source: Stan `windowed_adaptation.hpp` (`set_window_params`, `compute_next_window`).
/// An initial fast buffer (step size only), slow windows that double in length and end in a
/// metric update, a terminal fast buffer; the last slow window is stretched to the terminal
/// buffer when the next doubling would not fit. When init + base window + terminal buffer
/// exceed the warmup (75 + 25 + 50 = 150 by default), Stan's 15% / 75% / 10% split is used;
/// below `minimumWarmupForWindows` iterations there are no windows (step size only).
public struct WarmupSchedule: Sendable, Hashable {
    /// Stan `windowed_adaptation` defaults (`init_buffer`, `window`, `term_buffer`).
    public static let defaultInitialBuffer = 75
    public static let defaultBaseWindow = 25
    public static let defaultTerminalBuffer = 50
    /// Stan `set_window_params`: "num_warmup < 20: no adaptation" of the metric.
    public static let minimumWarmupForWindows = 20
    /// Stan's fallback split: 15% initial buffer, 10% terminal buffer, the rest one window.
    public static let fallbackInitialFraction = 0.15
    public static let fallbackTerminalFraction = 0.1

    public private(set) var warmup: Int
    public let initialBuffer: Int
    public let terminalBuffer: Int
    /// Slow windows as iteration ranges; each ends with a metric update.
    public private(set) var windows: [Range<Int>]

    public enum Phase: Sendable, Hashable {
        case initialBuffer
        case slowWindow(Int)
        case terminalBuffer
        case sampling
    }

    public init(warmup: Int, initialBuffer: Int = defaultInitialBuffer, baseWindow: Int = defaultBaseWindow,
                terminalBuffer: Int = defaultTerminalBuffer) {
        precondition(warmup >= 0, "WarmupSchedule: negative warmup")
        self.warmup = warmup
        if warmup < Self.minimumWarmupForWindows {
            self.initialBuffer = warmup
            self.terminalBuffer = 0
            self.windows = []
            return
        }
        var initBuf = initialBuffer, base = baseWindow, term = terminalBuffer
        if initBuf + base + term > warmup {
            initBuf = Int(Self.fallbackInitialFraction * Double(warmup))
            term = Int(Self.fallbackTerminalFraction * Double(warmup))
            base = warmup - (initBuf + term)
        }
        let lastEnd = warmup - term - 1             // last iteration of the last window
        var windows: [Range<Int>] = []
        var size = base
        var start = initBuf
        var end = initBuf + base - 1
        while true {
            windows.append(start..<(end + 1))
            if end >= lastEnd { break }
            size *= 2
            start = end + 1
            var next = end + size
            if next != lastEnd && next + 2 * size >= warmup - term { next = lastEnd }
            end = min(next, lastEnd)
        }
        self.initialBuffer = initBuf
        self.terminalBuffer = term
        self.windows = windows
    }

    /// An adaptive warmup's schedule (`AdaptiveWarmup`): the initial buffer, then slow windows of
    /// `window` iterations up to `maximum` less the terminal buffer (the last one stretched to
    /// it), then the terminal buffer. `ending(afterWindowEndingAt:)` cuts it short. Below the
    /// room for one window, Stan's schedule for `maximum` with these buffers.
    public static func adaptive(maximum: Int, window: Int, initialBuffer initBuf: Int = defaultInitialBuffer,
                                terminalBuffer term: Int = defaultTerminalBuffer) -> WarmupSchedule {
        guard window >= 1, maximum >= initBuf + window + term else {
            return WarmupSchedule(warmup: maximum, initialBuffer: initBuf, terminalBuffer: term)
        }
        var windows: [Range<Int>] = []
        var start = initBuf
        while start + window <= maximum - term {
            let end = start + 2 * window > maximum - term ? maximum - term : start + window
            windows.append(start..<end)
            start = end
        }
        var s = WarmupSchedule(warmup: maximum, initialBuffer: initBuf, baseWindow: window, terminalBuffer: term)
        s.windows = windows
        return s
    }

    /// This schedule ended early: the window that ends at `iteration` is the last, and the
    /// terminal buffer follows it.
    public func ending(afterWindowEndingAt iteration: Int) -> WarmupSchedule {
        var s = self
        s.windows = windows.filter { $0.upperBound <= iteration + 1 }
        s.warmup = min(warmup, iteration + 1 + terminalBuffer)
        return s
    }

    /// The phase of a (global) iteration; iterations ≥ warmup are sampling.
    public func phase(of iteration: Int) -> Phase {
        if iteration >= warmup { return .sampling }
        for (k, w) in windows.enumerated() where w.contains(iteration) { return .slowWindow(k) }
        if let first = windows.first, iteration < first.lowerBound { return .initialBuffer }
        if windows.isEmpty { return .initialBuffer }
        return .terminalBuffer
    }

    /// Whether `iteration` is the last of a slow window (the metric is updated after it).
    public func endsWindow(_ iteration: Int) -> Bool {
        windows.contains { $0.upperBound - 1 == iteration }
    }
}
