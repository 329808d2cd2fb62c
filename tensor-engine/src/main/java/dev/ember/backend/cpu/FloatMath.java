package dev.ember.backend.cpu;

import java.lang.System.Logger.Level;
import java.util.Locale;

/**
 * Bulk float32 kernels over array ranges for the transcendental elementwise ops and softmax.
 *
 * <p>Every method reads {@code n} elements from {@code x[xo ..]} and writes {@code n} to {@code
 * y[yo ..]}; y may be x at the same offset (in place), the ranges must not overlap otherwise.
 * Each output element is a function of its input element alone, never of its position or of
 * how a tensor is cut into calls, so results do not depend on the number of threads.
 *
 * <p>{@link #get()} is the implementation the CPU backend uses, chosen once when this interface
 * initializes and logged at INFO: {@code VectorFloatMath} (jdk.incubator.vector) when the JVM
 * has the module {@code jdk.incubator.vector} (run it with {@code --add-modules
 * jdk.incubator.vector}) and 256-bit vectors, else {@link ScalarFloatMath}. The system property
 * {@code ember.cpu.simd=false} forces the scalar implementation.
 *
 * <p>Accuracy: the scalar implementation computes in double and rounds once (within 0.5 ulp plus
 * the double function's error); the SIMD one is within 1 ulp of the exact result, a faithful
 * rounding (measured on every float in range: exp 0.894 ulp, tanh, sigmoid and silu 0.509), see
 * its documentation.
 */
interface FloatMath {

  /** A bulk elementwise function {@code y = f(x)} with the range conventions of this class. */
  @FunctionalInterface
  interface Unary {
    void apply(float[] x, int xo, float[] y, int yo, int n);
  }

  /**
   * The order in which {@link #expSubSum} and {@link #sumExpSub} add: element {@code i} (counted
   * from the start of the range) goes to partial sum {@code i % SUM_PARTS}, each partial adds its
   * elements in index order in double, and the partials {@code p} combine as {@code ((p0 + p4) +
   * (p1 + p5)) + ((p2 + p6) + (p3 + p7))}. Part of the contract so that a softmax along an outer
   * dim, which steps through many lines at once, can sum each line exactly as a row does.
   */
  int SUM_PARTS = 8;

  /**
   * The parallel grain (elements per thread at least) for exp and softmax on these kernels:
   * {@link CpuLoops#GRAIN_HEAVY} where they cost a {@code Math.exp} per element, {@link
   * CpuLoops#GRAIN} where they are vectorized (with less work per thread, handing it to a second
   * thread costs more than it saves).
   */
  int expGrain();

  /** {@code y = e^x}. */
  void exp(float[] x, int xo, float[] y, int yo, int n);

  /** {@code y = tanh(x)}. */
  void tanh(float[] x, int xo, float[] y, int yo, int n);

  /** {@code y = 1 / (1 + e^-x)}. */
  void sigmoid(float[] x, int xo, float[] y, int yo, int n);

  /** {@code y = x / (1 + e^-x)} (SiLU; NaN at -inf, as in PyTorch). */
  void silu(float[] x, int xo, float[] y, int yo, int n);

  /**
   * The largest element of {@code x[xo .. xo + n)} by {@code >}: NaN elements are skipped, so
   * this is -inf when n is 0 or every element is NaN. (A softmax still comes out NaN for a row
   * with a NaN: the NaN reaches the sum.)
   */
  float max(float[] x, int xo, int n);

  /**
   * The float sum of {@code x[xo .. xo + n)} in a fixed order, the same in every implementation
   * (so a reduction's bits never depend on SIMD): element {@code i < n - n % 8} goes to float
   * partial {@code i % 8}, the partials combine as {@code ((s0 + s1) + (s2 + s3)) + ((s4 + s5) +
   * (s6 + s7))}, then the last {@code n % 8} elements are added in order. Meant for blocks of about
   * a thousand elements, whose sums the caller adds in double.
   */
  float blockSum(float[] x, int xo, int n);

  /**
   * {@code y = e^(x - c)}, with {@code x - c} rounded to float first, and returns the sum of the
   * float results, added in the {@linkplain #SUM_PARTS fixed order}.
   */
  double expSubSum(float[] x, int xo, float c, float[] y, int yo, int n);

  /** What {@link #expSubSum} returns, without writing the exponentials anywhere. */
  double sumExpSub(float[] x, int xo, float c, int n);

