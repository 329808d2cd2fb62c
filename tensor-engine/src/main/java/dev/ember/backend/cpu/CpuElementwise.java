package dev.ember.backend.cpu;

import dev.ember.backend.BinaryOp;
import dev.ember.backend.UnaryOp;
import dev.ember.backend.cpu.CpuLoops.CType;
import dev.ember.backend.cpu.CpuLoops.Fn1;
import dev.ember.backend.cpu.CpuLoops.Fn2;
import dev.ember.backend.cpu.CpuLoops.Kernel;
import dev.ember.backend.cpu.CpuLoops.View;
import dev.ember.tensor.DType;
import java.util.Arrays;

/**
 * The elementwise primitives of the CPU backend (unary, binary, where, copy, fill): one
 * contiguous kernel per op and compute type, run by {@link CpuLoops#map}.
 *
 * <p>Each kernel is its own lambda so that the JIT compiles (and vectorizes) each loop on its own,
 * and indexes all its arrays alike (see {@link CpuLoops}). float32 exp, tanh, sigmoid and silu
 * run the bulk kernels of {@link FloatMath} (SIMD where the JVM has it); the other float32
 * transcendental functions run the float64 kernel on widened chunks and round once. Binary ops
 * with a broadcast scalar operand (a Java number from the op layer) run as one-input kernels.
 */
final class CpuElementwise {
  private static final double SQRT1_2 = 0.7071067811865476;
  private static final double SQRT_2_OVER_PI = 0.7978845608028654;

  private CpuElementwise() {}

  // ---------------------------------------------------------------------------------------------
  // Typed kernel adapters

  private static Kernel ff(Fn1<float[], float[]> f) {
    return CpuLoops.kernel(float[].class, float[].class, f);
  }

  private static Kernel dd(Fn1<double[], double[]> f) {
    return CpuLoops.kernel(double[].class, double[].class, f);
  }

  private static Kernel ll(Fn1<long[], long[]> f) {
    return CpuLoops.kernel(long[].class, long[].class, f);
  }

  private static Kernel fb(Fn1<float[], byte[]> f) {
    return CpuLoops.kernel(float[].class, byte[].class, f);
  }

  private static Kernel db(Fn1<double[], byte[]> f) {
    return CpuLoops.kernel(double[].class, byte[].class, f);
  }

  private static Kernel lb(Fn1<long[], byte[]> f) {
    return CpuLoops.kernel(long[].class, byte[].class, f);
  }

  private static Kernel fff(Fn2<float[], float[], float[]> f) {
    return CpuLoops.kernel(float[].class, float[].class, float[].class, f);
  }

  private static Kernel ddd(Fn2<double[], double[], double[]> f) {
    return CpuLoops.kernel(double[].class, double[].class, double[].class, f);
  }

  private static Kernel lll(Fn2<long[], long[], long[]> f) {
    return CpuLoops.kernel(long[].class, long[].class, long[].class, f);
  }

  private static Kernel ffb(Fn2<float[], float[], byte[]> f) {
    return CpuLoops.kernel(float[].class, float[].class, byte[].class, f);
  }

  private static Kernel ddb(Fn2<double[], double[], byte[]> f) {
    return CpuLoops.kernel(double[].class, double[].class, byte[].class, f);
  }

  private static Kernel llb(Fn2<long[], long[], byte[]> f) {
    return CpuLoops.kernel(long[].class, long[].class, byte[].class, f);
  }

  private static Kernel bbb(Fn2<byte[], byte[], byte[]> f) {
    return CpuLoops.kernel(byte[].class, byte[].class, byte[].class, f);
  }

  // ---------------------------------------------------------------------------------------------
  // unary

