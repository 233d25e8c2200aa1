import LeapfrogModel

/// Bayesian neural networks: a multilayer perceptron with Normal(0, 1) priors on every weight.
public enum NeuralNetworks {
    public enum Activation: String, Sendable, CaseIterable {
        case tanh, relu
    }

    /// The hidden layers: `X·W1 (+ b1)`, activation, and so on; returns the last hidden layer
    /// and its width. Weights are `W1`, `W2`, …; biases `b1`, `b2`, … when `biases` is set.
    static func hiddenLayers(_ m: ModelBuilder, input: Expr, inputWidth: Dim, widths: [Int],
                             activation: Activation, biases: Bool) -> (Expr, Dim) {
        var h = input
        var width = inputWidth
        for (k, w) in widths.enumerated() {
            let weights = m.parameter("W\(k + 1)", [width, .fixed(w)])
            m.sample(weights, .normal(0, 1))
            var pre = h.matmul(weights)
            if biases {
                let b = m.parameter("b\(k + 1)", [.fixed(w)])
                m.sample(b, .normal(0, 1))
                pre = pre + b
            }
            h = activation == .tanh ? pre.tanh() : pre.relu()
            width = .fixed(w)
        }
        return (h, width)
    }

    /// The flagship regression BNN (numpyro's `bnn` example):
    /// y ~ Normal(f(X), 1/√prec), f = activation layers then a linear output, prec ~ Gamma(3, 1).
    /// Data: `X` [N, D], `y` [N]; optional `X_grid` [G, D] records the predicted mean `mu_grid`.
    /// With widths (5, 5) and D = 3 it has 46 parameters. Only `prec`, `mu_grid` and `lp__` are
    /// identifiable: the weights' posterior is symmetric under sign flips (tanh is odd) and
    /// permutations of each layer's hidden units.
    ///
    /// With `noise` the likelihood's standard deviation is fixed (y ~ Normal(f(X), noise)) and
    /// there is no `prec`: Edward's BNN tutorial (Tran et al., "Edward: a library for probabilistic
    /// modeling, inference, and criticism", 2016; its `bayesian_nn` tutorial fixes the noise at 0.1).
    public static func regression(widths: [Int] = [5, 5], activation: Activation = .tanh, biases: Bool = false,
                                  noise: Double? = nil) throws -> ModelGraph {
        try ModelBuilder.build("bnn") { m in
            let x = m.data("X", ["N", "D"])
            let y = m.data("y", ["N"])
            let (h, width) = hiddenLayers(m, input: x, inputWidth: "D", widths: widths, activation: activation, biases: biases)
            let out = m.parameter("W\(widths.count + 1)", [width])
            m.sample(out, .normal(0, 1))
            var f = h.matmul(out)
            var outBias: Expr?
            if biases {
                let b = m.parameter("b\(widths.count + 1)")
                m.sample(b, .normal(0, 1))
                f = f + b
                outBias = b
            }
            if let noise {
                m.sample(y, .normal(f, m.constant(noise)), plate: "N")
            } else {
                let prec = m.parameter("prec", constraint: .positive)
                m.sample(prec, .gamma(3, 1))
                m.sample(y, .normal(f, 1 / prec.sqrt()), plate: "N")
            }

            // The same network on the prediction grid, recorded with the draws.
            let grid = m.data("X_grid", ["G", "D"], optional: true)
            var g = grid
            for k in 0..<widths.count {
                var pre = g.matmul(m.parameter("W\(k + 1)"))
                if biases { pre = pre + m.parameter("b\(k + 1)") }
                g = activation == .tanh ? pre.tanh() : pre.relu()
            }
            var mu = g.matmul(out)
            if let outBias { mu = mu + outBias }
            m.derive("mu_grid", mu)
            m.identifiable((noise == nil ? ["prec"] : []) + ["mu_grid", ModelGraph.logDensityName])
        }
    }

    /// The classifier BNN: the same hidden layers ending in Bernoulli-logit (`classes` = 2,
    /// labels 0/1) or categorical-logit (`classes` > 2, labels 1…K, output weights [H, K]).
    /// Data: `X` [N, D], `y` [N] integer 0…1, or 1…K with `K` ≥ 2 when categorical (declared so,
    /// and checked at binding). Only `lp__` is identifiable (see `regression`).
    public static func classifier(classes: Int, widths: [Int] = [5, 5], activation: Activation = .tanh, biases: Bool = false) throws -> ModelGraph {
        try ModelBuilder.build("bnn-classifier") { m in
            let x = m.data("X", ["N", "D"])
            let y = m.data("y", ["N"], integer: true, bounds: classes == 2 ? .range(0, 1) : .range(1, "K"))
            if classes != 2 { m.declareData("K", integer: true, bounds: .atLeast(2)) }
            m.identifiable([ModelGraph.logDensityName])
            let (h, width) = hiddenLayers(m, input: x, inputWidth: "D", widths: widths, activation: activation, biases: biases)
            if classes == 2 {
                let out = m.parameter("W\(widths.count + 1)", [width])
                m.sample(out, .normal(0, 1))
                var logit = h.matmul(out)
                if biases {
                    let b = m.parameter("b\(widths.count + 1)")
                    m.sample(b, .normal(0, 1))
                    logit = logit + b
                }
                m.sample(y, .bernoulliLogit(logit), plate: "N")
            } else {
                let out = m.parameter("W\(widths.count + 1)", [width, "K"])
                m.sample(out, .normal(0, 1))
                var logits = h.matmul(out)
                if biases {
                    let b = m.parameter("b\(widths.count + 1)", ["K"])
                    m.sample(b, .normal(0, 1))
                    logits = logits + b
                }
                m.sample(y, .categoricalLogit(logits), plate: "N")
            }
        }
    }
}
