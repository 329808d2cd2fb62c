package dev.ember.optim;

import dev.ember.backend.OptimizerUpdate;
import dev.ember.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov and Hutter, 2019, "Decoupled Weight Decay
 * Regularization"), like {@code torch.optim.AdamW}: the parameter decays directly and the gradient
 * is left alone.
 *
 * <pre>
 * p = p * (1 - lr * weight_decay)
 * g = grad                                      (g = -grad with maximize)
 * m = beta1 * m + (1 - beta1) * g
 * v = beta2 * v + (1 - beta2) * g^2
 * v' = amsgrad ? (vmax = max(vmax, v)) : v
 * p = p - lr / (1 - beta1^t) * m / (sqrt(v') / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * <p>Hyperparameters (group keys, defaults): {@code lr} 1e-3, {@code betas} (0.9, 0.999), {@code
 * eps} 1e-8, {@code weight_decay} 1e-2, {@code amsgrad} false, {@code maximize} false. State:
 * {@code step}, {@code exp_avg}, {@code exp_avg_sq}, {@code max_exp_avg_sq} (amsgrad).
 *
 * <pre>{@code
 * new AdamW(params, 1e-3);
 * new AdamW(params, AdamW.options().lr(1e-3).weightDecay(0.05));
 * }</pre>
 */
public final class AdamW extends AdamBase {

  /** New options with PyTorch's defaults. */
  public static AdamOptions options() {
    return new AdamOptions(1e-2);
  }

  /**
   * AdamW over {@code params} with learning rate {@code lr} and the other defaults.
   *
   * @throws IllegalArgumentException on a negative lr or an empty parameter list
   */
  public AdamW(Iterable<Tensor> params, double lr) {
    this(single(params), options().lr(lr));
  }

  /**
   * AdamW over {@code params} with the given options.
   *
   * @throws IllegalArgumentException on a bad hyperparameter (PyTorch's messages) or an empty
   *     parameter list
   */
  public AdamW(Iterable<Tensor> params, AdamOptions options) {
    this(single(params), options);
  }

  /**
   * AdamW over parameter groups; what a group does not set comes from {@code options}.
   *
   * @throws IllegalArgumentException on a bad hyperparameter, a parameter in two groups or an
   *     empty parameter list
   */
  public AdamW(List<ParamGroup> groups, AdamOptions options) {
    super("AdamW", OptimizerUpdate.ADAMW, groups, options.defaults());
  }
}
