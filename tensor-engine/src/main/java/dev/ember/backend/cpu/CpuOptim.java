package dev.ember.backend.cpu;

import dev.ember.backend.OptimizerUpdate;

/**
 * The fused optimizer updates of {@link OptimizerUpdate} on float and double arrays: one pass over
 * parameter, gradient and state, split over {@link Parallel}'s threads for large tensors.
 *
 * <p>The arithmetic follows PyTorch's single-tensor code operation by operation, in the arrays'
 * precision (scalars rounded to it once), so results agree with PyTorch to rounding: for example
 * {@code exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)} is {@code m * b1 + ob1 * g}. Flags that
 * are fixed for the whole call select a loop outside the element loop, so every inner loop is
 * branch-free and left for C2 to vectorize.
 */
final class CpuOptim {
  /** Elements per thread below which a step runs on the caller (each element is ~10 flops). */
  static final int GRAIN = 16 * 1024;

  private CpuOptim() {}

  /** A float or double array with its offset (param, grad, or a state buffer). */
  record Arr(Object array, int offset) {}

  static void update(OptimizerUpdate kind, int n, Arr p, Arr g, Arr[] s, double[] h,
      boolean isDouble) {
    Parallel.forRange(n, GRAIN, (start, end) -> {
      if (isDouble) {
        runDouble(kind, start, end, p, g, s, h);
      } else {
        runFloat(kind, start, end, p, g, s, h);
      }
    });
  }

  private static float[] f(Arr a) {
    return a == null ? null : (float[]) a.array();
  }

  private static double[] d(Arr a) {
    return a == null ? null : (double[]) a.array();
  }

  private static int o(Arr a) {
    return a == null ? 0 : a.offset();
  }

  // ---------------------------------------------------------------------------------------------
  // float32

  private static void runFloat(OptimizerUpdate kind, int start, int end, Arr p, Arr g, Arr[] s,
      double[] h) {
    switch (kind) {
      case SGD -> sgdF(start, end, f(p), o(p), f(g), o(g), f(s[0]), o(s[0]), h);
      case ADAM, ADAMW -> adamF(kind == OptimizerUpdate.ADAMW, start, end, f(p), o(p), f(g), o(g),
          f(s[0]), o(s[0]), f(s[1]), o(s[1]), f(s[2]), o(s[2]), h);
      case RMSPROP -> rmspropF(start, end, f(p), o(p), f(g), o(g), f(s[0]), o(s[0]), f(s[1]),
          o(s[1]), f(s[2]), o(s[2]), h);
      case ADAGRAD -> adagradF(start, end, f(p), o(p), f(g), o(g), f(s[0]), o(s[0]), h);
      default -> throw new IllegalArgumentException("unknown update " + kind);
    }
  }

  /**
   * The gradient as the update sees it, into {@code out}: negated for maximize, plus the L2 weight
   * decay. {@code -g} and {@code g * -1} are the same exact value, so maximize costs no rounding.
   */
  private static void effectiveGradF(int start, int end, float[] p, int po, float[] g, int go,
      float sign, float wd, float[] out) {
    int n = end - start;
    if (wd != 0f) {
      for (int i = 0; i < n; i++) {
        out[i] = g[go + start + i] * sign + wd * p[po + start + i];
      }
    } else {
      for (int i = 0; i < n; i++) {
        out[i] = g[go + start + i] * sign;
      }
    }
  }

  private static void sgdF(int start, int end, float[] p, int po, float[] g, int go, float[] b,
      int bo, double[] h) {
    float negLr = (float) -h[0];
    float mom = (float) h[1];
    float oneMinusDamp = (float) (1 - h[2]);
    float wd = (float) h[3];
    boolean nesterov = h[4] != 0;
    float sign = h[5] != 0 ? -1f : 1f;
    boolean init = h[6] != 0;
    if (h[1] == 0 && wd == 0f) {
      for (int i = start; i < end; i++) {
        p[po + i] = p[po + i] + negLr * (g[go + i] * sign);
      }
      return;
    }
    for (int c = start; c < end; c += TILE) {
      int ce = Math.min(end, c + TILE);
      float[] t = TILE_F.get();
      effectiveGradF(c, ce, p, po, g, go, sign, wd, t);
      int n = ce - c;
      if (h[1] == 0) {
        for (int i = 0; i < n; i++) {
          p[po + c + i] = p[po + c + i] + negLr * t[i];
        }
        continue;
      }
      int bb = bo + c;
      int pp = po + c;
      if (init) {
        System.arraycopy(t, 0, b, bb, n);
      } else {
        for (int i = 0; i < n; i++) {
          b[bb + i] = b[bb + i] * mom + oneMinusDamp * t[i];
        }
      }
      if (nesterov) {
        for (int i = 0; i < n; i++) {
          p[pp + i] = p[pp + i] + negLr * (t[i] + mom * b[bb + i]);
        }
      } else {
        for (int i = 0; i < n; i++) {
          p[pp + i] = p[pp + i] + negLr * b[bb + i];
        }
      }
    }
  }

