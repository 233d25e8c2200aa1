import Leapfrog

// The run functions of include/leapfrog.h: make a run with the CLI's options, give it buffers
// and callbacks, execute it (blocking), stop it from any thread, read its outcome, free it.

/// Makes a run of `model` into `*out` (free with `leapfrog_run_free`).
/// - method: `sample` or `variational`.
/// - arguments, count: the options as `leapfrog sample MODEL …` / `leapfrog variational MODEL …`
///   take them after the model (`--chains`, `8`, `--output`, `runs/x`, `--csv`); the same
///   defaults, checks and messages. `--data` and `--model-option` belong to the model.
@_cdecl("leapfrog_run_new")
public func leapfrog_run_new(_ model: OpaquePointer?, _ method: UnsafePointer<CChar>?,
                             _ arguments: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int64,
                             _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded {
        guard let out else { throw BoundaryError("out is NULL") }
        out.pointee = nil
        let m = try Handles.object(model, ModelHandle.self, "model")
        guard count >= 0 else { throw BoundaryError("count must not be negative (got \(count))") }
        if count > 0 && arguments == nil { throw BoundaryError("arguments is NULL but count is \(count)") }
        let args = try (0..<Int(count)).map { try string(arguments![$0], "arguments[\($0)]") }
        out.pointee = Handles.make(try RunHandle(model: m, method: try string(method, "method"), arguments: args))
    }
}

/// Frees a run (NULL is ignored); not while it executes.
@_cdecl("leapfrog_run_free")
public func leapfrog_run_free(_ run: OpaquePointer?) { Handles.release(run, RunHandle.self) }

/// The chains the run's buffers are sized for (1 for variational); -1 on error.
@_cdecl("leapfrog_run_chains")
public func leapfrog_run_chains(_ run: OpaquePointer?) -> Int64 { runFigure(run) { $0.chains } }

/// The draws per chain the buffers are sized for (`--draws`); -1 on error.
@_cdecl("leapfrog_run_draws")
public func leapfrog_run_draws(_ run: OpaquePointer?) -> Int64 { runFigure(run) { $0.draws } }

/// The values per draw: every element of the model info's `variables`, in order; -1 on error.
@_cdecl("leapfrog_run_draw_size")
public func leapfrog_run_draw_size(_ run: OpaquePointer?) -> Int64 { runFigure(run) { $0.drawSize } }

/// Draws per chain made so far by the last execution (fewer than planned when stopped); -1 on error.
@_cdecl("leapfrog_run_draws_written")
public func leapfrog_run_draws_written(_ run: OpaquePointer?) -> Int64 { runFigure(run) { $0.drawsWritten } }

/// 1 when the run was stopped before its end, 0 otherwise; -1 on error.
@_cdecl("leapfrog_run_interrupted")
public func leapfrog_run_interrupted(_ run: OpaquePointer?) -> Int32 { Int32(runFigure(run) { $0.interrupted ? 1 : 0 }) }

/// Streams every draw into `values`: chains × draws × draw_size doubles, row-major (NULL: no
/// values). Sampling runs only.
@_cdecl("leapfrog_run_set_draw_buffer")
public func leapfrog_run_set_draw_buffer(_ run: OpaquePointer?, _ values: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded {
        let r = try Handles.object(run, RunHandle.self, "run")
        try requireSampling(r)
        r.values = values
    }
}

/// Streams a sample statistic into `buffer`, chains × draws, row-major: `lp`, `acceptance_rate`,
/// `step_size`, `energy` (double), `tree_depth`, `n_steps` (int64_t), `diverging` (uint8_t).
/// NULL removes it. Sampling runs only.
@_cdecl("leapfrog_run_set_stat_buffer")
public func leapfrog_run_set_stat_buffer(_ run: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                                         _ buffer: UnsafeMutableRawPointer?) -> Int32 {
    guarded {
        let r = try Handles.object(run, RunHandle.self, "run")
        try requireSampling(r)
        let n = try string(name, "name")
        guard let statistic = BufferDrawWriter.Statistic(rawValue: n) else {
            throw BoundaryError("unknown statistic '\(n)': have \(BufferDrawWriter.Statistic.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        r.statistics[statistic] = buffer
    }
}

/// Sets the callbacks (either may be NULL) and the context passed to them. `progress` is called
/// after every iteration with the phase (`warmup`, `sampling`, `variational`), iterations done,
/// the total, divergences so far and, for variational runs, the ELBO's running mean (NaN
/// otherwise); a nonzero return stops the run. `message` receives the run's messages. Both run on
/// the thread that called `leapfrog_run_execute`.
@_cdecl("leapfrog_run_set_callbacks")
public func leapfrog_run_set_callbacks(_ run: OpaquePointer?, _ progress: ProgressFunction?, _ message: MessageFunction?,
                                       _ context: UnsafeMutableRawPointer?) -> Int32 {
    guarded {
        let r = try Handles.object(run, RunHandle.self, "run")
        r.progress = progress
        r.message = message
        r.context = context
    }
}

/// Executes the run, blocking until it ends or is stopped (`leapfrog_run_stop`, a callback's
/// nonzero return). A stopped run returns LEAPFROG_OK with `leapfrog_run_interrupted` 1; its
/// draws so far are in the buffers and its files are closed (marked interrupted). A run executes once.
@_cdecl("leapfrog_run_execute")
public func leapfrog_run_execute(_ run: OpaquePointer?) -> Int32 {
    guarded { try Handles.object(run, RunHandle.self, "run").execute() }
}

/// Asks the run to stop before its next iteration. Safe from any thread, while it executes or
/// before; returns at once.
@_cdecl("leapfrog_run_stop")
public func leapfrog_run_stop(_ run: OpaquePointer?) -> Int32 {
    guarded { try Handles.object(run, RunHandle.self, "run").stop() }
}

/// The outcome as JSON after `leapfrog_run_execute` succeeded (summaries, warnings, figures,
/// files, …); valid until the run is freed; NULL (and an error) before.
@_cdecl("leapfrog_run_result_json")
public func leapfrog_run_result_json(_ run: OpaquePointer?) -> UnsafePointer<CChar>? {
    var text: UnsafePointer<CChar>?
    _ = guarded {
        let r = try Handles.object(run, RunHandle.self, "run")
        guard let result = r.cResult else { throw BoundaryError("the run has no result: execute it first") }
        text = UnsafePointer(result)
    }
    return text
}

private func runFigure(_ run: OpaquePointer?, _ figure: (RunHandle) -> Int) -> Int64 {
    var value: Int64 = -1
    _ = guarded { value = Int64(figure(try Handles.object(run, RunHandle.self, "run"))) }
    return value
}

private func requireSampling(_ run: RunHandle) throws {
    guard case .sample = run.method else {
        throw BoundaryError("draw buffers are for sampling runs; a variational run writes its draws with --output")
    }
}
