package dev.ember.optim;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.backend.OptimizerUpdate;
import dev.ember.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adagrad (Duchi, Hazan and Singer, 2011, "Adaptive Subgradient Methods for Online Learning and
 * Stochastic Optimization"), like {@code torch.optim.Adagrad}:
 *
 * <pre>
 * g   = grad + weight_decay * p                (g = -grad with maximize)
 * sum = sum + g^2
 * p   = p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(sum) + eps)
 * </pre>
 *
 * <p>Hyperparameters (group keys, defaults): {@code lr} 1e-2, {@code lr_decay} 0, {@code
 * weight_decay} 0, {@code initial_accumulator_value} 0, {@code eps} 1e-10, {@code maximize} false.
 * State ({@code step}, {@code sum} filled with {@code initial_accumulator_value}) is created when a
 * parameter is added, as in PyTorch; also for groups added later (PyTorch 1.13 fails on those).
 *
 * <pre>{@code
 * new Adagrad(params, 1e-2);
 * new Adagrad(params, Adagrad.options().lr(0.1).initialAccumulatorValue(0.1));
 * }</pre>
 */
public final class Adagrad extends Optimizer {

  /** Hyperparameters of {@link Adagrad}, with PyTorch's defaults. */
  public static final class Options {
    private double lr = 1e-2;
    private double lrDecay;
    private double weightDecay;
    private double initialAccumulatorValue;
    private double eps = 1e-10;
    private boolean maximize;

    private Options() {}

    /** The learning rate (default 1e-2). */
    public Options lr(double lr) {
      this.lr = lr;
      return this;
    }

    /** The learning rate decay per step (default 0). */
    public Options lrDecay(double lrDecay) {
      this.lrDecay = lrDecay;
      return this;
    }

    /** The L2 penalty (default 0). */
    public Options weightDecay(double weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    /** The starting value of the sum of squared gradients (default 0). */
    public Options initialAccumulatorValue(double value) {
      this.initialAccumulatorValue = value;
      return this;
    }

    /** The term added to the denominator (default 1e-10). */
    public Options eps(double eps) {
      this.eps = eps;
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
      d.put("lr_decay", lrDecay);
      d.put("eps", eps);
      d.put("weight_decay", weightDecay);
      d.put("initial_accumulator_value", initialAccumulatorValue);
      d.put("maximize", maximize);
      return d;
    }
  }

  /** New options with PyTorch's defaults. */
  public static Options options() {
    return new Options();
  }

  /**
   * Adagrad over {@code params} with learning rate {@code lr} and the other defaults.
   *
   * @throws IllegalArgumentException on a negative lr or an empty parameter list
   */
  public Adagrad(Iterable<Tensor> params, double lr) {
    this(single(params), options().lr(lr));
  }

  /**
   * Adagrad over {@code params} with the given options.
   *
   * @throws IllegalArgumentException on a bad hyperparameter (PyTorch's messages) or an empty
   *     parameter list
   */
  public Adagrad(Iterable<Tensor> params, Options options) {
    this(single(params), options);
  }

  /**
   * Adagrad over parameter groups; what a group does not set comes from {@code options}.
   *
   * @throws IllegalArgumentException on a bad hyperparameter, a parameter in two groups or an
   *     empty parameter list
   */
  public Adagrad(List<ParamGroup> groups, Options options) {
    super("Adagrad", groups, options.defaults());
  }

  @Override
  protected void validate(ParamGroup g) {
    checkLr(g);
    check(g.get("lr_decay") >= 0, "Invalid lr_decay value: ", g.get("lr_decay"));
    check(g.get("weight_decay") >= 0, "Invalid weight_decay value: ", g.get("weight_decay"));
    check(g.get("initial_accumulator_value") >= 0, "Invalid initial_accumulator_value value: ",
        g.get("initial_accumulator_value"));
    check(g.get("eps") >= 0, "Invalid epsilon value: ", g.get("eps"));
  }

  @Override
  protected void onParamAdded(ParamGroup group, Tensor param) {
    ParamState st = state(param);
    if (st.isEmpty()) {
      st.setStep(0);
      st.putBuffer("sum", newBuffer(param, group.get("initial_accumulator_value")));
    }
  }

  @Override
  public void step() {
    registerForReplay();
    try (GradMode mode = Autograd.noGrad()) {
      for (ParamGroup group : paramGroups()) {
        double[] hyper = {group.lr(), group.get("lr_decay"), group.get("weight_decay"),
            group.get("eps"), 0, flag(group, "maximize")};
        FusedBatch batch = new FusedBatch(OptimizerUpdate.ADAGRAD);
        for (Tensor p : group.params()) {
          Tensor grad = p.grad();
          if (grad == null) {
            continue;
          }
          ParamState st = state(p);
          if (st.isEmpty()) {
            // A loaded state dict without this parameter's state.
            onParamAdded(group, p);
          }
          st.setStep(st.step() + 1);
          double[] h = hyper.clone();
          h[4] = st.step();
          batch.add(p, grad, new Tensor[] {st.buffer("sum")}, h);
        }
        batch.flush();
      }
    }
  }
}