  /** {@code dst = op(src; p0, p1)}; see {@link UnaryOp} for each op. */
  static void unary(UnaryOp op, View dst, View src, double p0, double p1) {
    CType in = op == UnaryOp.LOGICAL_NOT ? CType.BOOL : CType.arith(src.dtype());
    CType out = op.producesBool() ? CType.BOOL : in;
    Kernel k = switch (in) {
      case F32 -> unaryF32(op, p0, p1);
      case F64 -> unaryF64(op, p0, p1);
      case I64 -> unaryI64(op, p0, p1, src.dtype());
      case BOOL -> CpuLoops.kernel(byte[].class, byte[].class, (x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = (byte) (x[i] ^ 1);
        }
      });
    };
    int grain = !heavy(op, p0) ? CpuLoops.GRAIN
        : op == UnaryOp.EXP && in == CType.F32 ? FloatMath.get().expGrain()
        : CpuLoops.GRAIN_HEAVY;
    CpuLoops.map(k, grain, new View[] {dst, src}, new CType[] {out, in});
  }

  /** Whether an op calls a transcendental function per element (smaller grain, double path). */
  private static boolean heavy(UnaryOp op, double p0) {
    return switch (op) {
      case EXP, LOG, LOG1P, EXPM1, SIN, COS, TANH, SIGMOID, GELU, GELU_TANH, SILU, SOFTPLUS,
          ERF -> true;
      case POW_SCALAR -> p0 != 0 && p0 != 1 && p0 != 2;
      default -> false;
    };
  }

  private static Kernel unaryF32(UnaryOp op, double p0, double p1) {
    FloatMath math = FloatMath.get();
    FloatMath.Unary bulk = switch (op) {
      case EXP -> math::exp;
      case TANH -> math::tanh;
      case SIGMOID -> math::sigmoid;
      case SILU -> math::silu;
      default -> null;
    };
    if (bulk != null) {
      return bulk(bulk);
    }
    if (heavy(op, p0)) {
      return viaF64(unaryF64(op, p0, p1));
    }
    return switch (op) {
      case NEG -> ff((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = -x[i];
        }
      });
      case ABS -> ff((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.abs(x[i]);
        }
      });
      case SIGN -> ff((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = (x[i] > 0 ? 1f : 0f) - (x[i] < 0 ? 1f : 0f);
        }
      });
      case SQRT -> ff((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = (float) Math.sqrt(x[i]);
        }
      });
      case RSQRT -> ff((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = (float) (1.0 / Math.sqrt(x[i]));
        }
      });
      case RECIPROCAL -> ff((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = 1f / x[i];
        }
      });
      case RELU -> ff((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.max(x[i], 0f);
        }
      });
      case LEAKY_RELU -> {
        float slope = (float) p0;
        yield ff((x, y, lo, hi) -> {
          for (int i = lo; i < hi; i++) {
            float v = x[i];
            y[i] = v >= 0 ? v : slope * v;
          }
        });
      }
      case CLAMP -> {
        // A NaN bound is no bound: the infinities never clamp.
        float lower = Double.isNaN(p0) ? Float.NEGATIVE_INFINITY : (float) p0;
        float upper = Double.isNaN(p1) ? Float.POSITIVE_INFINITY : (float) p1;
        yield ff((x, y, lo, hi) -> {
          for (int i = lo; i < hi; i++) {
            // min(max(x, lower), upper), written with comparisons so that a NaN x stays NaN.
            float v = x[i];
            v = v < lower ? lower : v;
            y[i] = v > upper ? upper : v;
          }
        });
      }
      case POW_SCALAR -> powScalarF32(p0);
      case EXP, LOG, LOG1P, EXPM1, SIN, COS, TANH, SIGMOID, GELU, GELU_TANH, SILU, SOFTPLUS, ERF ->
          throw new AssertionError(op + " runs through FloatMath or the float64 kernel");
      case FLOOR -> ff((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = (float) Math.floor(x[i]);
        }
      });
      case CEIL -> ff((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = (float) Math.ceil(x[i]);
        }
      });
      case ROUND -> ff((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = (float) Math.rint(x[i]);
        }
      });
      case ISNAN -> fb((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Float.isNaN(x[i]) ? (byte) 1 : 0;
        }
      });
      case ISINF -> fb((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Float.isInfinite(x[i]) ? (byte) 1 : 0;
        }
      });
      case LOGICAL_NOT -> throw new AssertionError("LOGICAL_NOT computes in bool");
    };
  }

  /** {@code x^p} for the exponents that are not {@link #heavy}: 2, 1 and 0. */
  private static Kernel powScalarF32(double p) {
    // x*x and pow(x, 2) agree in IEEE arithmetic (as do x and pow(x, 1), 1 and pow(x, 0)); other
    // shortcuts such as sqrt for 0.5 differ at -0 and -inf, so they are left to Math.pow.
    if (p == 2) {
      return ff((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          float v = x[i];
          y[i] = v * v;
        }
      });
    }
    if (p == 1) {
      return ff((x, y, lo, hi) -> System.arraycopy(x, lo, y, lo, hi - lo));
    }
    return ff((x, y, lo, hi) -> Arrays.fill(y, lo, hi, 1f));
  }

  /**
   * A float32 kernel running a {@link FloatMath} function, which takes its operands at any
   * offsets: contiguous operands are used in place even where their offsets differ.
   */
  private static Kernel bulk(FloatMath.Unary f) {
    return new Kernel() {
      @Override
      public void run(Object[] arrays, int[] offsets, int n) {
        f.apply((float[]) arrays[1], offsets[1], (float[]) arrays[0], offsets[0], n);
      }

      @Override
      public boolean anyOffsets() {
        return true;
      }
    };
  }

  /** Elements per double chunk of {@link #viaF64}. */
  private static final int CHUNK = 256;

  /**
   * A float32 kernel that widens to double, runs the float64 kernel in place and rounds once.
   * Separate conversion loops also keep each transcendental call independent of the previous one:
   * converting right before the call lets (on x86) the conversion depend on the register that
   * the previous call returned in, which makes the loop latency-bound, 2-3 times slower.
   */
  private static Kernel viaF64(Kernel f64) {
    return ff((x, y, lo, hi) -> {
      double[] t = new double[Math.min(CHUNK, hi - lo)];
      Object[] arrays = {t, t};
      int[] offsets = new int[2];
      for (int s = lo; s < hi; s += CHUNK) {
        int n = Math.min(CHUNK, hi - s);
        for (int i = 0; i < n; i++) {
          t[i] = x[s + i];
        }
        f64.run(arrays, offsets, n);
        for (int i = 0; i < n; i++) {
          y[s + i] = (float) t[i];
        }
      }
    });
  }

  private static Kernel unaryF64(UnaryOp op, double p0, double p1) {
    return switch (op) {
      case NEG -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = -x[i];
        }
      });
      case ABS -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.abs(x[i]);
        }
      });
      case SIGN -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = (x[i] > 0 ? 1.0 : 0.0) - (x[i] < 0 ? 1.0 : 0.0);
        }
      });
      case EXP -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.exp(x[i]);
        }
      });
      case LOG -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.log(x[i]);
        }
      });
      case LOG1P -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.log1p(x[i]);
        }
      });
      case EXPM1 -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.expm1(x[i]);
        }
      });
      case SQRT -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.sqrt(x[i]);
        }
      });
      case RSQRT -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = 1.0 / Math.sqrt(x[i]);
        }
      });
      case RECIPROCAL -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = 1.0 / x[i];
        }
      });
      case SIN -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.sin(x[i]);
        }
      });
      case COS -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.cos(x[i]);
        }
      });
      case TANH -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.tanh(x[i]);
        }
      });
      case SIGMOID -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = 1.0 / (1.0 + Math.exp(-x[i]));
        }
      });
      case RELU -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.max(x[i], 0.0);
        }
      });
      case LEAKY_RELU -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          double v = x[i];
          y[i] = v >= 0 ? v : p0 * v;
        }
      });
      case GELU -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          double v = x[i];
          y[i] = 0.5 * v * (1.0 + erf(v * SQRT1_2));
        }
      });
      case GELU_TANH -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = geluTanh(x[i]);
        }
      });
      case SILU -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          double v = x[i];
          y[i] = v / (1.0 + Math.exp(-v));
        }
      });
      case SOFTPLUS -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = softplus(x[i], p0, p1);
        }
      });
      case ERF -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = erf(x[i]);
        }
      });
      case CLAMP -> {
        double lower = Double.isNaN(p0) ? Double.NEGATIVE_INFINITY : p0;
        double upper = Double.isNaN(p1) ? Double.POSITIVE_INFINITY : p1;
        yield dd((x, y, lo, hi) -> {
          for (int i = lo; i < hi; i++) {
            double v = x[i];
            v = v < lower ? lower : v;
            y[i] = v > upper ? upper : v;
          }
        });
      }
      case POW_SCALAR -> powScalarF64(p0);
      case FLOOR -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.floor(x[i]);
        }
      });
      case CEIL -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.ceil(x[i]);
        }
      });
      case ROUND -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.rint(x[i]);
        }
      });
      case ISNAN -> db((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Double.isNaN(x[i]) ? (byte) 1 : 0;
        }
      });
      case ISINF -> db((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Double.isInfinite(x[i]) ? (byte) 1 : 0;
        }
      });
      case LOGICAL_NOT -> throw new AssertionError("LOGICAL_NOT computes in bool");
    };
  }

  private static Kernel powScalarF64(double p) {
    if (p == 2) {
      return dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          double v = x[i];
          y[i] = v * v;
        }
      });
    }
    if (p == 1) {
      return dd((x, y, lo, hi) -> System.arraycopy(x, lo, y, lo, hi - lo));
    }
    if (p == 0) {
      return dd((x, y, lo, hi) -> Arrays.fill(y, lo, hi, 1.0));
    }
    return dd((x, y, lo, hi) -> {
      for (int i = lo; i < hi; i++) {
        y[i] = Math.pow(x[i], p);
      }
    });
  }

  private static Kernel unaryI64(UnaryOp op, double p0, double p1, DType dtype) {
    return switch (op) {
      case NEG -> ll((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = -x[i];
        }
      });
      case ABS -> ll((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.abs(x[i]);
        }
      });
      case SIGN -> ll((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Long.signum(x[i]);
        }
      });
      case RELU -> ll((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.max(x[i], 0L);
        }
      });
      case CLAMP -> {
        // Integer bounds that clamp exactly as the real ones would: ceil(p0) and floor(p1).
        long lower = Double.isNaN(p0) ? Long.MIN_VALUE : (long) Math.ceil(p0);
        long upper = Double.isNaN(p1) ? Long.MAX_VALUE : (long) Math.floor(p1);
        yield ll((x, y, lo, hi) -> {
          for (int i = lo; i < hi; i++) {
            y[i] = Math.min(Math.max(x[i], lower), upper);
          }
        });
      }
      case POW_SCALAR -> {
        if (p0 != Math.rint(p0) || p0 < 0) {
          throw new IllegalArgumentException("unary op POW_SCALAR on dtype " + dtype
              + " needs an integer exponent >= 0, got " + p0
              + " (Integers to negative integer powers are not allowed)");
        }
        long e = (long) p0;
        yield ll((x, y, lo, hi) -> {
          for (int i = lo; i < hi; i++) {
            y[i] = ipow(x[i], e);
          }
        });
      }
      case FLOOR, CEIL, ROUND -> ll((x, y, lo, hi) -> System.arraycopy(x, lo, y, lo, hi - lo));
      case ISNAN, ISINF -> lb((x, y, lo, hi) -> Arrays.fill(y, lo, hi, (byte) 0));
      default -> throw new IllegalArgumentException(
          "unary op " + op + " is not defined for dtype " + dtype
              + " (floating-point only; the op layer promotes integers first)");
    };
  }

  /** {@code base^exp} in wrapping int64 arithmetic, by squaring. */
  static long ipow(long base, long exp) {
    if (exp < 0) {
      throw new IllegalArgumentException("Integers to negative integer powers are not allowed.");
    }
    long result = 1;
    long b = base;
    long e = exp;
    while (e != 0) {
      if ((e & 1) != 0) {
        result *= b;
      }
      b *= b;
      e >>>= 1;
    }
    return result;
  }

  private static double geluTanh(double x) {
    double inner = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
    return 0.5 * x * (1.0 + Math.tanh(inner));
  }

  private static final double INV_SQRT_2PI = 0.3989422804014327;

  /** GELU's derivative: Phi(x) + x phi(x). */
  static double geluGrad(double x) {
    return 0.5 * (1.0 + erf(x * SQRT1_2)) + x * (Math.exp(-0.5 * x * x) * INV_SQRT_2PI);
  }

  /**
   * The tanh-approximated GELU's derivative (see {@link BinaryOp#GELU_TANH_GRAD}), written with
   * {@code 0.5 (1 + tanh u) = s} and {@code 1 - tanh^2 u = 4 s (1 - s)}, {@code s = sigmoid(2u)}:
   * no term cancels to zero where the true value is tiny, so its sign does not depend on how a
   * backend rounds tanh (the GPU kernels compute the same form).
   */
  static double geluTanhGrad(double x) {
    double x2 = x * x;
    double u = SQRT_2_OVER_PI * (x + 0.044715 * x2 * x);
    double s = 1.0 / (1.0 + Math.exp(-2 * u));
    double sc = 1.0 / (1.0 + Math.exp(2 * u));
    return s + 2 * x * s * sc * (SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x2));
  }

  /** SiLU's derivative: s (1 + x (1 - s)), s = sigmoid(x). */
  static double siluGrad(double x) {
    double s = 1.0 / (1.0 + Math.exp(-x));
    return s * (1.0 + x * (1.0 - s));
  }

  /** PyTorch's softplus: {@code x} where {@code beta x > threshold}, else log1p(e^(bx))/beta. */
  private static double softplus(double x, double beta, double threshold) {
    double bx = beta * x;
    return bx > threshold ? x : Math.log1p(Math.exp(bx)) / beta;
  }

  // ---------------------------------------------------------------------------------------------
  // erf

  private static final double[] ERF_A = {
    3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
    3.20937758913846947e03, 1.85777706184603153e-1
  };
  private static final double[] ERF_B = {
    2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
    2.84423683343917062e03
  };
  private static final double[] ERF_C = {
    5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
    2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
    2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8
  };
  private static final double[] ERF_D = {
    1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
    1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
    3.43936767414372164e03, 1.23033935480374942e03
  };
  private static final double[] ERF_P = {
    3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
    1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2
  };
  private static final double[] ERF_Q = {
    2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
    6.05183413124413191e-2, 2.33520497626869185e-3
  };
  /** {@code 1 / sqrt(pi)}. */
  private static final double SQRPI = 5.6418958354775628695e-1;

  /**
   * The error function, {@code erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt}, by W. J. Cody's
   * rational Chebyshev approximations (Math. Comp. 1969; netlib specfun CALERF): erf directly for
   * {@code |x| <= 0.46875}, else {@code 1 - erfc(|x|)} with erfc ~ e^(-x^2) R(x) on (0.46875, 4]
   * and e^(-x^2)/x (1/sqrt(pi) + R(1/x^2)/x^2) beyond; relative error near 1e-16.
   */
  static double erf(double x) {
    if (Double.isNaN(x)) {
      return x;
    }
    double y = Math.abs(x);
    if (y <= 0.46875) {
      double ysq = y > 1.11e-16 ? y * y : 0;
      double num = ERF_A[4] * ysq;
      double den = ysq;
      for (int i = 0; i < 3; i++) {
        num = (num + ERF_A[i]) * ysq;
        den = (den + ERF_B[i]) * ysq;
      }
      return x * (num + ERF_A[3]) / (den + ERF_B[3]);
    }
    double erfc;
    if (y <= 4) {
      double num = ERF_C[8] * y;
      double den = y;
      for (int i = 0; i < 7; i++) {
        num = (num + ERF_C[i]) * y;
        den = (den + ERF_D[i]) * y;
      }
      erfc = expMinusSquare(y) * ((num + ERF_C[7]) / (den + ERF_D[7]));
    } else if (y >= 6) {
      // erfc(6) < 2.2e-17: erf rounds to +-1.
      erfc = 0;
    } else {
      double ysq = 1 / (y * y);
      double num = ERF_P[5] * ysq;
      double den = ysq;
      for (int i = 0; i < 4; i++) {
        num = (num + ERF_P[i]) * ysq;
        den = (den + ERF_Q[i]) * ysq;
      }
      double r = ysq * (num + ERF_P[4]) / (den + ERF_Q[4]);
      erfc = expMinusSquare(y) * ((SQRPI - r) / y);
    }
    double r = 0.5 - erfc + 0.5;
    return x < 0 ? -r : r;
  }

  /**
   * {@code e^(-y^2)} without the rounding error of forming {@code y^2}: y is split at a multiple
   * of 1/16 so that the square of the high part is exact.
   */
  private static double expMinusSquare(double y) {
    double hi = Math.floor(y * 16) / 16;
    double del = (y - hi) * (y + hi);
    return Math.exp(-hi * hi) * Math.exp(-del);
  }

  // ---------------------------------------------------------------------------------------------
  // binary

  /** {@code dst = op(a, b)}; see {@link BinaryOp} for each op. */
  static void binary(BinaryOp op, View dst, View a, View b) {
    if (a.dtype() != b.dtype()) {
      throw new IllegalArgumentException("binary op " + op + " needs operands of one dtype, got "
          + a.dtype() + " and " + b.dtype());
    }
    boolean logical = op == BinaryOp.LOGICAL_AND || op == BinaryOp.LOGICAL_OR
        || op == BinaryOp.LOGICAL_XOR;
    CType in = logical ? CType.BOOL : CType.arith(a.dtype());
    CType out = op.producesBool() ? CType.BOOL : in;
    if (in == CType.F32 || in == CType.F64) {
      // x op scalar (the op layer's broadcast Java numbers) runs as a one-input kernel, so that
      // the tensor operand is used in place instead of through tiles.
      boolean right = isScalar(b);
      if (right || isScalar(a)) {
        View scalar = right ? b : a;
        View tensor = right ? a : b;
        double value = CpuLoops.getDouble(scalar.array(), scalar.dtype(), scalar.offset());
        Kernel k = in == CType.F32 ? scalarF32(op, (float) value, right)
            : scalarF64(op, value, right);
        if (k != null) {
          CpuLoops.map(k, CpuLoops.GRAIN, new View[] {dst, tensor}, new CType[] {out, in});
          return;
        }
      }
    }
    Kernel k = switch (in) {
      case F32 -> binaryF32(op);
      case F64 -> binaryF64(op);
      case I64 -> binaryI64(op, a.dtype());
      case BOOL -> logical(op);
    };
    CpuLoops.map(k, op == BinaryOp.POW ? CpuLoops.GRAIN_HEAVY : CpuLoops.GRAIN,
        new View[] {dst, a, b}, new CType[] {out, in, in});
  }

  /** Whether every element of a non-empty view is the same one (all strides 0). */
  private static boolean isScalar(View v) {
    if (v.numel() == 0) {
      return false;
    }
    for (int st : v.strides()) {
      if (st != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code y = x op s} ({@code right}) or {@code y = s op x}, for the cheap arithmetic ops; null
   * for the others.
   */
  private static Kernel scalarF32(BinaryOp op, float s, boolean right) {
    return switch (op) {
      case ADD -> ff((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = x[i] + s;
        }
      });
      case MUL -> ff((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = x[i] * s;
        }
      });
      case SUB -> right ? ff((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = x[i] - s;
        }
      }) : ff((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = s - x[i];
        }
      });
      case DIV -> right ? ff((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = x[i] / s;
        }
      }) : ff((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = s / x[i];
        }
      });
      case MAXIMUM -> ff((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.max(x[i], s);
        }
      });
      case MINIMUM -> ff((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.min(x[i], s);
        }
      });
      default -> null;
    };
  }

  private static Kernel scalarF64(BinaryOp op, double s, boolean right) {
    return switch (op) {
      case ADD -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = x[i] + s;
        }
      });
      case MUL -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = x[i] * s;
        }
      });
      case SUB -> right ? dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = x[i] - s;
        }
      }) : dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = s - x[i];
        }
      });
      case DIV -> right ? dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = x[i] / s;
        }
      }) : dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = s / x[i];
        }
      });
      case MAXIMUM -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.max(x[i], s);
        }
      });
      case MINIMUM -> dd((x, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.min(x[i], s);
        }
      });
      default -> null;
    };
  }

  private static Kernel binaryF32(BinaryOp op) {
    return switch (op) {
      case ADD -> fff((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] + b[i];
        }
      });
      case SUB -> fff((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] - b[i];
        }
      });
      case MUL -> fff((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] * b[i];
        }
      });
      case DIV -> fff((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] / b[i];
        }
      });
      case POW -> fff((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = (float) Math.pow(a[i], b[i]);
        }
      });
      case MAXIMUM -> fff((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.max(a[i], b[i]);
        }
      });
      case MINIMUM -> fff((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.min(a[i], b[i]);
        }
      });
      case RELU_GRAD -> {
        FloatMath math = FloatMath.get();
        yield fff((a, b, y, lo, hi) -> math.reluGrad(a, b, y, lo, hi - lo));
      }
      case GELU_GRAD -> fff((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = (float) (a[i] * geluGrad(b[i]));
        }
      });
      case GELU_TANH_GRAD -> fff((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = (float) (a[i] * geluTanhGrad(b[i]));
        }
      });
      case SILU_GRAD -> fff((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = (float) (a[i] * siluGrad(b[i]));
        }
      });
      case EQ -> ffb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] == b[i] ? (byte) 1 : 0;
        }
      });
      case NE -> ffb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] != b[i] ? (byte) 1 : 0;
        }
      });
      case LT -> ffb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] < b[i] ? (byte) 1 : 0;
        }
      });
      case LE -> ffb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] <= b[i] ? (byte) 1 : 0;
        }
      });
      case GT -> ffb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] > b[i] ? (byte) 1 : 0;
        }
      });
      case GE -> ffb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] >= b[i] ? (byte) 1 : 0;
        }
      });
      case LOGICAL_AND, LOGICAL_OR, LOGICAL_XOR ->
          throw new AssertionError("logical ops compute in bool");
    };
  }

  private static Kernel binaryF64(BinaryOp op) {
    return switch (op) {
      case ADD -> ddd((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] + b[i];
        }
      });
      case SUB -> ddd((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] - b[i];
        }
      });
      case MUL -> ddd((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] * b[i];
        }
      });
      case DIV -> ddd((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] / b[i];
        }
      });
      case POW -> ddd((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.pow(a[i], b[i]);
        }
      });
      case MAXIMUM -> ddd((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.max(a[i], b[i]);
        }
      });
      case MINIMUM -> ddd((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.min(a[i], b[i]);
        }
      });
      case RELU_GRAD -> ddd((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = b[i] <= 0 ? 0 : a[i];
        }
      });
      case GELU_GRAD -> ddd((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] * geluGrad(b[i]);
        }
      });
      case GELU_TANH_GRAD -> ddd((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] * geluTanhGrad(b[i]);
        }
      });
      case SILU_GRAD -> ddd((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] * siluGrad(b[i]);
        }
      });
      case EQ -> ddb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] == b[i] ? (byte) 1 : 0;
        }
      });
      case NE -> ddb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] != b[i] ? (byte) 1 : 0;
        }
      });
      case LT -> ddb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] < b[i] ? (byte) 1 : 0;
        }
      });
      case LE -> ddb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] <= b[i] ? (byte) 1 : 0;
        }
      });
      case GT -> ddb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] > b[i] ? (byte) 1 : 0;
        }
      });
      case GE -> ddb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] >= b[i] ? (byte) 1 : 0;
        }
      });
      case LOGICAL_AND, LOGICAL_OR, LOGICAL_XOR ->
          throw new AssertionError("logical ops compute in bool");
    };
  }

  private static Kernel binaryI64(BinaryOp op, DType dtype) {
    return switch (op) {
      case ADD -> lll((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] + b[i];
        }
      });
      case SUB -> lll((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] - b[i];
        }
      });
      case MUL -> lll((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] * b[i];
        }
      });
      case DIV -> throw new IllegalArgumentException("binary op DIV is not defined for dtype "
          + dtype + " (the op layer promotes integer division to floating point)");
      case GELU_GRAD, GELU_TANH_GRAD, SILU_GRAD -> throw new IllegalArgumentException(
          "binary op " + op + " is defined for floating point dtypes only, got " + dtype);
      case POW -> lll((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = ipow(a[i], b[i]);
        }
      });
      case MAXIMUM -> lll((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.max(a[i], b[i]);
        }
      });
      case MINIMUM -> lll((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = Math.min(a[i], b[i]);
        }
      });
      case RELU_GRAD -> lll((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = b[i] <= 0 ? 0 : a[i];
        }
      });
      case EQ -> llb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] == b[i] ? (byte) 1 : 0;
        }
      });
      case NE -> llb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] != b[i] ? (byte) 1 : 0;
        }
      });
      case LT -> llb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] < b[i] ? (byte) 1 : 0;
        }
      });
      case LE -> llb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] <= b[i] ? (byte) 1 : 0;
        }
      });
      case GT -> llb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] > b[i] ? (byte) 1 : 0;
        }
      });
      case GE -> llb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = a[i] >= b[i] ? (byte) 1 : 0;
        }
      });
      case LOGICAL_AND, LOGICAL_OR, LOGICAL_XOR ->
          throw new AssertionError("logical ops compute in bool");
    };
  }

  private static Kernel logical(BinaryOp op) {
    return switch (op) {
      case LOGICAL_AND -> bbb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = (byte) (a[i] & b[i]);
        }
      });
      case LOGICAL_OR -> bbb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = (byte) (a[i] | b[i]);
        }
      });
      case LOGICAL_XOR -> bbb((a, b, y, lo, hi) -> {
        for (int i = lo; i < hi; i++) {
          y[i] = (byte) (a[i] ^ b[i]);
        }
      });
      default -> throw new AssertionError(op + " is not a logical op");
    };
  }

  // ---------------------------------------------------------------------------------------------
  // where, copy, fill

  /** {@code dst = cond ? a : b}. */
  static void where(View dst, View cond, View a, View b) {
    CType t = CType.of(dst.dtype());
    Kernel k = switch (t) {
      case F32 -> CpuLoops.kernel(byte[].class, float[].class, float[].class, float[].class,
          (c, a1, b1, y, lo, hi) -> {
            for (int i = lo; i < hi; i++) {
              y[i] = c[i] != 0 ? a1[i] : b1[i];
            }
          });
      case F64 -> CpuLoops.kernel(byte[].class, double[].class, double[].class, double[].class,
          (c, a1, b1, y, lo, hi) -> {
            for (int i = lo; i < hi; i++) {
              y[i] = c[i] != 0 ? a1[i] : b1[i];
            }
          });
      case I64 -> CpuLoops.kernel(byte[].class, long[].class, long[].class, long[].class,
          (c, a1, b1, y, lo, hi) -> {
            for (int i = lo; i < hi; i++) {
              y[i] = c[i] != 0 ? a1[i] : b1[i];
            }
          });
      case BOOL -> CpuLoops.kernel(byte[].class, byte[].class, byte[].class, byte[].class,
          (c, a1, b1, y, lo, hi) -> {
            for (int i = lo; i < hi; i++) {
              y[i] = c[i] != 0 ? a1[i] : b1[i];
            }
          });
    };
    CpuLoops.map(k, CpuLoops.GRAIN, new View[] {dst, cond, a, b},
        new CType[] {t, CType.BOOL, t, t});
  }

  /**
   * The kernel of a copy: the conversion happens in the loads and stores around it; a plain copy
   * needs no common offset.
   */
  private static final Kernel COPY = new Kernel() {
    @Override
    public void run(Object[] arrays, int[] offsets, int n) {
      System.arraycopy(arrays[1], offsets[1], arrays[0], offsets[0], n);
    }

    @Override
    public boolean anyOffsets() {
      return true;
    }
  };

  /**
   * {@code dst = (dtype of dst) src}: floating point to integer truncates toward zero (NaN gives
   * 0), anything to bool is {@code x != 0} (NaN gives true), bool to a number is 0 or 1.
   */
  static void copy(View dst, View src) {
    CType t = CType.of(dst.dtype());
    CpuLoops.map(COPY, CpuLoops.GRAIN, new View[] {dst, src}, new CType[] {t, t});
  }

  /** {@code dst = value}, converted to dst's dtype (to bool: {@code value != 0}). */
  static void fill(View dst, double value) {
    CType t = CType.of(dst.dtype());
    Kernel k = switch (t) {
      case F32 -> {
        float v = (float) value;
        yield CpuLoops.kernel(float[].class, (y, lo, hi) -> Arrays.fill(y, lo, hi, v));
      }
      case F64 -> CpuLoops.kernel(double[].class, (y, lo, hi) -> Arrays.fill(y, lo, hi, value));
      case I64 -> {
        long v = (long) value;
        yield CpuLoops.kernel(long[].class, (y, lo, hi) -> Arrays.fill(y, lo, hi, v));
      }
      case BOOL -> {
        byte v = value != 0 ? (byte) 1 : 0;
        yield CpuLoops.kernel(byte[].class, (y, lo, hi) -> Arrays.fill(y, lo, hi, v));
      }
    };
    CpuLoops.map(k, CpuLoops.GRAIN, new View[] {dst}, new CType[] {t});
  }
}
