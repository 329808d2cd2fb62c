package dev.ember.tensor;

import static dev.ember.autograd.Autograd.record;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.SavedTensor;

/**
 * Fused layer operators: one pass (on a GPU, one kernel launch) where the composed operators take
 * two, with the same values and gradients.
 */
public final class Layers {
  private Layers() {}

  /**
   * {@code relu(x @ weight^T + bias)} for a 2-D x (N, in), weight (out, in) and bias (out) or
   * null, as {@code F.relu(F.linear(x, weight, bias))}: one {@link
   * dev.ember.backend.Backend#matmulAddRelu} (a GPU applies the ReLU as the GEMM stores its
   * tiles). Backward: the ReLU's gradient (passed where the output is not {@code <= 0}, NaN
   * included, as {@code relu}'s), then the Linear's: {@code dx = gz weight}, {@code dweight =
   * gz^T x}, {@code dbias = gz} summed over the rows (with the ReLU's gradient in one {@link
   * dev.ember.backend.Backend#reluGradColumnSums}).
   *
   * @throws IllegalArgumentException naming the shapes, dtypes or devices that do not fit
   */
  public static Tensor linearRelu(Tensor x, Tensor weight, Tensor bias) {
    if (x.dim() != 2 || weight.dim() != 2 || x.shapeRef()[1] != weight.shapeRef()[1]
        || (bias != null && (bias.dim() != 1 || bias.shapeRef()[0] != weight.shapeRef()[0]))) {
      throw new IllegalArgumentException("linearRelu: x " + x.describe() + ", weight "
          + weight.describe() + " and bias " + (bias == null ? "null" : bias.describe())
          + " do not fit (x (N, in), weight (out, in), bias (out))");
    }
    if (!x.dtype().isFloatingPoint() || weight.dtype() != x.dtype()
        || (bias != null && bias.dtype() != x.dtype())) {
      throw new IllegalArgumentException("linearRelu needs float operands of one dtype, got "
          + x.describe() + ", " + weight.describe()
          + (bias == null ? "" : ", " + bias.describe()));
    }
    Elementwise.sameDevice("linearRelu", x, weight);
    if (bias != null) {
      Elementwise.sameDevice("linearRelu", x, bias);
    }
    int n = x.shapeRef()[0];
    int in = x.shapeRef()[1];
    int out = weight.shapeRef()[0];
    Tensor y = Tensor.allocate(x.dtype(), x.device(), new int[] {n, out});
    if (y.numel() > 0) {
      int[] s3 = {1, n, out};
      Tensor y3 = Movement.expandRaw(y, s3);
      try (var ng = Autograd.noGrad()) {
        Tensor wt = Movement.expandRaw(weight.t(), new int[] {1, in, out});
        Tensor addend = bias == null ? y3
            : Movement.expandRaw(Movement.expandRaw(bias, new int[] {n, out}), s3);
        x.backend().matmulAddRelu(y3, Movement.expandRaw(x, new int[] {1, n, in}), wt, addend,
            1, bias == null ? 0 : 1);
      }
    }
    SavedTensor sx = SavedTensor.of(x);
    SavedTensor sw = SavedTensor.of(weight);
    SavedTensor sy = SavedTensor.of(y);
    record("LinearReluBackward", y, (g, need) -> {
      Tensor gz;
      Tensor db = null;
      if (need[2] && !Autograd.isGradEnabled()) {
        // The ReLU's gradient and the bias gradient (its column sums) in one backend pass.
        gz = Tensor.allocate(g.dtype(), g.device(), g.shapeRef());
        db = Tensor.allocate(g.dtype(), g.device(), new int[] {out});
        g.backend().reluGradColumnSums(gz, db, g, sy.get());
      } else {
        gz = Elementwise.reluGrad(g, sy.get());
        db = need[2] ? gz.sum(0) : null;
      }
      return new Tensor[] {
          need[0] ? gz.matmul(sw.get()) : null,
          need[1] ? gz.t().matmul(sx.get()) : null,
          db};
    }, x, weight, bias);
    return y;
  }
}
