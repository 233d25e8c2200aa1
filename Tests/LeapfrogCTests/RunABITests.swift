import Testing
import Leapfrog
import LeapfrogC
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// The run half of the C ABI: the CLI's options, draws into buffers, equality with `SampleRun`,
/// stopping from callbacks and other threads, variational runs.
@Suite struct RunABITests {
    static let settings = ["--chains", "3", "--warmup", "60", "--draws", "40", "--seed", "9", "--quiet"]

    /// Executes a sampling run of eight schools into fresh buffers.
    static func sampled(_ arguments: [String], configure: (OpaquePointer?) -> Void = { _ in })
        -> (status: Int32, values: [Double], lp: [Double], diverging: [UInt8], run: OpaquePointer?) {
        let (model, _, _) = C.model(0, "eight-schools")
        defer { leapfrog_model_free(model) }
        let (run, status, message) = C.run(model, "sample", arguments)
        precondition(status == 0, message)
        let chains = Int(leapfrog_run_chains(run)), draws = Int(leapfrog_run_draws(run)), size = Int(leapfrog_run_draw_size(run))
        var values = [Double](repeating: 0, count: chains * draws * size)
        var lp = [Double](repeating: 0, count: chains * draws)
        var diverging = [UInt8](repeating: 9, count: chains * draws)
        configure(run)
        let executed = values.withUnsafeMutableBufferPointer { v in
            lp.withUnsafeMutableBufferPointer { l in
                diverging.withUnsafeMutableBufferPointer { d in
                    _ = leapfrog_run_set_draw_buffer(run, v.baseAddress)
                    _ = leapfrog_run_set_stat_buffer(run, "lp", UnsafeMutableRawPointer(l.baseAddress))
                    _ = leapfrog_run_set_stat_buffer(run, "diverging", UnsafeMutableRawPointer(d.baseAddress))
                    return leapfrog_run_execute(run)
                }
            }
        }
        return (executed, values, lp, diverging, run)
    }

    @Test func drawsEqualTheLibrarysRunWithTheSameSeed() throws {
        let (status, values, lp, diverging, run) = Self.sampled(Self.settings)
        defer { leapfrog_run_free(run) }
        #expect(status == 0, "\(String(cString: leapfrog_last_error()))")
        #expect(leapfrog_run_draws_written(run) == 40 && leapfrog_run_interrupted(run) == 0)
        #expect(leapfrog_run_draw_size(run) == 18)      // mu, tau, theta_tilde[8], theta[8]
        #expect(diverging.allSatisfy { $0 <= 1 })

        var configuration = RunConfiguration()
        configuration.backend.name = "cpu"
        configuration.sampler.chains = 3
        configuration.sampler.warmup = 60
        configuration.sampler.draws = 40
        configuration.sampler.seed = 9
        configuration.sampler.pooledAdaptation = false     // as the CLI adapts NUTS (each chain its own)
        let direct = try SampleRun(configuration).sample(try BuiltinModels.named("eight-schools").instantiate())
        let summaries = Dictionary(uniqueKeysWithValues: direct.summaries.map { ($0.name, $0) })
        // mu is element 0 of every draw; lp__ is the lp statistic.
        let mu = (0..<(3 * 40)).map { values[$0 * 18] }
        #expect(abs(mu.reduce(0, +) / 120 - summaries["mu"]!.mean) < 1e-12)
        #expect(abs(lp.reduce(0, +) / 120 - summaries["lp__"]!.mean) < 1e-12)
        let result = String(cString: leapfrog_run_result_json(run)!)
        #expect(result.contains(#""draws":40"#) && result.contains(#""interrupted":false"#))
    }

    @Test func aProgressCallbackStopsTheRunKeepingItsDraws() {
        let stopAtFive: ProgressFunction = { _, phase, iteration, _, _, _ in
            String(cString: phase!) == "sampling" && iteration == 60 + 5 ? 1 : 0
        }
        let (status, values, _, _, run) = Self.sampled(Self.settings) { leapfrog_run_set_callbacks($0, stopAtFive, nil, nil) }
        defer { leapfrog_run_free(run) }
        #expect(status == 0)
        #expect(leapfrog_run_interrupted(run) == 1 && leapfrog_run_draws_written(run) == 5)
        // Chain 0's draws 0..<5 are filled; draw 5 onwards is untouched.
        #expect((0..<5).allSatisfy { values[$0 * 18] != 0 } && values[5 * 18] == 0)
    }

    @Test func stopFromAnotherThreadKeepsTheDraws() {
        final class Gate: @unchecked Sendable {
            let reached = DispatchSemaphore(value: 0), resume = DispatchSemaphore(value: 0)
        }
        let gate = Gate()
        let pause: ProgressFunction = { context, phase, iteration, _, _, _ in
            let gate = Unmanaged<Gate>.fromOpaque(context!).takeUnretainedValue()
            if String(cString: phase!) == "sampling" && iteration == 60 + 3 {
                gate.reached.signal()
                gate.resume.wait()
            }
            return 0
        }
        let (model, _, _) = C.model(0, "eight-schools")
        defer { leapfrog_model_free(model) }
        let (run, _, _) = C.run(model, "sample", Self.settings)
        defer { leapfrog_run_free(run) }
        _ = leapfrog_run_set_callbacks(run, pause, nil, Unmanaged.passUnretained(gate).toOpaque())
        nonisolated(unsafe) let handle = run
        let stopper = DispatchQueue(label: "stopper")
        stopper.async {
            gate.reached.wait()
            _ = leapfrog_run_stop(handle)
            gate.resume.signal()
        }
        #expect(leapfrog_run_execute(run) == 0)
        #expect(leapfrog_run_interrupted(run) == 1 && leapfrog_run_draws_written(run) == 3)
        #expect(leapfrog_run_execute(run) == 7)     // a run executes once
    }

    @Test func theCLIsChecksAndMessagesApply() {
        let (model, _, _) = C.model(0, "eight-schools")
        defer { leapfrog_model_free(model) }
        let zero = C.run(model, "sample", ["--chains", "0"])
        #expect(zero.0 == nil && zero.1 == 3 && zero.2.contains("--chains must be at least 1"), "\(zero.2)")
        let data = C.run(model, "sample", ["--data", "x.json"])
        #expect(data.1 == 3 && data.2.contains("belongs to the model"))
        let unknown = C.run(model, "sample", ["--chians", "4"])
        #expect(unknown.1 == 3 && unknown.2.contains("chians"), "\(unknown.2)")
        let method = C.run(model, "optimize", [])
        #expect(method.1 == 7)
    }

    @Test func aVariationalRunReportsItsFit() {
        let (model, _, _) = C.model(0, "eight-schools")
        defer { leapfrog_model_free(model) }
        let (run, status, message) = C.run(model, "variational", ["--iterations", "300", "--draws", "50", "--quiet"])
        defer { leapfrog_run_free(run) }
        #expect(status == 0, "\(message)")
        #expect(leapfrog_run_set_draw_buffer(run, nil) == 7)
        #expect(leapfrog_run_execute(run) == 0, "\(String(cString: leapfrog_last_error()))")
        let result = String(cString: leapfrog_run_result_json(run)!)
        #expect(result.contains(#""method":"variational""#) && result.contains(#""pareto_k""#))
        #expect(leapfrog_run_draws_written(run) == 50)
    }
}
