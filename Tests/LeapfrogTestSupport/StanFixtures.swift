import LeapfrogData

/// Stan programs shared by the Stan front end's tests and the CPU/OpenCL parity tests.
public enum StanFixtures {
    /// Range and data-indexed assignments (`Lowering+PartAssignment`: placement patterns), with
    /// `partAssignmentData` (I = 4, k = 3).
    public static let partAssignment = """
    data { int I; int k; vector[I] y; }
    parameters { vector[I - 1] beta_free; real a; vector[2] w; }
    transformed parameters {
      vector[I] beta;
      vector[I + 1] c;
      beta[1 : I - 1] = beta_free;
      beta[I] = -1 * sum(beta_free);
      c[k : k + 1] = w;
      c[:k - 1] = rep_vector(a, k - 1);
      c[I + 1] = 2 * a;
    }
    model {
      y ~ normal(beta, 1);
      a ~ normal(0, 1);
      w ~ normal(0, 1);
      c ~ normal(1, 2);
    }
    """

    public static let partAssignmentData = DataSet(["I": .integer(4), "k": .integer(3), "y": .vector([0.3, -1, 2, 0.5])])
}
