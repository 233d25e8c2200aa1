/*
 * leapfrog.h: the C ABI of Leapfrog (batched HMC/NUTS/ChEES over many chains, OpenCL kernels and a
 * CPU reference), as the shared library libLeapfrogC.so (macOS: libLeapfrogC.dylib) exports it:
 *
 *     swift build -c release --product LeapfrogC      # → .build/release/libLeapfrogC.so
 *
 * Opaque handles, int status codes, plain C types. Every function that can fail returns
 * LEAPFROG_OK (0) or an error code and leaves Leapfrog's message (with the file, line, column or
 * variable at fault) in leapfrog_last_error(), which is per thread. Strings returned by the
 * library are owned by it. The Python package in python/ is a ctypes binding of this header.
 *
 *     leapfrog_model *m;
 *     if (leapfrog_model_new(LEAPFROG_MODEL_BUILTIN, "eight-schools", NULL, NULL, LEAPFROG_DATA_JSON,
 *                            NULL, NULL, "cpu", NULL, NULL, &m) != LEAPFROG_OK)
 *         fprintf(stderr, "%s\n", leapfrog_last_error());
 *     int64_t d = leapfrog_model_dimension(m);            // 10
 *     double x[2 * 10] = {0}, lp[2], grad[2 * 10];
 *     leapfrog_model_log_density_gradient(m, 2, x, lp, grad);
 *
 *     const char *args[] = {"--chains", "4", "--seed", "7", "--quiet"};
 *     leapfrog_run *r;
 *     leapfrog_run_new(m, "sample", args, 5, &r);
 *     double *draws = malloc(sizeof(double) * leapfrog_run_chains(r) * leapfrog_run_draws(r) * leapfrog_run_draw_size(r));
 *     leapfrog_run_set_draw_buffer(r, draws);
 *     leapfrog_run_execute(r);                            // leapfrog_run_stop(r) from another thread stops it
 *     puts(leapfrog_run_result_json(r));
 *     leapfrog_run_free(r);
 *     leapfrog_model_free(m);
 */
#ifndef LEAPFROG_H
#define LEAPFROG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. */
#define LEAPFROG_OK 0
#define LEAPFROG_ERROR_DATA 1          /* malformed or missing data, shape mismatch */
#define LEAPFROG_ERROR_MODEL 2         /* an ill-formed model, an unknown name, an unsupported Stan feature */
#define LEAPFROG_ERROR_CONFIGURATION 3 /* an impossible option */
#define LEAPFROG_ERROR_DEVICE 4        /* OpenCL: no platform, build failure, out of memory */
#define LEAPFROG_ERROR_SAMPLING 5      /* initialisation failed, a non-finite adapted metric */
#define LEAPFROG_ERROR_IO 6            /* a file that cannot be read or written */
#define LEAPFROG_ERROR_ARGUMENT 7      /* a NULL pointer, a size that does not match */
#define LEAPFROG_ERROR_INTERNAL 8      /* anything else: a bug, please report it */

/* How leapfrog_model_new reads `source`. */
#define LEAPFROG_MODEL_BUILTIN 0    /* a built-in model's name: eight-schools, bnn, gaussian, … */
#define LEAPFROG_MODEL_STAN 1       /* Stan program text */
#define LEAPFROG_MODEL_GRAPH_JSON 2 /* model-graph JSON text (docs/model-format.md) */

/* How leapfrog_model_new reads `data`. */
#define LEAPFROG_DATA_JSON 0 /* CmdStan JSON text */
#define LEAPFROG_DATA_CSV 1  /* CSV text: a header row, numeric cells (built-in models, graph JSON) */

typedef struct leapfrog_model leapfrog_model;
typedef struct leapfrog_run leapfrog_run;

/* After every iteration: phase is "warmup", "sampling" or "variational"; iteration counts the
 * iterations done (1-based) of total; divergences so far; elbo is the ELBO's running mean in a
 * variational run, NaN otherwise. A nonzero return stops the run (as Ctrl-C does the CLI). */
typedef int32_t (*leapfrog_progress_fn)(void *context, const char *phase, int64_t iteration, int64_t total,
                                        int64_t divergences, double elbo);
/* A message of the run (the banner, notes, back-end fallbacks, precision switches). */
typedef void (*leapfrog_message_fn)(void *context, const char *message);

/* The library version; static storage. */
const char *leapfrog_version(void);
/* The calling thread's last error message, "" after a successful call; valid until the thread's
 * next call into the library. */
const char *leapfrog_last_error(void);

/* ---- Models ---------------------------------------------------------------------------------- */

