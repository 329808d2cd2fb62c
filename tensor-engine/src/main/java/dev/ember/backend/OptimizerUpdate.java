package dev.ember.backend;

/**
 * The fused optimizer updates of {@link Backend#optimizerUpdate}: each reads a parameter, its
 * gradient and its state buffers once and writes the parameter and the buffers once, with the
 * arithmetic of PyTorch 1.13's single-tensor implementation ({@code torch.optim}) in the tensors'
 * dtype (scalars are computed in double and rounded to the dtype once).
 *
 * <p>Each constant documents its {@code state} array (fixed positions; an unused slot is null)
 * and its {@code hyper} array. Flags are 0 or 1. {@code g} is the gradient, negated when {@code
 * maximize} is 1; {@code step} is the step count after the increment (1 on the first step).
 */
public enum OptimizerUpdate {
  /**
   * {@code torch.optim.SGD}. state: {@code {momentum_buffer}} (null when momentum is 0). hyper:
   * {@code {lr, momentum, dampening, weight_decay, nesterov, maximize, init}}, where {@code init}
   * is 1 on the buffer's first step (it is then set to {@code g} rather than decayed).
   *
   * <pre>
   * g += weight_decay * p
   * b  = init ? g : momentum * b + (1 - dampening) * g
   * g  = nesterov ? g + momentum * b : b             (when momentum != 0)
   * p -= lr * g
   * </pre>
   */
  SGD(1, 7),

  /**
   * {@code torch.optim.Adam} (L2 weight decay added to the gradient). state: {@code {exp_avg,
   * exp_avg_sq, max_exp_avg_sq}} (the last null unless amsgrad). hyper: {@code {lr, beta1, beta2,
   * eps, weight_decay, step, amsgrad, maximize}}.
   *
   * <pre>
   * g += weight_decay * p
   * m  = beta1 * m + (1 - beta1) * g
   * v  = beta2 * v + (1 - beta2) * g * g
   * vm = amsgrad ? (vmax = max(vmax, v)) : v
   * p -= lr / (1 - beta1^step) * m / (sqrt(vm) / sqrt(1 - beta2^step) + eps)
   * </pre>
   */
  ADAM(3, 8),

  /**
   * {@code torch.optim.AdamW}: as {@link #ADAM}, but the weight decay is decoupled, {@code p *= 1 -
   * lr * weight_decay} before the update, and the gradient is not changed. Same state and hyper.
   */
  ADAMW(3, 8),

  /**
   * {@code torch.optim.RMSprop}. state: {@code {square_avg, momentum_buffer, grad_avg}} (the buffer
   * null unless momentum > 0, grad_avg null unless centered). hyper: {@code {lr, alpha, eps,
   * weight_decay, momentum, centered, maximize}}.
   *
   * <pre>
   * g  += weight_decay * p
   * s   = alpha * s + (1 - alpha) * g * g
   * ga  = alpha * ga + (1 - alpha) * g                 (centered)
   * avg = sqrt(centered ? s - ga * ga : s) + eps
   * b   = momentum * b + g / avg;  p -= lr * b         (momentum > 0)
   * p  -= lr * g / avg                                 (otherwise)
   * </pre>
   */
  RMSPROP(3, 7),

  /**
   * {@code torch.optim.Adagrad}. state: {@code {sum}}. hyper: {@code {lr, lr_decay,
   * weight_decay, eps, step, maximize}}.
   *
   * <pre>
   * g  += weight_decay * p
   * sum += g * g
   * p  -= lr / (1 + (step - 1) * lr_decay) * g / (sqrt(sum) + eps)
   * </pre>
   */
  ADAGRAD(1, 6);

  private final int stateSlots;
  private final int hyperCount;

  OptimizerUpdate(int stateSlots, int hyperCount) {
    this.stateSlots = stateSlots;
    this.hyperCount = hyperCount;
  }

  /** The length of the {@code state} array this update takes. */
  public int stateSlots() {
    return stateSlots;
  }

  /** The length of the {@code hyper} array this update takes. */
  public int hyperCount() {
    return hyperCount;
  }
}
