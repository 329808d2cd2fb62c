package dev.ember.backend.cpu;

import dev.ember.backend.OptimizerUpdate;

/**
 * The fused optimizer updates of {@link OptimizerUpdate} on float and double arrays: one pass over
 * parameter, gradient and state, split over {@link Parallel}'s threads for large tensors.
 *
 * <p>The arithmetic follows PyTorch's single-tensor code operation by operation, in the arrays'
 * precision (scalars rounded to it once), so results agree with PyTorch to rounding: for example
 * {@code exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)} is {@code m * b1 + ob1 * g}, and {@code
 * param.addcdiv_(exp_avg, denom, value=-step_size)} is {@code p + negStep * m / denom}.
 *
 * <p>Every loop indexes all its arrays with the same {@code i} (C2, as of JDK 17, vectorizes a
 * loop only then), so operands at different offsets are first copied to offset 0. The flags of a
 * call ({@code hasWd}, {@code amsgrad}, ...) are loop-invariant: C2 unswitches them, leaving
 * branch-free bodies to vectorize.
 */
final class CpuOptim {
  /** Elements below which a step runs on the calling thread (each element is ~10-20 flops). */
  static final int GRAIN = 16 * 1024;

  private CpuOptim() {}

  /** A float or double array with the offset of the tensor's first element. */
  record Arr(Object array, int offset) {}

  static void update(OptimizerUpdate kind, int n, Arr p, Arr g, Arr[] s, double[] h,
      boolean isDouble) {
    int off = p.offset();
    boolean aligned = g.offset() == off;
    for (Arr a : s) {
      aligned &= a == null || a.offset() == off;
    }
    if (!aligned) {
      updateRealigned(kind, n, p, g, s, h, isDouble);
      return;
    }
    Object[] st = new Object[s.length];
    for (int i = 0; i < s.length; i++) {
      st[i] = s[i] == null ? null : s[i].array();
    }
    Parallel.forRange(n, GRAIN, (start, end) -> {
      if (isDouble) {
        runDouble(kind, off + start, off + end, (double[]) p.array(), (double[]) g.array(), st, h);
      } else {
        runFloat(kind, off + start, off + end, (float[]) p.array(), (float[]) g.array(), st, h);
      }
    });
  }

  /** The rare case of operands at different offsets: on copies at offset 0, then copied back. */
  private static void updateRealigned(OptimizerUpdate kind, int n, Arr p, Arr g, Arr[] s,
      double[] h, boolean isDouble) {
    Arr p0 = copy(p, n, isDouble);
    Arr g0 = copy(g, n, isDouble);
    Arr[] s0 = new Arr[s.length];
    for (int i = 0; i < s.length; i++) {
      s0[i] = s[i] == null ? null : copy(s[i], n, isDouble);
    }
    update(kind, n, p0, g0, s0, h, isDouble);
    System.arraycopy(p0.array(), 0, p.array(), p.offset(), n);
    for (int i = 0; i < s.length; i++) {
      if (s[i] != null) {
        System.arraycopy(s0[i].array(), 0, s[i].array(), s[i].offset(), n);
      }
    }
  }

  private static Arr copy(Arr a, int n, boolean isDouble) {
    Object out = isDouble ? new double[n] : new float[n];
    System.arraycopy(a.array(), a.offset(), out, 0, n);
    return new Arr(out, 0);
  }

  // ---------------------------------------------------------------------------------------------
  // float32

  private static void runFloat(OptimizerUpdate kind, int lo, int hi, float[] p, float[] g,
      Object[] s, double[] h) {
    switch (kind) {
      case SGD -> sgdF(lo, hi, p, g, (float[]) s[0], h);
      case ADAM, ADAMW -> adamF(kind == OptimizerUpdate.ADAMW, lo, hi, p, g, (float[]) s[0],
          (float[]) s[1], (float[]) s[2], h);
      case RMSPROP -> rmspropF(lo, hi, p, g, (float[]) s[0], (float[]) s[1], (float[]) s[2], h);
      case ADAGRAD -> adagradF(lo, hi, p, g, (float[]) s[0], h);
      default -> throw new IllegalArgumentException("unknown optimizer update " + kind);
    }
  }

  // Maximize multiplies the gradient by -1: the same exact value as negating it, without a branch.