  /** {@code y = (x - a) - b}, rounding after each subtraction (a log-softmax's last pass). */
  void shift(float[] x, int xo, float a, float b, float[] y, int yo, int n);

  /**
   * ReLU's backward, {@code y = x <= 0 ? +0 : g} over {@code [o, o + n)} of all three arrays: a
   * selection, so both implementations give the same bits; a NaN in x passes g through, as
   * PyTorch's {@code threshold_backward} does. (A branch per element costs about ten times the
   * vector blend here: whether an activation is positive is a coin toss to the branch
   * predictor, and C2 does not vectorize a float select.)
   */
  void reluGrad(float[] g, float[] x, float[] y, int o, int n);

  /**
   * Combines the partial sums of {@link #SUM_PARTS} in their contract order; {@code p} holds
   * them at {@code p[l * stride + j]} for partial l, which lets a softmax along an outer dim keep
   * the partials of many lines side by side.
   */
  static double combine(double[] p, int j, int stride) {
    return ((p[j] + p[4 * stride + j]) + (p[stride + j] + p[5 * stride + j]))
        + ((p[2 * stride + j] + p[6 * stride + j]) + (p[3 * stride + j] + p[7 * stride + j]));
  }

  /** The implementation the CPU backend uses; see the class documentation. */
  static FloatMath get() {
    return Selection.SELECTED;
  }

  /** The scalar implementation (always available). */
  static FloatMath scalar() {
    return ScalarFloatMath.INSTANCE;
  }

  /**
   * The SIMD implementation, whatever {@code ember.cpu.simd} says.
   *
   * @throws IllegalStateException if it cannot run in this JVM, saying why
   */
  static FloatMath simd() {
    if (SimdHolder.INSTANCE == null) {
      throw new IllegalStateException("SIMD float math is unavailable: " + SimdHolder.FAILURE);
    }
    return SimdHolder.INSTANCE;
  }

  /** The one place that decides, from {@code ember.cpu.simd} and {@link SimdHolder}. */
  final class Selection {
    private static final String PROPERTY = "ember.cpu.simd";
    static final FloatMath SELECTED;

    static {
      System.Logger log = System.getLogger(FloatMath.class.getName());
      String value = System.getProperty(PROPERTY, "true");
      String mode = value.trim().toLowerCase(Locale.ROOT);
      if (!mode.equals("true") && !mode.equals("false")) {
        log.log(Level.WARNING, "{0} must be true or false, got ''{1}''; using true", PROPERTY,
            value);
      }
      // With ember.cpu.simd=false the selection never loads the SIMD class.
      boolean simd = !mode.equals("false") && SimdHolder.INSTANCE != null;
      SELECTED = simd ? SimdHolder.INSTANCE : ScalarFloatMath.INSTANCE;
      String passedOver = simd || mode.equals("false") ? "" : "; not SIMD: " + SimdHolder.FAILURE;
      log.log(Level.INFO, "float32 exp/tanh/sigmoid/silu/softmax use {0} ({1}={2}){3}",
          simd ? "Java SIMD (jdk.incubator.vector)" : "Java scalar (via double)", PROPERTY, value,
          passedOver);
    }

    private Selection() {}
  }

  /**
   * Loads {@code VectorFloatMath} reflectively on first use, after checking for its module: the
   * main sources are compiled without {@code jdk.incubator.vector}, and loading the class
   * without the module in the JVM would fail.
   */
  final class SimdHolder {
    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String VECTOR_CLASS = "dev.ember.backend.cpu.VectorFloatMath";

    /** The SIMD implementation, or null if it cannot run here ({@link #FAILURE} says why). */
    static final FloatMath INSTANCE;
    static final String FAILURE;

    static {
      FloatMath instance = null;
      String failure;
      if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
        failure = "module " + VECTOR_MODULE + " is not in the boot layer (run the JVM with"
            + " --add-modules " + VECTOR_MODULE + ")";
      } else {
        try {
          Class<?> cls = Class.forName(VECTOR_CLASS);
          failure = (String) cls.getDeclaredMethod("unavailableReason").invoke(null);
          if (failure == null) {
            instance = (FloatMath) cls.getDeclaredField("INSTANCE").get(null);
          }
        } catch (ReflectiveOperationException | LinkageError e) {
          failure = VECTOR_CLASS + " could not be loaded (" + e
              + "); it is built from tensor-engine/src/main/java-vector";
        }
      }
      INSTANCE = instance;
      FAILURE = failure;
    }

    private SimdHolder() {}
  }
}
