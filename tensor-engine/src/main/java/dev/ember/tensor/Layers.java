package dev.ember.tensor;

import static dev.ember.autograd.Autograd.record;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.SavedTensor;
import dev.ember.backend.UnaryOp;

/**
 * Fused layer operators: one pass (on a GPU, one kernel launch) where the composed operators take
 * two, with the same values and gradients.
 */
public final class Layers {
  private Layers() {}

  /**
   * {@code relu(x @ weight^T + bias)} for a 2-D x (N, in), weight (out, in) and bias (out) or
   * null, as {@code F.relu(F.linear(x, weight, bias))}: one {@link
   * dev.ember.backend.Backend#matmulAddActivation} (a GPU applies the ReLU as the GEMM stores its
   * tiles). Backward: the ReLU's gradient (passed where the output is not {@code <= 0}, NaN
   * included, as {@code relu}'s), then the Linear's: {@code dx = gz weight}, {@code dweight =
   * gz^T x}, {@code dbias = gz} summed over the rows (with the ReLU's gradient in one {@link
   * dev.ember.backend.Backend#reluGradColumnSums}).
   *
   * @throws IllegalArgumentException naming the shapes, dtypes or devices that do not fit
   */
  public static Tensor linearRelu(Tensor x, Tensor weight, Tensor bias) {
    Tensor y = forward("linearRelu", x, weight, bias, UnaryOp.RELU);
    int out = weight.shapeRef()[0];
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
      Tensor[] grads = linearGrads(gz, sw.get(), sx.get(), need[0], need[1]);
      return new Tensor[] {grads[0], grads[1], db};
    }, x, weight, bias);
    return y;
  }

  /**
   * {@code relu(conv2d(input, weight, bias, stride, padding, dilation, groups))} with the same
   * values and gradients (arguments and shapes as {@link Conv#conv2d(Tensor, Tensor, Tensor,
   * int[], int[], int[], int)}): on a GPU, without groups, the ReLU is applied as the
   * convolution's product stores its tiles, and its gradient starts the convolution's backward,
   * one launch fewer and no separate ReLU output; elsewhere the two operators.
   *
   * @throws IllegalArgumentException on bad shapes or arguments, as conv2d
   */
  public static Tensor conv2dRelu(Tensor input, Tensor weight, Tensor bias, int[] stride,
      int[] padding, int[] dilation, int groups) {
    return Conv.conv2dRelu(input, weight, bias, stride, padding, dilation, groups);
  }

  /**
   * {@code act(x @ weight^T + bias)} for a 2-D x (N, in), weight (out, in) and bias (out) or
   * null, with {@code act} {@link UnaryOp#GELU}, {@link UnaryOp#GELU_TANH} or {@link
   * UnaryOp#SILU}: one {@link dev.ember.backend.Backend#matmulAddActivation} (a GPU applies the
   * activation as the GEMM stores its tiles), for inference. It records no gradient (a backward
   * pass would need the values before the activation, which the fused kernel does not keep):
   * {@code F.linearGelu} and {@code F.linearSilu} call it only when there is no gradient to
   * record, and compose the two operators otherwise.
   *
   * @throws IllegalArgumentException naming the shapes, dtypes or devices that do not fit, or
   *     another activation ({@link #linearRelu} is the ReLU's, with gradients)
   * @throws IllegalStateException with grad mode on and an operand that requires a gradient
   */
  public static Tensor linearActivation(Tensor x, Tensor weight, Tensor bias, UnaryOp act) {
    if (act != UnaryOp.GELU && act != UnaryOp.GELU_TANH && act != UnaryOp.SILU) {
      throw new IllegalArgumentException("linearActivation: the activation must be GELU,"
          + " GELU_TANH or SILU (linearRelu is the ReLU's), got " + act);
    }
    if (Autograd.needsGrad(x, weight, bias)) {
      throw new IllegalStateException("linearActivation(" + act + ") records no gradient, and"
          + " an operand requires one: run it under Autograd.noGrad(), or compose the Linear and"
          + " the activation (F.linearGelu and F.linearSilu do)");
    }
    return forward("linearActivation", x, weight, bias, act);
  }

  /**
   * The checked forward of the fused Linear and activation: one matmulAddActivation into a new
   * (N, out) tensor.
   */
  private static Tensor forward(String name, Tensor x, Tensor weight, Tensor bias,
      UnaryOp act) {
    if (x.dim() != 2 || weight.dim() != 2 || x.shapeRef()[1] != weight.shapeRef()[1]
        || (bias != null && (bias.dim() != 1 || bias.shapeRef()[0] != weight.shapeRef()[0]))) {
      throw new IllegalArgumentException(name + ": x " + x.describe() + ", weight "
          + weight.describe() + " and bias " + (bias == null ? "null" : bias.describe())
          + " do not fit (x (N, in), weight (out, in), bias (out))");
    }
    if (!x.dtype().isFloatingPoint() || weight.dtype() != x.dtype()
        || (bias != null && bias.dtype() != x.dtype())) {
      throw new IllegalArgumentException(name + " needs float operands of one dtype, got "
          + x.describe() + ", " + weight.describe()
          + (bias == null ? "" : ", " + bias.describe()));
    }
    Elementwise.sameDevice(name, x, weight);
    if (bias != null) {
      Elementwise.sameDevice(name, x, bias);
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
        x.backend().matmulAddActivation(y3, Movement.expandRaw(x, new int[] {1, n, in}), wt,
            addend, 1, bias == null ? 0 : 1, act);
      }
    }
    return y;
  }

  /**
   * A Linear's input and weight gradients from its output gradient gz (N, out), weight (out, in)
   * and input x (N, in): {@code {dx = gz @ weight, dweight = gz^T @ x}}, each null when not
   * needed. With both needed, float operands and grad mode off (a backward pass that builds no
   * graph), one {@link dev.ember.backend.Backend#matmulPair} (on a GPU, one launch); otherwise
   * two recorded matmuls.
   */
  public static Tensor[] linearGrads(Tensor gz, Tensor weight, Tensor x, boolean needX,
      boolean needWeight) {
    if (!needX || !needWeight || Autograd.isGradEnabled() || !gz.dtype().isFloatingPoint()
        || weight.dtype() != gz.dtype() || x.dtype() != gz.dtype()) {
      return new Tensor[] {
          needX ? gz.matmul(weight) : null, needWeight ? gz.t().matmul(x) : null};
    }
    Elementwise.sameDevice("linearGrads", gz, weight);
    Elementwise.sameDevice("linearGrads", gz, x);
    int n = gz.shapeRef()[0];
    int out = gz.shapeRef()[1];
    int in = weight.shapeRef()[1];
    if (weight.shapeRef()[0] != out || x.shapeRef()[0] != n || x.shapeRef()[1] != in) {
      throw new IllegalArgumentException("linearGrads: gz " + gz.describe() + ", weight "
          + weight.describe() + " and x " + x.describe()
          + " do not fit (gz (N, out), weight (out, in), x (N, in))");
    }
    Tensor dx = Tensor.allocate(gz.dtype(), gz.device(), new int[] {n, in});
    Tensor dw = Tensor.allocate(gz.dtype(), gz.device(), new int[] {out, in});
    gz.backend().matmulPair(
        Movement.expandRaw(dx, new int[] {1, n, in}),
        Movement.expandRaw(gz, new int[] {1, n, out}),
        Movement.expandRaw(weight, new int[] {1, out, in}),
        Movement.expandRaw(dw, new int[] {1, out, in}),
        Movement.expandRaw(gz.t(), new int[] {1, out, n}),
        Movement.expandRaw(x, new int[] {1, n, in}));
    return new Tensor[] {dx, dw};
  }
}