  private static void adamF(boolean decoupled, int start, int end, float[] p, int po, float[] g,
      int go, float[] m, int mo, float[] v, int vo, float[] vmax, int xo, double[] h) {
    double lr = h[0];
    double beta1 = h[1];
    double beta2 = h[2];
    double step = h[5];
    boolean amsgrad = h[6] != 0;
    float b1 = (float) beta1;
    float ob1 = (float) (1 - beta1);
    float b2 = (float) beta2;
    float ob2 = (float) (1 - beta2);
    float eps = (float) h[3];
    float sign = h[7] != 0 ? -1f : 1f;
    float wd = decoupled ? 0f : (float) h[4];
    float decay = (float) (1 - lr * h[4]);
    float negStep = (float) (-lr / (1 - Math.pow(beta1, step)));
    float bc2 = (float) Math.sqrt(1 - Math.pow(beta2, step));
    if (decoupled && h[4] != 0) {
      for (int i = start; i < end; i++) {
        p[po + i] = p[po + i] * decay;
      }
    }
    if (!amsgrad && wd == 0f) {
      // The common case in one loop: no temporary, one read and write of each array.
      for (int i = start; i < end; i++) {
        float gi = g[go + i] * sign;
        float mi = m[mo + i] * b1 + ob1 * gi;
        float vi = v[vo + i] * b2 + ob2 * gi * gi;
        m[mo + i] = mi;
        v[vo + i] = vi;
        p[po + i] = p[po + i] + negStep * mi / ((float) Math.sqrt(vi) / bc2 + eps);
      }
      return;
    }
    for (int c = start; c < end; c += TILE) {
      int ce = Math.min(end, c + TILE);
      int n = ce - c;
      float[] t = TILE_F.get();
      effectiveGradF(c, ce, p, po, g, go, sign, wd, t);
      for (int i = 0; i < n; i++) {
        float gi = t[i];
        m[mo + c + i] = m[mo + c + i] * b1 + ob1 * gi;
        v[vo + c + i] = v[vo + c + i] * b2 + ob2 * gi * gi;
      }
      float[] den = amsgrad ? vmax : v;
      int dof = amsgrad ? xo : vo;
      if (amsgrad) {
        for (int i = 0; i < n; i++) {
          vmax[xo + c + i] = Math.max(vmax[xo + c + i], v[vo + c + i]);
        }
      }
      for (int i = 0; i < n; i++) {
        p[po + c + i] = p[po + c + i]
            + negStep * m[mo + c + i] / ((float) Math.sqrt(den[dof + c + i]) / bc2 + eps);
      }
    }
  }

  private static void rmspropF(int start, int end, float[] p, int po, float[] g, int go,
      float[] sq, int so, float[] b, int bo, float[] ga, int gao, double[] h) {
    float negLr = (float) -h[0];
    float alpha = (float) h[1];
    float oneMinusAlpha = (float) (1 - h[1]);
    float eps = (float) h[2];
    float wd = (float) h[3];
    float mom = (float) h[4];
    boolean momentum = h[4] > 0;
    boolean centered = h[5] != 0;
    float sign = h[6] != 0 ? -1f : 1f;
    for (int c = start; c < end; c += TILE) {
      int ce = Math.min(end, c + TILE);
      int n = ce - c;
      float[] t = TILE_F.get();
      effectiveGradF(c, ce, p, po, g, go, sign, wd, t);
      for (int i = 0; i < n; i++) {
        sq[so + c + i] = sq[so + c + i] * alpha + oneMinusAlpha * t[i] * t[i];
      }
      if (centered) {
        for (int i = 0; i < n; i++) {
          float a = ga[gao + c + i] * alpha + oneMinusAlpha * t[i];
          ga[gao + c + i] = a;
          t[n + i] = (float) Math.sqrt(sq[so + c + i] + -1f * a * a) + eps;
        }
      } else {
        for (int i = 0; i < n; i++) {
          t[n + i] = (float) Math.sqrt(sq[so + c + i]) + eps;
        }
      }
      if (momentum) {
        for (int i = 0; i < n; i++) {
          float bi = b[bo + c + i] * mom + t[i] / t[n + i];
          b[bo + c + i] = bi;
          p[po + c + i] = p[po + c + i] + negLr * bi;
        }
      } else {
        for (int i = 0; i < n; i++) {
          p[po + c + i] = p[po + c + i] + negLr * t[i] / t[n + i];
        }
      }
    }
  }

