package dev.ember.optim;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.backend.OptimizerUpdate;
import dev.ember.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RMSprop (Hinton, lecture 6e of "Neural Networks for Machine Learning"), like {@code
 * torch.optim.RMSprop}, with the centered variant (Graves, 2013) and momentum:
 *
 * <pre>
 * g   = grad + weight_decay * p                (g = -grad with maximize)
 * s   = alpha * s + (1 - alpha) * g^2
 * ga  = alpha * ga + (1 - alpha) * g           (centered)
 * avg = sqrt(centered ? s - ga^2 : s) + eps
 * b   = momentum * b + g / avg;  p = p - lr * b     (momentum > 0)
 * p   = p - lr * g / avg                            (otherwise)
 * </pre>
 *
 * <p>Hyperparameters (group keys, defaults): {@code lr} 1e-2, {@code alpha} 0.99, {@code eps}
 * 1e-8, {@code weight_decay} 0, {@code momentum} 0, {@code centered} false, {@code maximize}
 * false. State: {@code step} (an integer in the state dict, as in PyTorch 1.13), {@code
 * square_avg}, {@code momentum_buffer} (momentum > 0), {@code grad_avg} (centered).
 *
 * <pre>{@code
 * new RMSprop(params, 1e-2);
 * new RMSprop(params, RMSprop.options().lr(1e-3).momentum(0.9).centered(true));
 * }</pre>
 */
public final class RMSprop extends Optimizer {

  /** Hyperparameters of {@link RMSprop}, with PyTorch's defaults. */
  public static final class Options {
    private double lr = 1e-2;
    private double alpha = 0.99;
    private double eps = 1e-8;
    private double weightDecay;
    private double momentum;
    private boolean centered;
    private boolean maximize;

    private Options() {}

    /** The learning rate (default 1e-2). */
    public Options lr(double lr) {
      this.lr = lr;
      return this;
    }

    /** The smoothing constant of the squared-gradient average (default 0.99). */
    public Options alpha(double alpha) {
      this.alpha = alpha;
      return this;
    }

    /** The term added to the denominator (default 1e-8). */
    public Options eps(double eps) {
      this.eps = eps;
      return this;
    }

    /** The L2 penalty (default 0). */
    public Options weightDecay(double weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    /** The momentum factor (default 0). */
    public Options momentum(double momentum) {
      this.momentum = momentum;
      return this;
    }

    /** Normalizes by the estimated variance instead of the second moment (default false). */
    public Options centered(boolean centered) {
      this.centered = centered;
      return this;
    }

    /** Maximizes the objective instead of minimizing it (default false). */
    public Options maximize(boolean maximize) {
      this.maximize = maximize;
      return this;
    }

    Map<String, Object> defaults() {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("lr", lr);
      d.put("momentum", momentum);
      d.put("alpha", alpha);
      d.put("eps", eps);
      d.put("centered", centered);
      d.put("weight_decay", weightDecay);
      d.put("maximize", maximize);
      return d;
    }
  }

  /** New options with PyTorch's defaults. */
  public static Options options() {
    return new Options();
  }

  /**
   * RMSprop over {@code params} with learning rate {@code lr} and the other defaults.
   *
   * @throws IllegalArgumentException on a negative lr or an empty parameter list
   */
  public RMSprop(Iterable<Tensor> params, double lr) {
    this(single(params), options().lr(lr));
  }

  /**
   * RMSprop over {@code params} with the given options.
   *
   * @throws IllegalArgumentException on a bad hyperparameter (PyTorch's messages) or an empty
   *     parameter list
   */
  public RMSprop(Iterable<Tensor> params, Options options) {
    this(single(params), options);
  }

  /**
   * RMSprop over parameter groups; what a group does not set comes from {@code options}.
   *
   * @throws IllegalArgumentException on a bad hyperparameter, a parameter in two groups or an
   *     empty parameter list
   */
  public RMSprop(List<ParamGroup> groups, Options options) {
    super("RMSprop", groups, options.defaults());
  }

  @Override
  protected void validate(ParamGroup g) {
    checkLr(g);
    check(g.get("eps") >= 0, "Invalid epsilon value: ", g.get("eps"));
    check(g.get("momentum") >= 0, "Invalid momentum value: ", g.get("momentum"));
    check(g.get("weight_decay") >= 0, "Invalid weight_decay value: ", g.get("weight_decay"));
    check(g.get("alpha") >= 0, "Invalid alpha value: ", g.get("alpha"));
  }

  @Override
  protected boolean stepIsTensor() {
    return false;
  }

  @Override
  public void step() {
    registerForReplay();
    try (GradMode mode = Autograd.noGrad()) {
      for (ParamGroup group : paramGroups()) {
        double momentum = group.get("momentum");
        boolean centered = group.getFlag("centered");
        double[] hyper = {group.lr(), group.get("alpha"), group.get("eps"),
            group.get("weight_decay"), momentum, centered ? 1 : 0, flag(group, "maximize")};
        FusedBatch batch = new FusedBatch(OptimizerUpdate.RMSPROP);
        for (Tensor p : group.params()) {
          Tensor grad = p.grad();
          if (grad == null) {
            continue;
          }
          ParamState st = state(p);
          if (st.isEmpty()) {
            st.setStep(0);
            st.putBuffer("square_avg", newBuffer(p, 0));
          }
          Tensor buf = momentum > 0 ? orZeros(st, "momentum_buffer", p) : null;
          Tensor gradAvg = centered ? orZeros(st, "grad_avg", p) : null;
          st.setStep(st.step() + 1);
          batch.add(p, grad, new Tensor[] {st.buffer("square_avg"), buf, gradAvg}, hyper.clone());
        }
        batch.flush();
      }
    }
  }

  /** A buffer, created as zeros when missing (new state, or momentum/centered turned on later). */
  private static Tensor orZeros(ParamState st, String key, Tensor p) {
    Tensor t = st.bufferOrNull(key);
    if (t == null) {
      t = newBuffer(p, 0);
      st.putBuffer(key, t);
    }
    return t;
  }
}
