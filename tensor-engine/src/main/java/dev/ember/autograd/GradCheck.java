package dev.ember.autograd;

import dev.ember.tensor.DType;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Checks a function's backward against central finite differences, in float64.
 *
 * <p>For a random cotangent {@code w} of the output's shape, the analytical gradient of {@code
 * L(x) = sum(f(x) * w)} (one backward pass) is compared, element by element of every input that
 * requires grad, with {@code (L(x + eps e_j) - L(x - eps e_j)) / (2 eps)}. An element fails when
 * {@code |analytical - numerical| > atol + rtol * |numerical|}: a relative error with an absolute
 * floor, so tiny gradients are not held to an impossible relative precision.
 *
 * <pre>{@code
 * Tensor x = Tensor.randn(g, DType.FLOAT64, Device.CPU, 3, 4).requiresGrad(true);
 * GradCheck.check(in -> in[0].tanh().sum(1), x);
 * }</pre>
 */
public final class GradCheck {
  private GradCheck() {}

  /** The outcome of a check: the worst element and whether every element passed. */
  public record Result(
      boolean passed, int input, int element, double analytical, double numerical, double error,
      int checked) {
    @Override
    public String toString() {
      return (passed ? "gradcheck passed" : "gradcheck FAILED") + " (" + checked + " elements"
          + (checked == 0 ? ")" : "; worst: input " + input + " element " + element + ": analytical "
          + analytical + ", numerical " + numerical + ", error " + error + ")");
    }
  }

  /** Default step 1e-6, rtol 1e-3, atol 1e-5 (PyTorch's gradcheck uses eps 1e-6, atol 1e-5). */
  public static Result run(Function<Tensor[], Tensor> f, Tensor... inputs) {
    return run(f, 1e-6, 1e-3, 1e-5, inputs);
  }

  /**
   * Runs the check.
   *
   * @param f the function (called 2 n + 1 times for n checked elements)
   * @param eps the finite-difference step
   * @param rtol relative tolerance
   * @param atol absolute floor
   * @param inputs float64 inputs; those that require grad are checked, the rest are constants
   * @throws IllegalArgumentException if a checked input is not float64
   */
  public static Result run(
      Function<Tensor[], Tensor> f, double eps, double rtol, double atol, Tensor... inputs) {
    for (int i = 0; i < inputs.length; i++) {
      if (inputs[i] != null && inputs[i].requiresGrad() && inputs[i].dtype() != DType.FLOAT64) {
        throw new IllegalArgumentException(
            "gradcheck needs float64 inputs; input " + i + " is " + inputs[i].describe());
      }
    }
    Tensor out = f.apply(inputs);
    if (!out.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException("gradcheck: the function's output is " + out.describe());
    }
    Generator gen = new Generator(0x9E3779B97F4A7C15L ^ Arrays.hashCode(out.shape()));
    Tensor w = Tensor.randn(gen, out.dtype(), out.device(), out.shape());
    int[] which = java.util.stream.IntStream.range(0, inputs.length)
        .filter(i -> inputs[i] != null && inputs[i].requiresGrad()).toArray();
    if (which.length == 0) {
      throw new IllegalArgumentException("gradcheck: no input requires grad");
    }
    List<Tensor> checked = Arrays.stream(which).mapToObj(i -> inputs[i]).toList();
    Tensor loss = out.mul(w).sum();
    List<Tensor> analytical;
    if (loss.requiresGrad()) {
      analytical = Autograd.grad(List.of(loss), checked, null, false, false, true);
    } else {
      analytical = Arrays.asList(new Tensor[checked.size()]);
    }

    Result worst = new Result(true, -1, -1, 0, 0, 0, 0);
    double worstScore = -1;
    int count = 0;
    try (GradMode g = Autograd.noGrad()) {
      for (int k = 0; k < which.length; k++) {
        Tensor x = inputs[which[k]];
        Tensor xd = x.detach();
        double[] a = analytical.get(k) == null ? new double[x.numel()] : analytical.get(k).toDoubleArray();
        for (int j = 0; j < x.numel(); j++) {
          Tensor delta = Tensor.zeros(DType.FLOAT64, x.device(), x.numel());
          delta.narrow(0, j, 1).fill_(eps);
          Tensor d = delta.reshape(x.shape());
          xd.add_(d);
          double plus = f.apply(inputs).mul(w).sum().item();
          xd.sub_(d).sub_(d);
          double minus = f.apply(inputs).mul(w).sum().item();
          xd.add_(d);
          double numerical = (plus - minus) / (2 * eps);
          double err = Math.abs(a[j] - numerical);
          double allowed = atol + rtol * Math.abs(numerical);
          boolean ok = err <= allowed || (Double.isNaN(a[j]) && Double.isNaN(numerical));
          double score = ok
              ? (Double.isNaN(err) ? 0 : err / allowed)
              : (Double.isNaN(err) ? Double.POSITIVE_INFINITY : Math.max(err / allowed, Math.nextUp(1.0)));
          count++;
          if (score > worstScore) {
            worstScore = score;
            worst = new Result(ok, which[k], j, a[j], numerical, err, 0);
          }
        }
      }
    }
    return new Result(worstScore <= 1, worst.input(), worst.element(), worst.analytical(),
        worst.numerical(), worst.error(), count);
  }

  /**
   * Runs the check and throws if it fails.
   *
   * @throws AssertionError naming the worst input element, both gradients and the error
   */
  public static void check(Function<Tensor[], Tensor> f, Tensor... inputs) {
    Result r = run(f, inputs);
    if (!r.passed()) {
      throw new AssertionError(r.toString());
    }
  }
}
