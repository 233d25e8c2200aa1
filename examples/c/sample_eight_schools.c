/* The C ABI from C: compile eight schools, evaluate two points, sample 4 chains into a buffer,
 * print the posterior mean of mu and the run's figures. Built and run by python/tests/test_c_header.py:
 *
 *     cc -std=c11 -Wall -Werror -Iinclude examples/c/sample_eight_schools.c -L.build/debug -lLeapfrogC \
 *        -Wl,-rpath,$PWD/.build/debug -o /tmp/schools && /tmp/schools
 */
#include "leapfrog.h"

#include <stdio.h>
#include <stdlib.h>

static int fail(const char *what) {
    fprintf(stderr, "%s: %s\n", what, leapfrog_last_error());
    return 1;
}

int main(void) {
    leapfrog_model *model;
    if (leapfrog_model_new(LEAPFROG_MODEL_BUILTIN, "eight-schools", NULL, NULL, LEAPFROG_DATA_JSON, NULL, NULL,
                           "cpu", NULL, NULL, &model) != LEAPFROG_OK)
        return fail("model");
    int64_t d = leapfrog_model_dimension(model);
    double x[2 * 10] = {0}, lp[2], gradient[2 * 10];
    if (d != 10 || leapfrog_model_log_density_gradient(model, 2, x, lp, gradient) != LEAPFROG_OK) return fail("evaluate");
    printf("dimension %lld, %s, log density at 0: %.6f\n", (long long)d, leapfrog_model_parameter_name(model, 0), lp[0]);

    const char *arguments[] = {"--chains", "4", "--warmup", "100", "--draws", "50", "--seed", "3", "--quiet"};
    leapfrog_run *run;
    if (leapfrog_run_new(model, "sample", arguments, 9, &run) != LEAPFROG_OK) return fail("run");
    int64_t chains = leapfrog_run_chains(run), draws = leapfrog_run_draws(run), size = leapfrog_run_draw_size(run);
    double *values = calloc((size_t)(chains * draws * size), sizeof(double));
    if (!values || leapfrog_run_set_draw_buffer(run, values) != LEAPFROG_OK) return fail("buffer");
    if (leapfrog_run_execute(run) != LEAPFROG_OK) return fail("execute");
    double mu = 0;
    for (int64_t k = 0; k < chains * draws; k++) mu += values[k * size]; /* mu is element 0 of every draw */
    printf("mean of mu over %lld draws: %.4f\n", (long long)(chains * leapfrog_run_draws_written(run)), mu / (double)(chains * draws));
    printf("%s\n", leapfrog_run_result_json(run));

    leapfrog_model *bad;
    if (leapfrog_model_new(LEAPFROG_MODEL_BUILTIN, "eight-school", NULL, NULL, LEAPFROG_DATA_JSON, NULL, NULL, NULL, NULL,
                           NULL, &bad) == LEAPFROG_ERROR_CONFIGURATION)
        printf("error: %s\n", leapfrog_last_error());
    free(values);
    leapfrog_run_free(run);
    leapfrog_model_free(model);
    return 0;
}