  private static void sgdF(int lo, int hi, float[] p, float[] g, float[] b, double[] h) {
    float negLr = (float) -h[0];
    float mom = (float) h[1];
    float oneMinusDamp = (float) (1 - h[2]);
    float wd = (float) h[3];
    boolean hasWd = h[3] != 0;
    boolean nesterov = h[4] != 0;
    float sign = h[5] != 0 ? -1f : 1f;
    boolean init = h[6] != 0;
    if (h[1] == 0) {
      for (int i = lo; i < hi; i++) {
        float d = hasWd ? g[i] * sign + wd * p[i] : g[i] * sign;
        p[i] = p[i] + negLr * d;
      }
      return;
    }
    for (int i = lo; i < hi; i++) {
      float d = hasWd ? g[i] * sign + wd * p[i] : g[i] * sign;
      float bi = init ? d : b[i] * mom + oneMinusDamp * d;
      b[i] = bi;
      p[i] = p[i] + negLr * (nesterov ? d + mom * bi : bi);
    }
  }

  private static void adamF(boolean decoupled, int lo, int hi, float[] p, float[] g, float[] m,
      float[] v, float[] vmax, double[] h) {
    double lr = h[0];
    double step = h[5];
    float b1 = (float) h[1];
    float ob1 = (float) (1 - h[1]);
    float b2 = (float) h[2];
    float ob2 = (float) (1 - h[2]);
    float eps = (float) h[3];
    boolean amsgrad = h[6] != 0;
    float sign = h[7] != 0 ? -1f : 1f;
    boolean hasWd = !decoupled && h[4] != 0;
    float wd = (float) h[4];
    boolean decay = decoupled && h[4] != 0;
    float decayF = (float) (1 - lr * h[4]);
    float negStep = (float) (-lr / (1 - Math.pow(h[1], step)));
    float bc2 = (float) Math.sqrt(1 - Math.pow(h[2], step));
    for (int i = lo; i < hi; i++) {
      float pi = decay ? p[i] * decayF : p[i];
      float gi = hasWd ? g[i] * sign + wd * pi : g[i] * sign;
      float mi = m[i] * b1 + ob1 * gi;
      float vi = v[i] * b2 + ob2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      float d = vi;
      if (amsgrad) {
        d = Math.max(vmax[i], vi);
        vmax[i] = d;
      }
      p[i] = pi + negStep * mi / ((float) Math.sqrt(d) / bc2 + eps);
    }
  }

  private static void rmspropF(int lo, int hi, float[] p, float[] g, float[] sq, float[] b,
      float[] ga, double[] h) {
    float negLr = (float) -h[0];
    float alpha = (float) h[1];
    float oneMinusAlpha = (float) (1 - h[1]);
    float eps = (float) h[2];
    float wd = (float) h[3];
    boolean hasWd = h[3] != 0;
    float mom = (float) h[4];
    boolean momentum = h[4] > 0;
    boolean centered = h[5] != 0;
    float sign = h[6] != 0 ? -1f : 1f;
    for (int i = lo; i < hi; i++) {
      float gi = hasWd ? g[i] * sign + wd * p[i] : g[i] * sign;
      float si = sq[i] * alpha + oneMinusAlpha * gi * gi;
      sq[i] = si;
      float avg;
      if (centered) {
        float ai = ga[i] * alpha + oneMinusAlpha * gi;
        ga[i] = ai;
        avg = (float) Math.sqrt(si + -1f * ai * ai) + eps;
      } else {
        avg = (float) Math.sqrt(si) + eps;
      }
      if (momentum) {
        float bi = b[i] * mom + gi / avg;
        b[i] = bi;
        p[i] = p[i] + negLr * bi;
      } else {
        p[i] = p[i] + negLr * gi / avg;
      }
    }
  }

