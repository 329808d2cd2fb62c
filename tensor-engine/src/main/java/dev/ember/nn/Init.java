package dev.ember.nn;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.tensor.DType;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * In-place parameter initializers, as {@code torch.nn.init}; each fills the tensor without
 * recording history and returns it. Random ones draw from the given generator (the default one
 * when omitted), so {@code Generator.manualSeed(s)} makes a model's initialization reproducible.
 */
public final class Init {
  private Init() {}

  /**
   * The recommended gain for a nonlinearity: 1 for linear/conv/sigmoid, 5/3 for tanh, sqrt(2)
   * for relu, sqrt(2 / (1 + slope^2)) for leaky_relu (slope {@code param}, default 0.01), 3/4 for
   * selu.
   */
  public static double calculateGain(String nonlinearity, double param) {
    return switch (nonlinearity) {
      case "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
          "conv_transpose3d", "sigmoid" -> 1.0;
      case "tanh" -> 5.0 / 3;
      case "relu" -> Math.sqrt(2.0);
      case "leaky_relu" -> Math.sqrt(2.0 / (1 + param * param));
      case "selu" -> 3.0 / 4;
      default -> throw new IllegalArgumentException("unsupported nonlinearity " + nonlinearity);
    };
  }

  /** {@link #calculateGain(String, double)} with leaky_relu's default slope 0.01. */
  public static double calculateGain(String nonlinearity) {
    return calculateGain(nonlinearity, 0.01);
  }

  /**
   * {@code fan_in} of a weight: {@code size(1)} times the receptive field (the product of the
   * dims after the first two).
   *
   * @throws IllegalArgumentException for a tensor with fewer than 2 dims
   */
  public static int fanIn(Tensor t) {
    int r = receptive(t);
    return t.size(1) * r;
  }

  /** {@code fan_out} of a weight: {@code size(0)} times the receptive field. */
  public static int fanOut(Tensor t) {
    int r = receptive(t);
    return t.size(0) * r;
  }

  private static int receptive(Tensor t) {
    if (t.dim() < 2) {
      throw new IllegalArgumentException(
          "fan in and fan out can not be computed for a tensor with fewer than 2 dimensions, got "
              + t.describe());
    }
    int r = 1;
    for (int i = 2; i < t.dim(); i++) {
      r *= t.size(i);
    }
    return r;
  }

  /** Fills from U[a, b). */
  public static Tensor uniform_(Tensor t, double a, double b, Generator gen) {
    try (GradMode ng = Autograd.noGrad()) {
      return t.uniform_(a, b, gen);
    }
  }

  /** Fills from N(mean, std^2). */
  public static Tensor normal_(Tensor t, double mean, double std, Generator gen) {
    try (GradMode ng = Autograd.noGrad()) {
      return t.normal_(mean, std, gen);
    }
  }

  /** Fills with {@code value}. */
  public static Tensor constant_(Tensor t, double value) {
    try (GradMode ng = Autograd.noGrad()) {
      return t.fill_(value);
    }
  }

  /** Fills with 0. */
  public static Tensor zeros_(Tensor t) {
    return constant_(t, 0);
  }

  /** Fills with 1. */
  public static Tensor ones_(Tensor t) {
    return constant_(t, 1);
  }

  /** Glorot uniform: U(-a, a) with {@code a = gain sqrt(6 / (fan_in + fan_out))}. */
  public static Tensor xavierUniform_(Tensor t, double gain, Generator gen) {
    double a = gain * Math.sqrt(6.0 / (fanIn(t) + fanOut(t)));
    return uniform_(t, -a, a, gen);
  }

  /** {@link #xavierUniform_(Tensor, double, Generator)} with the default generator. */
  public static Tensor xavierUniform_(Tensor t, double gain) {
    return xavierUniform_(t, gain, Generator.getDefault());
  }

  /** Glorot normal: N(0, std^2) with {@code std = gain sqrt(2 / (fan_in + fan_out))}. */
  public static Tensor xavierNormal_(Tensor t, double gain, Generator gen) {
    return normal_(t, 0, gain * Math.sqrt(2.0 / (fanIn(t) + fanOut(t))), gen);
  }

  /** {@link #xavierNormal_(Tensor, double, Generator)} with the default generator. */
  public static Tensor xavierNormal_(Tensor t, double gain) {
    return xavierNormal_(t, gain, Generator.getDefault());
  }

  private static double kaimingStd(Tensor t, double a, String mode, String nonlinearity) {
    int fan = switch (mode) {
      case "fan_in" -> fanIn(t);
      case "fan_out" -> fanOut(t);
      default -> throw new IllegalArgumentException(
          "mode must be fan_in or fan_out, got " + mode);
    };
    return calculateGain(nonlinearity, a) / Math.sqrt(fan);
  }