/* Compiles a model with its data. source_name names the source in messages (NULL: the built-in's
 * name, "model.stan" or "model.json"); data may be NULL (a built-in's bundled data, or a model
 * without data); data_name names it in messages (NULL: "data.json"/"data.csv"); model_options is a
 * built-in's "key=value,key=value" or NULL. backend: "auto", "cpu" or "opencl" (NULL: auto);
 * device: an OpenCL device index or part of its name (NULL: the default); precision: "auto"
 * (f32, checked against f64 at the first evaluation, which may switch the model to f64), "f32"
 * (the bare f32 kernel, as `leapfrog bench`) or "f64" (NULL: auto). Runs made from the model
 * check f32 at the sampler's checkpoints as the CLI does, whatever the model's precision. On success *out is a model to free with leapfrog_model_free. */
int32_t leapfrog_model_new(int32_t kind, const char *source, const char *source_name, const char *data,
                           int32_t data_format, const char *data_name, const char *model_options,
                           const char *backend, const char *device, const char *precision, leapfrog_model **out);
/* Frees a model; NULL is ignored. Runs made from it keep it alive until they are freed. */
void leapfrog_model_free(leapfrog_model *model);
/* The length of the unconstrained parameter vector; -1 on error. */
int64_t leapfrog_model_dimension(leapfrog_model *model);
/* The name of unconstrained coordinate index ("theta[2]"), valid while the model lives; NULL on error. */
const char *leapfrog_model_parameter_name(leapfrog_model *model, int64_t index);
/* JSON: name, label, dimension, parameter_names, variables (each draw's constrained parameters
 * and derived quantities, with shapes), backend and precision (null before the first
 * evaluation), notes. Valid until the next call on this model; NULL on error. */
const char *leapfrog_model_info_json(leapfrog_model *model);
/* Log density and its gradient on the unconstrained scale (with the log-Jacobian, as in Stan) at
 * `chains` points: x is chains × dimension, row-major; log_density receives chains values and
 * gradient (NULL: not wanted) chains × dimension, row-major. The first call makes the back end
 * (and, for OpenCL f32, checks it against f64 at these points). Calls on one model are
 * serialised. A point outside the support gives a non-finite log density, not an error. */
int32_t leapfrog_model_log_density_gradient(leapfrog_model *model, int64_t chains, const double *x,
                                            double *log_density, double *gradient);

/* ---- Runs ------------------------------------------------------------------------------------ */

/* A run of `model`: method "sample" or "variational", with the options `leapfrog sample MODEL` or
 * `leapfrog variational MODEL` take after the model (arguments[0..count), e.g. "--chains", "8",
 * "--output", "runs/x", "--csv"): the same defaults, checks and messages. The CLI's progress
 * display goes to stderr unless "--quiet" is given. */
int32_t leapfrog_run_new(leapfrog_model *model, const char *method, const char *const *arguments, int64_t count,
                         leapfrog_run **out);
/* Frees a run; NULL is ignored. Not while it executes. */
void leapfrog_run_free(leapfrog_run *run);
/* The sizes of the buffers: chains (1 for variational), draws per chain, values per draw (every
 * element of the model info's `variables`, in order). -1 on error. */
int64_t leapfrog_run_chains(leapfrog_run *run);
int64_t leapfrog_run_draws(leapfrog_run *run);
int64_t leapfrog_run_draw_size(leapfrog_run *run);
/* Sampling runs: every draw is copied, as it is made, into values[(chain * draws + draw) * draw_size + element]. */
int32_t leapfrog_run_set_draw_buffer(leapfrog_run *run, double *values);
/* Sampling runs: a sample statistic into buffer[chain * draws + draw]: "lp", "acceptance_rate",
 * "step_size", "energy" (double), "tree_depth", "n_steps" (int64_t), "diverging" (uint8_t). */
int32_t leapfrog_run_set_stat_buffer(leapfrog_run *run, const char *name, void *buffer);
/* Callbacks (either may be NULL), called on the thread executing the run. */
int32_t leapfrog_run_set_callbacks(leapfrog_run *run, leapfrog_progress_fn progress, leapfrog_message_fn message,
                                   void *context);
/* Executes the run, blocking until it ends or is stopped. A stopped run returns LEAPFROG_OK with
 * leapfrog_run_interrupted() 1: the draws so far are in the buffers, its files are closed and
 * marked interrupted. A run executes once. */
int32_t leapfrog_run_execute(leapfrog_run *run);
/* Asks the run to stop before its next iteration; from any thread, at any time; returns at once. */
int32_t leapfrog_run_stop(leapfrog_run *run);
/* Draws per chain made by the execution (fewer than planned when stopped); -1 on error. */
int64_t leapfrog_run_draws_written(leapfrog_run *run);
/* 1 when the run was stopped before its end, 0 otherwise; -1 on error. */
int32_t leapfrog_run_interrupted(leapfrog_run *run);
/* The outcome as JSON after a successful execution: summaries (lp__ and every element: mean, sd,
 * quantiles, MCSE, ESS, R-hat), warnings, figures, files. Valid until the run is freed. */
const char *leapfrog_run_result_json(leapfrog_run *run);

#ifdef __cplusplus
}
#endif

#endif /* LEAPFROG_H */
