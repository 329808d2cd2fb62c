package dev.ember.optim;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.tensor.DType;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Gradient clipping, like {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}.
 * Gradients are modified in place; parameters whose {@code grad} is null are skipped.
 */
public final class GradClip {
  private GradClip() {}

  /**
   * {@link #clipGradNorm(Iterable, double, double, boolean)} with the 2-norm, not failing on a
   * non-finite norm.
   */
  public static double clipGradNorm(Iterable<Tensor> params, double maxNorm) {
    return clipGradNorm(params, maxNorm, 2.0, false);
  }

  /**
   * Scales the gradients so that their total norm, taken over all of them as if concatenated into
   * one vector, is at most {@code maxNorm}:
   *
   * <pre>
   * total = norm([norm(g_1, p), ..., norm(g_k, p)], p)      (p = inf: max |g|)
   * g_i  *= min(1, maxNorm / (total + 1e-6))
   * </pre>
   *
   * computed, as in PyTorch, in the gradients' dtype.
   *
   * @param normType the p of the p-norm, {@code Double.POSITIVE_INFINITY} for the max-norm
   * @param errorIfNonfinite throw instead of scaling when the total norm is NaN or infinite
   * @return the total norm before clipping (0 when no parameter has a gradient)
   * @throws IllegalArgumentException if {@code normType} is negative or NaN
   * @throws IllegalStateException if {@code errorIfNonfinite} and the total norm is not finite (no
   *     gradient is changed then)
   */
  public static double clipGradNorm(Iterable<Tensor> params, double maxNorm, double normType,
      boolean errorIfNonfinite) {
    checkNormType(normType);
    List<Tensor> grads = grads(params);
    if (grads.isEmpty()) {
      return 0.0;
    }
    try (GradMode g = Autograd.noGrad(); Scope s = Tensor.scope()) {
      DType dtype = dtype(grads);
      Tensor total = totalNorm(grads, normType, dtype);
      double totalNorm = total.item();
      if (errorIfNonfinite && !Double.isFinite(totalNorm)) {
        throw new IllegalStateException("The total norm of order " + normType + " for gradients"
            + " from `parameters` is non-finite, so it cannot be clipped. To disable this error"
            + " and scale the gradients by the non-finite norm anyway, set errorIfNonfinite to"
            + " false");
      }
      Tensor coef = coefficient(total, maxNorm, dtype);
      // A coefficient of exactly 1 leaves every gradient as it is (PyTorch multiplies anyway).
      if (!(coef.item() == 1.0)) {
        scale(grads, coef);
      }
      return totalNorm;
    }
  }

  /**
   * {@link #clipGradNorm(Iterable, double, double, boolean)} without reading anything back to the
   * host, for GPUs, where a read waits for every queued kernel: the total norm stays a 0-d tensor
   * on the gradients' device, and every gradient is multiplied by the clamped coefficient (a
   * multiply by exactly 1 changes nothing, so the gradients come out bit for bit as with {@code
   * clipGradNorm}). A non-finite norm cannot be refused without reading it: use {@code
   * clipGradNorm} with {@code errorIfNonfinite} for that.
   *
   * @return the total norm before clipping, a 0-d tensor in the caller's scope (outside every
   *     scope when none is open); null when no parameter has a gradient
   * @throws IllegalArgumentException if {@code normType} is negative or NaN
   */
  public static Tensor clipGradNormOnDevice(Iterable<Tensor> params, double maxNorm,
      double normType) {
    checkNormType(normType);
    List<Tensor> grads = grads(params);
    if (grads.isEmpty()) {
      return null;
    }
    try (GradMode g = Autograd.noGrad(); Scope s = Tensor.scope()) {
      DType dtype = dtype(grads);
      Tensor total = totalNorm(grads, normType, dtype);
      scale(grads, coefficient(total, maxNorm, dtype));
      return total.keep();
    }
  }

  private static void checkNormType(double normType) {
    if (!(normType >= 0)) {
      throw new IllegalArgumentException("clipGradNorm: normType must be >= 0 or infinity, got "
          + normType);
    }
  }

  private static List<Tensor> grads(Iterable<Tensor> params) {
    List<Tensor> grads = new ArrayList<>();
    for (Tensor p : params) {
      if (p.grad() != null) {
        grads.add(p.grad());
      }
    }
    return grads;
  }

  /** float64 if any gradient is, else the first one's dtype. */
  private static DType dtype(List<Tensor> grads) {
    DType dtype = grads.get(0).dtype();
    for (Tensor grad : grads) {
      if (grad.dtype() == DType.FLOAT64) {
        dtype = DType.FLOAT64;
      }
    }
    return dtype;
  }

  /** The norm of the gradients' norms, a 0-d tensor on their device. */
  private static Tensor totalNorm(List<Tensor> grads, double normType, DType dtype) {
    List<Tensor> norms = new ArrayList<>();
    for (Tensor grad : grads) {
      Tensor n = normType == Double.POSITIVE_INFINITY
          ? grad.detach().abs().max() : grad.detach().norm(normType, new int[0], false);
      norms.add(n.to(dtype));
    }
    if (normType == Double.POSITIVE_INFINITY) {
      return norms.size() == 1 ? norms.get(0) : Tensor.stack(norms, 0).max();
    }
    return Tensor.stack(norms, 0).norm(normType, new int[0], false);
  }

  /** {@code min(1, maxNorm / (total + 1e-6))} on total's device. */
  private static Tensor coefficient(Tensor total, double maxNorm, DType dtype) {
    return Tensor.scalar(maxNorm, dtype).to(total.device()).div(total.add(1e-6)).clampMax(1.0);
  }

  private static void scale(List<Tensor> grads, Tensor coef) {
    for (Tensor grad : grads) {
      grad.detach().mul_(coef.to(grad.dtype()));
    }
  }

  /**
   * Clamps every gradient element to {@code [-clipValue, clipValue]}.
   *
   * @throws IllegalArgumentException if {@code clipValue} is negative or NaN
   */
  public static void clipGradValue(Iterable<Tensor> params, double clipValue) {
    if (!(clipValue >= 0)) {
      throw new IllegalArgumentException("clipGradValue: clipValue must be >= 0, got "
          + clipValue);
    }
    try (GradMode g = Autograd.noGrad()) {
      for (Tensor p : params) {
        Tensor grad = p.grad();
        if (grad != null) {
          grad.detach().clamp_(-clipValue, clipValue);
        }
      }
    }
  }
}
