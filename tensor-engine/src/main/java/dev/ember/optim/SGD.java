package dev.ember.optim;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.backend.OptimizerUpdate;
import dev.ember.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay, like
 * {@code torch.optim.SGD} (PyTorch's momentum form, with the learning rate outside the buffer):
 *
 * <pre>
 * g = grad + weight_decay * p                  (g = -grad with maximize)
 * b = g on the first step, else momentum * b + (1 - dampening) * g
 * g = nesterov ? g + momentum * b : b          (when momentum != 0)
 * p = p - lr * g
 * </pre>
 *
 * <p>Hyperparameters (group keys, defaults): {@code lr} (required), {@code momentum} 0, {@code
 * dampening} 0, {@code weight_decay} 0, {@code nesterov} false, {@code maximize} false. State:
 * {@code momentum_buffer} (only when momentum is not 0).
 *
 * <pre>{@code
 * new SGD(params, 0.1);
 * new SGD(params, SGD.options().lr(0.1).momentum(0.9).nesterov(true));
 * }</pre>
 */
public final class SGD extends Optimizer {

  /** Hyperparameters of {@link SGD}, with PyTorch's defaults; the learning rate is required. */
  public static final class Options {
    private Double lr;
    private double momentum;
    private double dampening;
    private double weightDecay;
    private boolean nesterov;
    private boolean maximize;

    private Options() {}

    /** The learning rate (required, here or in every group). */
    public Options lr(double lr) {
      this.lr = lr;
      return this;
    }

    /** The momentum factor (default 0: none). */
    public Options momentum(double momentum) {
      this.momentum = momentum;
      return this;
    }

    /** The dampening of momentum (default 0). */
    public Options dampening(double dampening) {
      this.dampening = dampening;
      return this;
    }

    /** The L2 penalty (default 0). */
    public Options weightDecay(double weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    /** Nesterov momentum (default false; needs momentum and zero dampening). */
    public Options nesterov(boolean nesterov) {
      this.nesterov = nesterov;
      return this;
    }

    /** Maximizes the objective instead of minimizing it (default false). */
    public Options maximize(boolean maximize) {
      this.maximize = maximize;
      return this;
    }

    Map<String, Object> defaults() {
      Map<String, Object> d = new LinkedHashMap<>();
      if (lr != null) {
        d.put("lr", lr);
      }
      d.put("momentum", momentum);
      d.put("dampening", dampening);
      d.put("weight_decay", weightDecay);
      d.put("nesterov", nesterov);
      d.put("maximize", maximize);
      return d;
    }
  }

  /** New options with PyTorch's defaults (and no learning rate yet). */
  public static Options options() {
    return new Options();
  }

  /**
   * Plain SGD over {@code params} with learning rate {@code lr}.
   *
   * @throws IllegalArgumentException on a negative lr or an empty parameter list
   */
  public SGD(Iterable<Tensor> params, double lr) {
    this(single(params), options().lr(lr));
  }

  /**
   * SGD over {@code params} with the given options.
   *
   * @throws IllegalArgumentException on a bad hyperparameter (PyTorch's messages), a missing lr
   *     or an empty parameter list
   */
  public SGD(Iterable<Tensor> params, Options options) {
    this(single(params), options);
  }

  /**
   * SGD over parameter groups; what a group does not set comes from {@code options}.
   *
   * @throws IllegalArgumentException on a bad hyperparameter, a missing lr, a parameter in two
   *     groups or an empty parameter list
   */
  public SGD(List<ParamGroup> groups, Options options) {
    super("SGD", groups, options.defaults());
  }

  @Override
  protected void validate(ParamGroup g) {
    checkLr(g);
    double momentum = g.get("momentum");
    check(momentum >= 0, "Invalid momentum value: ", momentum);
    check(g.get("weight_decay") >= 0, "Invalid weight_decay value: ", g.get("weight_decay"));
    if (g.getFlag("nesterov") && (momentum <= 0 || g.get("dampening") != 0)) {
      throw new IllegalArgumentException(
          "Nesterov momentum requires a momentum and zero dampening");
    }
  }

  @Override
  public void step() {
    registerForReplay();
    try (GradMode mode = Autograd.noGrad()) {
      for (ParamGroup group : paramGroups()) {
        double momentum = group.get("momentum");
        double[] hyper = {group.lr(), momentum, group.get("dampening"),
            group.get("weight_decay"), flag(group, "nesterov"), flag(group, "maximize"), 0};
        FusedBatch batch = new FusedBatch(OptimizerUpdate.SGD);
        for (Tensor p : group.params()) {
          Tensor grad = p.grad();
          if (grad == null) {
            continue;
          }
          Tensor buf = null;
          double[] h = hyper.clone();
          if (momentum != 0) {
            ParamState st = state(p);
            buf = st.bufferOrNull("momentum_buffer");
            if (buf == null) {
              buf = newBuffer(p, 0);
              st.putBuffer("momentum_buffer", buf);
              h[6] = 1;
            }
          }
          batch.add(p, grad, new Tensor[] {buf}, h);
        }
        batch.flush();
      }
    }
  }
}
