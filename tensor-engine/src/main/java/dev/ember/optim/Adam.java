package dev.ember.optim;

import dev.ember.backend.OptimizerUpdate;
import dev.ember.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma and Ba, 2015, "Adam: A Method for Stochastic Optimization"), like {@code
 * torch.optim.Adam}, with L2 weight decay added to the gradient and the AMSGrad variant (Reddi et
 * al., 2018):
 *
 * <pre>
 * g = grad + weight_decay * p                  (g = -grad with maximize)
 * m = beta1 * m + (1 - beta1) * g
 * v = beta2 * v + (1 - beta2) * g^2
 * v' = amsgrad ? (vmax = max(vmax, v)) : v
 * p = p - lr / (1 - beta1^t) * m / (sqrt(v') / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * <p>Hyperparameters (group keys, defaults): {@code lr} 1e-3, {@code betas} (0.9, 0.999), {@code
 * eps} 1e-8, {@code weight_decay} 0, {@code amsgrad} false, {@code maximize} false. State: {@code
 * step}, {@code exp_avg}, {@code exp_avg_sq}, {@code max_exp_avg_sq} (amsgrad).
 *
 * <pre>{@code
 * new Adam(params, 1e-3);
 * new Adam(params, Adam.options().lr(1e-3).betas(0.9, 0.98).weightDecay(1e-4));
 * }</pre>
 */
public final class Adam extends AdamBase {

  /** New options with PyTorch's defaults. */
  public static AdamOptions options() {
    return new AdamOptions(0);
  }

  /**
   * Adam over {@code params} with learning rate {@code lr} and the other defaults.
   *
   * @throws IllegalArgumentException on a negative lr or an empty parameter list
   */
  public Adam(Iterable<Tensor> params, double lr) {
    this(single(params), options().lr(lr));
  }

  /**
   * Adam over {@code params} with the given options.
   *
   * @throws IllegalArgumentException on a bad hyperparameter (PyTorch's messages) or an empty
   *     parameter list
   */
  public Adam(Iterable<Tensor> params, AdamOptions options) {
    this(single(params), options);
  }

  /**
   * Adam over parameter groups; what a group does not set comes from {@code options}.
   *
   * @throws IllegalArgumentException on a bad hyperparameter, a parameter in two groups or an
   *     empty parameter list
   */
  public Adam(List<ParamGroup> groups, AdamOptions options) {
    super("Adam", OptimizerUpdate.ADAM, groups, options.defaults());
  }
}
