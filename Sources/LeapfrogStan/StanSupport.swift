/// What the Stan front end accepts, for help texts and documentation.
///
/// - Blocks: data, transformed data, parameters, transformed parameters, model, generated
///   quantities, functions (inlined where they are called; `StanLibrary` adds Stan's that
///   Leapfrog writes in Stan).
/// - Types: int, real, vector, row_vector, matrix, arrays of these (`array[N] real`, or the old
///   `real y[N]`), at most two dimensions in the model graph; `<lower, upper>` bounds on
///   parameters (constants, or data expressions evaluated by `StanModel.instantiate`) and on data
///   and transformed data (checked when the data are prepared). Bounds on transformed
///   parameters and generated quantities are not checked.
/// - Statements: `~`, `target +=`, assignment and compound assignment, `for (i in a:b)`, if/else,
///   blocks with local variables, `print` (ignored), `reject` (transformed data only).
/// - Loops: `for (n in 1:N)` is vectorised into a term with `plate: N` (`x[n]` → `x`,
///   `a[g[n]]` → `index(a, g)`, `v[n] = …` assigns the whole `v`); loops with constant bounds
///   that do not start at 1 are unrolled; other loops are an error. A loop `for (j in 1:J)` nested
///   in a vectorised loop, holding only `~` and `target +=` on scalars, is vectorised too: `y[i, j]`
///   is the whole matrix `y`, `b[j]` the whole vector `b`, and `a[i]` is spread over the columns.
/// - If/else in the model block on data only: each branch's terms are multiplied by a 0/1 flag
///   computed from the data (so a branch not taken must still evaluate to a finite number).
/// - Transformed data run on the host (`HostInterpreter`) when the model meets its data.
/// - Transformed parameters and top-level generated quantities become derived quantities.
public enum StanSupport {
    /// Distribution names accepted in `~` and in `_lpdf`/`_lupdf`/`_lpmf`/`_lupmf` calls.
    public static var distributions: [String] { Lowering.supportedNames }

    /// Functions accepted in the parameters-dependent blocks (besides the densities).
    public static let functions: [String] = ([
        "exp", "log", "log1p", "expm1", "sqrt", "square", "tanh", "inv_logit", "log_inv_logit", "log1p_exp",
        "inv", "inv_sqrt", "inv_square", "log1m", "logit", "pow", "sum", "mean", "dot_product", "rows_dot_product",
        "columns_dot_product", "rep_vector", "rep_row_vector", "rep_array", "rep_matrix", "to_vector", "to_row_vector",
        "to_array_1d", "diag_matrix", "add_diag", "cholesky_decompose", "multiply_lower_tri_self_transpose", "tcrossprod",
        "crossprod", "diag_pre_multiply", "diag_post_multiply", "quad_form_diag", "log_mix", "mdivide_left_tri_low", "gp_exp_quad_cov", "cov_exp_quad", "softmax", "log_softmax", "log_sum_exp",
        "size", "num_elements", "rows", "cols", "pi", "e", "transpose", "fabs", "abs", "fmax", "fmin", "cumulative_sum",
        "inv_Phi", "tan", "sinh", "cosh", "asin", "acos", "erf", "erfc", "step", "fdim", "log_inv_logit_diff", "binary_log_loss",
        "log_falling_factorial", "atan2", "gamma_p", "gamma_q", "inc_beta", "squared_distance", "distance", "norm1", "norm2", "variance", "sd", "lmgamma",
    ] + GPKernel.allCases.map(\.rawValue) + StanLibrary.functions.keys).sorted()

    /// Functions accepted in transformed data (evaluated on the host).
    public static var transformedDataFunctions: [String] { HostInterpreter.functionNames.sorted() }
}
