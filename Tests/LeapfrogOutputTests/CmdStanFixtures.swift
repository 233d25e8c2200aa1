/// Stan CSV files as CmdStan 2.33 writes them (hand-written from CmdStan's output format:
/// argument tree with `(Default)` marks, booleans as true/false, the adaptation block after
/// the header row, the timing trailer, 6 significant digits).
enum CmdStanFixtures {
    static let bernoulli = """
        # stan_version_major = 2
        # stan_version_minor = 33
        # stan_version_patch = 1
        # model = bernoulli_model
        # start_datetime = 2023-10-12 09:15:42 UTC
        # method = sample (Default)
        #   sample
        #     num_samples = 10
        #     num_warmup = 1000 (Default)
        #     save_warmup = false (Default)
        #     thin = 1 (Default)
        #     adapt
        #       engaged = true (Default)
        #       gamma = 0.050000000000000003 (Default)
        #       delta = 0.80000000000000004 (Default)
        #       kappa = 0.75 (Default)
        #       t0 = 10 (Default)
        #       init_buffer = 75 (Default)
        #       term_buffer = 50 (Default)
        #       window = 25 (Default)
        #       save_metric = false (Default)
        #     algorithm = hmc (Default)
        #       hmc
        #         engine = nuts (Default)
        #           nuts
        #             max_depth = 10 (Default)
        #         metric = diag_e (Default)
        #         metric_file =  (Default)
        #         stepsize = 1 (Default)
        #         stepsize_jitter = 0 (Default)
        #     num_chains = 1 (Default)
        # id = 1 (Default)
        # data
        #   file = bernoulli.data.json
        # init = 2 (Default)
        # random
        #   seed = 20231012
        # output
        #   file = bernoulli-20231012091542_1.csv
        #   diagnostic_file =  (Default)
        #   refresh = 100 (Default)
        #   sig_figs = -1 (Default)
        #   profile_file = profile.csv (Default)
        #   save_cmdstan_config = false (Default)
        # num_threads = 1 (Default)
        # stanc_version = stanc3 v2.33.1
        # stancflags = 
        lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,theta
        # Adaptation terminated
        # Step size = 0.908704
        # Diagonal elements of inverse mass matrix:
        # 0.517045
        -6.74827,0.924071,0.908704,1,3,0,6.99713,0.247064
        -6.87741,0.978311,0.908704,2,3,0,6.89245,0.275301
        -7.20614,0.862337,0.908704,1,3,0,7.56389,0.324151
        -7.20614,0.556112,0.908704,1,1,0,8.81044,0.324151
        -6.76493,1,0.908704,1,3,0,7.14098,0.232478
        -7.02153,0.911435,0.908704,2,3,0,7.07412,0.167301
        -8.43811,0.655238,0.908704,1,3,0,9.13212,0.0814337
        -6.75061,1,0.908704,2,3,0,8.24114,0.243689
        -6.92133,0.95131,0.908704,2,3,1,7.00915,0.281427
        -7.60612,0.842118,0.908704,1,1,0,7.60694,0.366412
        # 
        #  Elapsed Time: 0.004 seconds (Warm-up)
        #                0.012 seconds (Sampling)
        #                0.016 seconds (Total)
        # 

        """

    /// A dense-metric run with a 2×2 matrix (Stan writes it column-major), blank lines and
    /// Windows line endings.
    static let denseMatrix = [
        "# model = mvn_model",
        "# method = sample (Default)",
        "#   sample",
        "#     num_samples = 2",
        "#     algorithm = hmc (Default)",
        "#       hmc",
        "#         metric = dense_e",
        "# random",
        "#   seed = 7",
        "",
        "lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,mu,Sigma.1.1,Sigma.2.1,Sigma.1.2,Sigma.2.2",
        "# Adaptation terminated",
        "# Step size = 0.5",
        "# Elements of inverse mass matrix:",
        "# 1.5, 0.25",
        "# 0.25, 2",
        "-1,0.9,0.5,2,3,0,2.5,0.1,11,21,12,22",
        "",
        "-2,0.8,0.5,2,7,0,3.5,-0.2,-inf,nan,1e-300,2.5e+10",
        "# ",
        "#  Elapsed Time: 1.5 seconds (Warm-up)",
        "#                2 seconds (Sampling)",
        "#                3.5 seconds (Total)",
        "# ",
    ].joined(separator: "\r\n")
}