  /**
   * He uniform: U(-b, b) with {@code b = gain sqrt(3 / fan)}, {@code gain} from {@code
   * nonlinearity} (with negative slope {@code a} for leaky_relu), {@code fan} per {@code mode}
   * ({@code fan_in} or {@code fan_out}).
   */
  public static Tensor kaimingUniform_(
      Tensor t, double a, String mode, String nonlinearity, Generator gen) {
    double bound = Math.sqrt(3.0) * kaimingStd(t, a, mode, nonlinearity);
    return uniform_(t, -bound, bound, gen);
  }

  /** He uniform with PyTorch's defaults: a = 0, fan_in, leaky_relu, default generator. */
  public static Tensor kaimingUniform_(Tensor t) {
    return kaimingUniform_(t, 0, "fan_in", "leaky_relu", Generator.getDefault());
  }

  /** He normal: N(0, std^2) with {@code std = gain / sqrt(fan)}. */
  public static Tensor kaimingNormal_(
      Tensor t, double a, String mode, String nonlinearity, Generator gen) {
    return normal_(t, 0, kaimingStd(t, a, mode, nonlinearity), gen);
  }

  /** He normal with PyTorch's defaults: a = 0, fan_in, leaky_relu, default generator. */
  public static Tensor kaimingNormal_(Tensor t) {
    return kaimingNormal_(t, 0, "fan_in", "leaky_relu", Generator.getDefault());
  }

  /**
   * A (semi-)orthogonal matrix times {@code gain}, as PyTorch: the tensor viewed as (size(0),
   * rest) is the Q factor of the QR decomposition of a standard normal matrix, with the signs of
   * R's diagonal folded in so that the result is uniformly distributed.
   *
   * @throws IllegalArgumentException for a tensor with fewer than 2 dims
   */
  public static Tensor orthogonal_(Tensor t, double gain, Generator gen) {
    if (t.dim() < 2) {
      throw new IllegalArgumentException(
          "only tensors with 2 or more dimensions are supported, got " + t.describe());
    }
    int rows = t.size(0);
    int cols = t.numel() / Math.max(rows, 1);
    if (t.numel() == 0) {
      return t;
    }
    boolean transposed = rows < cols;
    int m = transposed ? cols : rows; // m >= n
    int n = transposed ? rows : cols;
    double[] a = Tensor.randn(gen, DType.FLOAT64, t.device(), m, n).toDoubleArray();
    double[] q = householderQ(a, m, n);
    double[] out = new double[rows * cols];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double v = q[i * n + j] * gain;
        if (transposed) {
          out[j * cols + i] = v;
        } else {
          out[i * cols + j] = v;
        }
      }
    }
    try (GradMode ng = Autograd.noGrad()) {
      return t.copy_(Tensor.of(out, t.shape()).to(t.device()));
    }
  }

  /** {@link #orthogonal_(Tensor, double, Generator)} with the default generator. */
  public static Tensor orthogonal_(Tensor t, double gain) {
    return orthogonal_(t, gain, Generator.getDefault());
  }

  /**
   * The thin Q (m x n, m >= n, row-major) of A = QR by Householder reflections, with each column
   * multiplied by the sign of R's diagonal entry (so R's diagonal is positive).
   */
  static double[] householderQ(double[] a, int m, int n) {
    double[] r = a.clone();
    double[][] vs = new double[n][];
    double[] signs = new double[n];
    for (int k = 0; k < n; k++) {
      double norm = 0;
      for (int i = k; i < m; i++) {
        norm += r[i * n + k] * r[i * n + k];
      }
      norm = Math.sqrt(norm);
      double alpha = r[k * n + k] > 0 ? -norm : norm;
      double[] v = new double[m];
      for (int i = k; i < m; i++) {
        v[i] = r[i * n + k];
      }
      v[k] -= alpha;
      double vnorm = 0;
      for (int i = k; i < m; i++) {
        vnorm += v[i] * v[i];
      }
      if (vnorm > 0) {
        for (int j = k; j < n; j++) {
          double dot = 0;
          for (int i = k; i < m; i++) {
            dot += v[i] * r[i * n + j];
          }
          double f = 2 * dot / vnorm;
          for (int i = k; i < m; i++) {
            r[i * n + j] -= f * v[i];
          }
        }
      }
      vs[k] = vnorm > 0 ? v : null;
      signs[k] = r[k * n + k] < 0 ? -1 : 1;
    }
    // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity.
    double[] q = new double[m * n];
    for (int j = 0; j < n; j++) {
      q[j * n + j] = 1;
    }
    for (int k = n - 1; k >= 0; k--) {
      double[] v = vs[k];
      if (v == null) {
        continue;
      }
      double vnorm = 0;
      for (int i = k; i < m; i++) {
        vnorm += v[i] * v[i];
      }
      for (int j = 0; j < n; j++) {
        double dot = 0;
        for (int i = k; i < m; i++) {
          dot += v[i] * q[i * n + j];
        }
        double f = 2 * dot / vnorm;
        for (int i = k; i < m; i++) {
          q[i * n + j] -= f * v[i];
        }
      }
    }
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        q[i * n + j] *= signs[j];
      }
    }
    return q;
  }
}