  private static void adagradF(int lo, int hi, float[] p, float[] g, float[] sum, double[] h) {
    float negClr = (float) (-h[0] / (1 + (h[4] - 1) * h[1]));
    float wd = (float) h[2];
    boolean hasWd = h[2] != 0;
    float eps = (float) h[3];
    float sign = h[5] != 0 ? -1f : 1f;
    for (int i = lo; i < hi; i++) {
      float gi = hasWd ? g[i] * sign + wd * p[i] : g[i] * sign;
      float si = sum[i] + gi * gi;
      sum[i] = si;
      p[i] = p[i] + negClr * gi / ((float) Math.sqrt(si) + eps);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // float64: the same loops on doubles

  private static void runDouble(OptimizerUpdate kind, int lo, int hi, double[] p, double[] g,
      Object[] s, double[] h) {
    switch (kind) {
      case SGD -> sgdD(lo, hi, p, g, (double[]) s[0], h);
      case ADAM, ADAMW -> adamD(kind == OptimizerUpdate.ADAMW, lo, hi, p, g, (double[]) s[0],
          (double[]) s[1], (double[]) s[2], h);
      case RMSPROP -> rmspropD(lo, hi, p, g, (double[]) s[0], (double[]) s[1], (double[]) s[2],
          h);
      case ADAGRAD -> adagradD(lo, hi, p, g, (double[]) s[0], h);
      default -> throw new IllegalArgumentException("unknown optimizer update " + kind);
    }
  }

  private static void sgdD(int lo, int hi, double[] p, double[] g, double[] b, double[] h) {
    double negLr = -h[0];
    double mom = h[1];
    double oneMinusDamp = 1 - h[2];
    double wd = h[3];
    boolean hasWd = h[3] != 0;
    boolean nesterov = h[4] != 0;
    double sign = h[5] != 0 ? -1 : 1;
    boolean init = h[6] != 0;
    if (mom == 0) {
      for (int i = lo; i < hi; i++) {
        double d = hasWd ? g[i] * sign + wd * p[i] : g[i] * sign;
        p[i] = p[i] + negLr * d;
      }
      return;
    }
    for (int i = lo; i < hi; i++) {
      double d = hasWd ? g[i] * sign + wd * p[i] : g[i] * sign;
      double bi = init ? d : b[i] * mom + oneMinusDamp * d;
      b[i] = bi;
      p[i] = p[i] + negLr * (nesterov ? d + mom * bi : bi);
    }
  }

  private static void adamD(boolean decoupled, int lo, int hi, double[] p, double[] g,
      double[] m, double[] v, double[] vmax, double[] h) {
    double lr = h[0];
    double b1 = h[1];
    double b2 = h[2];
    double eps = h[3];
    double step = h[5];
    boolean amsgrad = h[6] != 0;
    double sign = h[7] != 0 ? -1 : 1;
    double ob1 = 1 - b1;
    double ob2 = 1 - b2;
    boolean hasWd = !decoupled && h[4] != 0;
    double wd = h[4];
    boolean decay = decoupled && h[4] != 0;
    double decayD = 1 - lr * h[4];
    double negStep = -lr / (1 - Math.pow(b1, step));
    double bc2 = Math.sqrt(1 - Math.pow(b2, step));
    for (int i = lo; i < hi; i++) {
      double pi = decay ? p[i] * decayD : p[i];
      double gi = hasWd ? g[i] * sign + wd * pi : g[i] * sign;
      double mi = m[i] * b1 + ob1 * gi;
      double vi = v[i] * b2 + ob2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      double d = vi;
      if (amsgrad) {
        d = Math.max(vmax[i], vi);
        vmax[i] = d;
      }
      p[i] = pi + negStep * mi / (Math.sqrt(d) / bc2 + eps);
    }
  }

  private static void rmspropD(int lo, int hi, double[] p, double[] g, double[] sq, double[] b,
      double[] ga, double[] h) {
    double negLr = -h[0];
    double alpha = h[1];
    double oneMinusAlpha = 1 - h[1];
    double eps = h[2];
    double wd = h[3];
    boolean hasWd = h[3] != 0;
    double mom = h[4];
    boolean momentum = h[4] > 0;
    boolean centered = h[5] != 0;
    double sign = h[6] != 0 ? -1 : 1;
    for (int i = lo; i < hi; i++) {
      double gi = hasWd ? g[i] * sign + wd * p[i] : g[i] * sign;
      double si = sq[i] * alpha + oneMinusAlpha * gi * gi;
      sq[i] = si;
      double avg;
      if (centered) {
        double ai = ga[i] * alpha + oneMinusAlpha * gi;
        ga[i] = ai;
        avg = Math.sqrt(si + -1.0 * ai * ai) + eps;
      } else {
        avg = Math.sqrt(si) + eps;
      }
      if (momentum) {
        double bi = b[i] * mom + gi / avg;
        b[i] = bi;
        p[i] = p[i] + negLr * bi;
      } else {
        p[i] = p[i] + negLr * gi / avg;
      }
    }
  }

  private static void adagradD(int lo, int hi, double[] p, double[] g, double[] sum,
      double[] h) {
    double negClr = -h[0] / (1 + (h[4] - 1) * h[1]);
    double wd = h[2];
    boolean hasWd = h[2] != 0;
    double eps = h[3];
    double sign = h[5] != 0 ? -1 : 1;
    for (int i = lo; i < hi; i++) {
      double gi = hasWd ? g[i] * sign + wd * p[i] : g[i] * sign;
      double si = sum[i] + gi * gi;
      sum[i] = si;
      p[i] = p[i] + negClr * gi / (Math.sqrt(si) + eps);
    }
  }
}