  private static void adagradF(int start, int end, float[] p, int po, float[] g, int go,
      float[] sum, int so, double[] h) {
    double step = h[4];
    float negClr = (float) (-h[0] / (1 + (step - 1) * h[1]));
    float wd = (float) h[2];
    float eps = (float) h[3];
    float sign = h[5] != 0 ? -1f : 1f;
    for (int c = start; c < end; c += TILE) {
      int ce = Math.min(end, c + TILE);
      int n = ce - c;
      float[] t = TILE_F.get();
      effectiveGradF(c, ce, p, po, g, go, sign, wd, t);
      for (int i = 0; i < n; i++) {
        float si = sum[so + c + i] + t[i] * t[i];
        sum[so + c + i] = si;
        p[po + c + i] = p[po + c + i] + negClr * t[i] / ((float) Math.sqrt(si) + eps);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // float64: the same loops on doubles

  private static void runDouble(OptimizerUpdate kind, int start, int end, Arr p, Arr g, Arr[] s,
      double[] h) {
    switch (kind) {
      case SGD -> sgdD(start, end, d(p), o(p), d(g), o(g), d(s[0]), o(s[0]), h);
      case ADAM, ADAMW -> adamD(kind == OptimizerUpdate.ADAMW, start, end, d(p), o(p), d(g), o(g),
          d(s[0]), o(s[0]), d(s[1]), o(s[1]), d(s[2]), o(s[2]), h);
      case RMSPROP -> rmspropD(start, end, d(p), o(p), d(g), o(g), d(s[0]), o(s[0]), d(s[1]),
          o(s[1]), d(s[2]), o(s[2]), h);
      case ADAGRAD -> adagradD(start, end, d(p), o(p), d(g), o(g), d(s[0]), o(s[0]), h);
      default -> throw new IllegalArgumentException("unknown update " + kind);
    }
  }

  private static void effectiveGradD(int start, int end, double[] p, int po, double[] g, int go,
      double sign, double wd, double[] out) {
    int n = end - start;
    if (wd != 0) {
      for (int i = 0; i < n; i++) {
        out[i] = g[go + start + i] * sign + wd * p[po + start + i];
      }
    } else {
      for (int i = 0; i < n; i++) {
        out[i] = g[go + start + i] * sign;
      }
    }
  }

  private static void sgdD(int start, int end, double[] p, int po, double[] g, int go,
      double[] b, int bo, double[] h) {
    double negLr = -h[0];
    double mom = h[1];
    double oneMinusDamp = 1 - h[2];
    double wd = h[3];
    boolean nesterov = h[4] != 0;
    double sign = h[5] != 0 ? -1 : 1;
    boolean init = h[6] != 0;
    for (int c = start; c < end; c += TILE) {
      int ce = Math.min(end, c + TILE);
      double[] t = TILE_D.get();
      effectiveGradD(c, ce, p, po, g, go, sign, wd, t);
      int n = ce - c;
      int pp = po + c;
      if (mom == 0) {
        for (int i = 0; i < n; i++) {
          p[pp + i] = p[pp + i] + negLr * t[i];
        }
        continue;
      }
      int bb = bo + c;
      if (init) {
        System.arraycopy(t, 0, b, bb, n);
      } else {
        for (int i = 0; i < n; i++) {
          b[bb + i] = b[bb + i] * mom + oneMinusDamp * t[i];
        }
      }
      if (nesterov) {
        for (int i = 0; i < n; i++) {
          p[pp + i] = p[pp + i] + negLr * (t[i] + mom * b[bb + i]);
        }
      } else {
        for (int i = 0; i < n; i++) {
          p[pp + i] = p[pp + i] + negLr * b[bb + i];
        }
      }
    }
  }

  private static void adamD(boolean decoupled, int start, int end, double[] p, int po,
      double[] g, int go, double[] m, int mo, double[] v, int vo, double[] vmax, int xo,
      double[] h) {
    double lr = h[0];
    double b1 = h[1];
    double b2 = h[2];
    double eps = h[3];
    double step = h[5];
    boolean amsgrad = h[6] != 0;
    double sign = h[7] != 0 ? -1 : 1;
    double ob1 = 1 - b1;
    double ob2 = 1 - b2;
    double wd = decoupled ? 0 : h[4];
    double negStep = -lr / (1 - Math.pow(b1, step));
    double bc2 = Math.sqrt(1 - Math.pow(b2, step));
    if (decoupled && h[4] != 0) {
      double decay = 1 - lr * h[4];
      for (int i = start; i < end; i++) {
        p[po + i] = p[po + i] * decay;
      }
    }
    for (int c = start; c < end; c += TILE) {
      int ce = Math.min(end, c + TILE);
      int n = ce - c;
      double[] t = TILE_D.get();
      effectiveGradD(c, ce, p, po, g, go, sign, wd, t);
      for (int i = 0; i < n; i++) {
        double gi = t[i];
        m[mo + c + i] = m[mo + c + i] * b1 + ob1 * gi;
        v[vo + c + i] = v[vo + c + i] * b2 + ob2 * gi * gi;
      }
      double[] den = amsgrad ? vmax : v;
      int dof = amsgrad ? xo : vo;
      if (amsgrad) {
        for (int i = 0; i < n; i++) {
          vmax[xo + c + i] = Math.max(vmax[xo + c + i], v[vo + c + i]);
        }
      }
      for (int i = 0; i < n; i++) {
        p[po + c + i] = p[po + c + i]
            + negStep * m[mo + c + i] / (Math.sqrt(den[dof + c + i]) / bc2 + eps);
      }
    }
  }

  private static void rmspropD(int start, int end, double[] p, int po, double[] g, int go,
      double[] sq, int so, double[] b, int bo, double[] ga, int gao, double[] h) {
    double negLr = -h[0];
    double alpha = h[1];
    double oneMinusAlpha = 1 - h[1];
    double eps = h[2];
    double wd = h[3];
    double mom = h[4];
    boolean centered = h[5] != 0;
    double sign = h[6] != 0 ? -1 : 1;
    for (int c = start; c < end; c += TILE) {
      int ce = Math.min(end, c + TILE);
      int n = ce - c;
      double[] t = TILE_D.get();
      effectiveGradD(c, ce, p, po, g, go, sign, wd, t);
      for (int i = 0; i < n; i++) {
        sq[so + c + i] = sq[so + c + i] * alpha + oneMinusAlpha * t[i] * t[i];
      }
      if (centered) {
        for (int i = 0; i < n; i++) {
          double a = ga[gao + c + i] * alpha + oneMinusAlpha * t[i];
          ga[gao + c + i] = a;
          t[n + i] = Math.sqrt(sq[so + c + i] + -1.0 * a * a) + eps;
        }
      } else {
        for (int i = 0; i < n; i++) {
          t[n + i] = Math.sqrt(sq[so + c + i]) + eps;
        }
      }
      if (mom > 0) {
        for (int i = 0; i < n; i++) {
          double bi = b[bo + c + i] * mom + t[i] / t[n + i];
          b[bo + c + i] = bi;
          p[po + c + i] = p[po + c + i] + negLr * bi;
        }
      } else {
        for (int i = 0; i < n; i++) {
          p[po + c + i] = p[po + c + i] + negLr * t[i] / t[n + i];
        }
      }
    }
  }

  private static void adagradD(int start, int end, double[] p, int po, double[] g, int go,
      double[] sum, int so, double[] h) {
    double step = h[4];
    double negClr = -h[0] / (1 + (step - 1) * h[1]);
    double wd = h[2];
    double eps = h[3];
    double sign = h[5] != 0 ? -1 : 1;
    for (int c = start; c < end; c += TILE) {
      int ce = Math.min(end, c + TILE);
      int n = ce - c;
      double[] t = TILE_D.get();
      effectiveGradD(c, ce, p, po, g, go, sign, wd, t);
      for (int i = 0; i < n; i++) {
        double si = sum[so + c + i] + t[i] * t[i];
        sum[so + c + i] = si;
        p[po + c + i] = p[po + c + i] + negClr * t[i] / (Math.sqrt(si) + eps);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Per-thread tiles for the effective gradient (kept in L1 between the loops of one tile)

  private static final int TILE = 1024;
  private static final ThreadLocal<float[]> TILE_F = ThreadLocal.withInitial(() -> new float[2 * TILE]);
  private static final ThreadLocal<double[]> TILE_D = ThreadLocal.withInitial(() -> new double[2 * TILE]);
}
