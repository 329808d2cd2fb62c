package dev.ember.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatMath} with {@code jdk.incubator.vector}: 8 float lanes (AVX2), or 4 double lanes
 * where float arithmetic is not accurate enough.
 *
 * <p><b>exp</b> runs in float. With {@code x = k ln2 + r}, {@code k = round(x log2 e)}:
 *
 * <pre>
 *   r   = (x - k LN2_HI) - k LN2_LO       |r| <= ln2/2 (+ rounding); LN2_HI = float(ln 2)
 *   e^r = 1 + r(1 + r(c5 + r(c4 + r(c3 + r(c2 + r(c1 + r c0))))))
 *   e^x = e^r 2^k                         2^k built in the exponent bits: (k + 127) << 23
 * </pre>
 *
 * k comes from adding 1.5 * 2^23, which rounds {@code x log2 e} to an integer in the low mantissa
 * bits. The first reduction step is exact under FMA ({@code x - k LN2_HI} is then a multiple of
 * 2^-25 below 1/2, which fits a float), the second rounds once. c0..c5 are the coefficients of
 * Cephes' {@code expf} (S. L. Moshier, Cephes Math Library 2.2: {@code e^r = 1 + r + r^2 P(r)},
 * theoretical peak relative error 4.2e-9), evaluated in FMA Horner form down to the constant
 * term, which measured the most accurate of the usual orders. Error: at most 0.894 ulp, measured
 * on every float in [-104, 89], so the result is always one of the two floats around e^x
 * (0.46% of them differ from the correctly rounded one by 1 ulp).
 *
 * <p>A vector with a lane beyond +-87 takes a slower form: x clamped to [-104, 89] and 2^k
 * applied as {@code 2^(k>>1) 2^(k - (k>>1))}, so that e^x overflows to +inf above 88.7228 and
 * underflows gradually, keeping denormals (rounded once, as PyTorch keeps them), to 0 below
 * -103.97. Its other lanes come out bit for bit as on the fast path. NaN stays NaN, -inf gives 0.
 *
 * <p><b>tanh, sigmoid, silu</b> compute in double and round once, as the scalar kernels do: from
 * float exponentials, the quotients pick up two or three more roundings and reach 2 ulp (float
 * sigmoid measured 1.99), where {@code CpuElementwiseTest} allows 1 ulp from the correctly rounded
 * result. In double, with {@code a = k ln2 + r} reduced by one FMA with ln 2 rounded to double
 * (|k| <= 1024 times its 2.3e-17 error is far below what float results need):
 *
 * <pre>
 *   expm1(r)   = r + r^2 sum_{j=0..6} r^j/(j+2)!    Taylor, within 6e-10 relative on |r| <= ln2/2
 *   e^a        = 2^k (1 + expm1(r))
 *   tanh(x)    = sign(x) m / (m + 2),  m = expm1(2|x|) = 2^k expm1(r) + (2^k - 1),  |x| <= 20
 *   sigmoid(x) = 1 / (1 + e^-x)
 *   silu(x)    = x / (1 + e^-x)
 * </pre>
 *
 * The expm1 form keeps tanh's relative error small near 0, where {@code 1 - 2/(e^2x + 1)} would
 * cancel. Error: at most 0.509 ulp, measured on every float in [-20, 20] (tanh) and [-110, 30]
 * (sigmoid, silu); at most 1 result in 59000 differs from the correctly rounded one. In sigmoid
 * and silu a vector with {@code |x| > 708} clamps -x to [-708, 710]: 2^k for k = 1024 then has
 * the bits of +inf, so e^-x overflows to +inf as it should (silu(-inf) = -inf/inf = NaN, as in
 * PyTorch).
 *
 * <p><b>Sums</b> ({@link #expSubSum}): the float exponentials are widened four at a time and
 * added to two double vectors, whose 8 lanes are exactly the partial sums of {@link
 * FloatMath#SUM_PARTS}.
 *
 * <p>Every element goes through the same arithmetic wherever it lies. The float kernels have a
 * scalar twin of their lane arithmetic ({@link #exp(float)}: the same float operations, FMA for
 * FMA, in the same order, so the same bits), which takes the last {@code n % 8} elements of a
 * range, and the whole of a range shorter than {@link #SHORT}: a softmax over 10 classes runs no
 * vector code at all. Below C2, the Vector API is very slow (every vector is an object, every
 * operation a chain of calls through lambdas): the first 50 calls of the vector ReLU backward
 * on 32,768 floats took 225 ms, 1,000 times its compiled speed, so scalar code for the short rows
 * that a JVM meets first (a classifier's softmax, 128 rows of 10) shortens its warm-up, and
 * costs nothing once compiled. The double kernels run on chunks widened into a double array of
 * whole vectors.
 *
 * <p>Written for C2 in JDK 17, whose Vector API support is fragile: a vector that C2 cannot keep
 * in registers is boxed, and the loop runs about 3-8 times slower. So loops handle one vector per
 * iteration (unrolled by two, C2 stopped inlining the lane arithmetic); one float species only
 * (see {@link #widen(float[], int, double[], int)}); and the softmax scaling is left to a plain
 * loop in {@code CpuReduce}.
 *
 * <p>Only {@link FloatMath.SimdHolder} loads this class, reflectively, and only when {@code
 * jdk.incubator.vector} is in the boot layer.
 */
final class VectorFloatMath implements FloatMath {

  /** The instance, read by {@link FloatMath.SimdHolder}. */
  static final FloatMath INSTANCE = new VectorFloatMath();

  /** The only float species used: see {@link #widen(float[], int, double[], int)}. */
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
  private static final VectorSpecies<Double> D = DoubleVector.SPECIES_256;
  private static final int FL = 8;
  private static final int DL = 4;
  /** Elements per double chunk of tanh, sigmoid and silu; a multiple of {@link #DL}. */
  private static final int CHUNK = 256;
  /**
   * Elements per block of {@link #expSubSum}: the exponentials are summed in a second pass while
   * they are in L1. (Widening and adding them in the exp loop made it 2 times slower.)
   */
  private static final int SUM_BLOCK = 512;

  // float exp
  private static final float LOG2E = 1.44269504f;
  /** 1.5 * 2^23: {@code v + SHIFTER} rounds v (|v| < 2^22) to an integer in the low bits. */
  private static final float SHIFTER = 12582912f;
  private static final int SHIFTER_BITS = 0x4B400000;
  private static final float LN2_HI = 0.693147182f;
  private static final float LN2_LO = -1.90465430e-9f;
  private static final float EXP_C0 = 1.9875691500e-4f;
  private static final float EXP_C1 = 1.3981999507e-3f;
  private static final float EXP_C2 = 8.3334519073e-3f;
  private static final float EXP_C3 = 4.1665795894e-2f;
  private static final float EXP_C4 = 1.6666665459e-1f;
  private static final float EXP_C5 = 5.0000001201e-1f;
  /** Up to here 2^k is a normal float and applied in one step. */
  private static final float EXP_NARROW = 87f;
  /** e^x rounds to 0 below (e^-104 < 2^-150) and to +inf above (e^89 > 2^128). */
  private static final float EXP_MIN = -104f;
  private static final float EXP_MAX = 89f;

  // double exp and expm1
  private static final double LOG2E_D = 1.4426950408889634;
  /** 1.5 * 2^52, as {@link #SHIFTER} for doubles. */
  private static final double SHIFTER_D = 6755399441055744.0;
  private static final long SHIFTER_D_BITS = 0x4338000000000000L;
  /**
   * ln 2 rounded to double: one FMA reduces exactly enough, |k| <= 1024 times its error (2.3e-17)
   * is far below what float results need.
   */
  private static final double LN2_D = 0.6931471805599453;
  /** 1/(j+2)! for j = 6 down to 0. */
  private static final double EXPM1_C0 = 1.0 / 40320;
  private static final double EXPM1_C1 = 1.0 / 5040;
  private static final double EXPM1_C2 = 1.0 / 720;
  private static final double EXPM1_C3 = 1.0 / 120;
  private static final double EXPM1_C4 = 1.0 / 24;
  private static final double EXPM1_C5 = 1.0 / 6;
  private static final double EXPM1_C6 = 0.5;
  /** Up to here 2^k is a normal double. */
  private static final double EXP_NARROW_D = 708;
  /** Above it 2^k is built with k = 1024, the exponent bits of +inf. */
  private static final double EXP_MAX_D = 710;
  /** tanh(20) is 1 in double. */
  private static final double TANH_CAP = 20;

  /** Ranges shorter than this run the scalar twins only (see the class comment). */
  private static final int SHORT = 2 * FL;

  private VectorFloatMath() {}

  /** Why these kernels would be slow here, or null if they are not. */
  static String unavailableReason() {
    int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
    return bits >= F.vectorBitSize() ? null : "the JIT's vectors are " + bits + " bits wide on"
        + " this machine; these kernels need " + F.vectorBitSize() + " (AVX2)";
  }

  // ---------------------------------------------------------------------------------------------
  // Elementwise

  @Override
  public int expGrain() {
    return CpuLoops.GRAIN;
  }

  @Override
  public void exp(float[] x, int xo, float[] y, int yo, int n) {
    // x - 0 is x, bit for bit, NaN and -0 included.
    expSub(x, xo, 0f, y, yo, n);
  }

  /**
   * {@code y = e^(x - c)}: whole vectors, then the scalar twin {@link #exp(float)} for the tail
   * (and for all of a range shorter than {@link #SHORT}). Keep one call site of {@link
   * #exp(FloatVector)} here: with two, C2 reaches its inlining node limit in this method, calls
   * the small vector helpers out of line, and every vector they pass is boxed on the heap.
   */
  private static void expSub(float[] x, int xo, float c, float[] y, int yo, int n) {
    int i = 0;
    if (n >= SHORT) {
      for (; i <= n - FL; i += FL) {
        exp(FloatVector.fromArray(F, x, xo + i).sub(c)).intoArray(y, yo + i);
      }
    }
    for (; i < n; i++) {
      y[yo + i] = exp(x[xo + i] - c);
    }
  }

  @Override
  public void tanh(float[] x, int xo, float[] y, int yo, int n) {
    double[] t = chunk(n);
    for (int s = 0; s < n; s += CHUNK) {
      int m = Math.min(CHUNK, n - s);
      widen(x, xo + s, t, m);
      for (int i = 0; i < m; i += DL) {
        tanh(DoubleVector.fromArray(D, t, i)).intoArray(t, i);
      }
      narrow(t, y, yo + s, m);
    }
  }

  @Override
  public void sigmoid(float[] x, int xo, float[] y, int yo, int n) {
    double[] t = chunk(n);
    for (int s = 0; s < n; s += CHUNK) {
      int m = Math.min(CHUNK, n - s);
      widen(x, xo + s, t, m);
      for (int i = 0; i < m; i += DL) {
        sigmoid(DoubleVector.fromArray(D, t, i)).intoArray(t, i);
      }
      narrow(t, y, yo + s, m);
    }
  }

  @Override
  public void silu(float[] x, int xo, float[] y, int yo, int n) {
    double[] t = chunk(n);
    for (int s = 0; s < n; s += CHUNK) {
      int m = Math.min(CHUNK, n - s);
      widen(x, xo + s, t, m);
      for (int i = 0; i < m; i += DL) {
        silu(DoubleVector.fromArray(D, t, i)).intoArray(t, i);
      }
      narrow(t, y, yo + s, m);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Softmax

  @Override
  public float blockSum(float[] x, int xo, int n) {
    // Lane l of the accumulator is exactly the scalar kernel's partial s_l (element i -> lane
    // i % 8, added in index order), so both implementations give the same bits.
    FloatVector acc = splat(0f);
    int i = 0;
    for (; i <= n - FL; i += FL) {
      acc = acc.add(FloatVector.fromArray(F, x, xo + i));
    }
    float[] l = acc.toArray();
    float s = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
    for (; i < n; i++) {
      s += x[xo + i];
    }
    return s;
  }

  @Override
  public float max(float[] x, int xo, int n) {
    float r = Float.NEGATIVE_INFINITY;
    if (n < SHORT) {
      // What the vector form computes for one vector and a tail: a scan in index order.
      for (int i = 0; i < n; i++) {
        float v = x[xo + i];
        r = v > r ? v : r;
      }
      return r;
    }
    FloatVector m = splat(Float.NEGATIVE_INFINITY);
    int i = 0;
    for (; i <= n - FL; i += FL) {
      FloatVector v = FloatVector.fromArray(F, x, xo + i);
      m = m.blend(v, v.compare(VectorOperators.GT, m));
    }
    float[] lanes = m.toArray();
    for (float v : lanes) {
      r = v > r ? v : r;
    }
    for (; i < n; i++) {
      float v = x[xo + i];
      r = v > r ? v : r;
    }
    return r;
  }

  @Override
  public double expSubSum(float[] x, int xo, float c, float[] y, int yo, int n) {
    double[] p = new double[SUM_PARTS];
    for (int s = 0; s < n; s += SUM_BLOCK) {
      int m = Math.min(SUM_BLOCK, n - s);
      expSub(x, xo + s, c, y, yo + s, m);
      addTo(p, y, yo + s, m);
    }
    return FloatMath.combine(p, 0, 1);
  }

  @Override
  public double sumExpSub(float[] x, int xo, float c, int n) {
    double[] p = new double[SUM_PARTS];
    float[] e = new float[Math.min(SUM_BLOCK, n)];
    for (int s = 0; s < n; s += SUM_BLOCK) {
      int m = Math.min(SUM_BLOCK, n - s);
      expSub(x, xo + s, c, e, 0, m);
      addTo(p, e, 0, m);
    }
    return FloatMath.combine(p, 0, 1);
  }

  /**
   * Adds {@code e[eo .. eo + m)} to the partial sums {@code p}, element i to {@code p[i % 8]}:
   * the floats widened to two double vectors, partials 0-3 and 4-7, and the tail (or all of a
   * range shorter than {@link #SHORT}) element by element: the same doubles in the same order.
   */
  private static void addTo(double[] p, float[] e, int eo, int m) {
    int i = 0;
    if (m >= SHORT) {
      DoubleVector lo = DoubleVector.fromArray(D, p, 0);
      DoubleVector hi = DoubleVector.fromArray(D, p, DL);
      for (; i <= m - FL; i += FL) {
        FloatVector v = FloatVector.fromArray(F, e, eo + i);
        lo = lo.add(widen(v, 0));
        hi = hi.add(widen(v, 1));
      }
      lo.intoArray(p, 0);
      hi.intoArray(p, DL);
    }
    for (; i < m; i++) {
      p[i % FL] += e[eo + i];
    }
  }

  @Override
  public void shift(float[] x, int xo, float a, float b, float[] y, int yo, int n) {
    int i = 0;
    if (n >= SHORT) {
      for (; i <= n - FL; i += FL) {
        FloatVector.fromArray(F, x, xo + i).sub(a).sub(b).intoArray(y, yo + i);
      }
    }
    for (; i < n; i++) {
      y[yo + i] = (x[xo + i] - a) - b;
    }
  }

  @Override
  public void reluGrad(float[] g, float[] x, float[] y, int o, int n) {
    int i = o;
    for (; i <= o + n - FL; i += FL) {
      FloatVector.fromArray(F, g, i)
          .blend(0f, FloatVector.fromArray(F, x, i).compare(VectorOperators.LE, 0f))
          .intoArray(y, i);
    }
    for (; i < o + n; i++) {
      y[i] = x[i] <= 0 ? 0f : g[i];
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Lane arithmetic

  /** {@code e^x}, see the class documentation. */
  private static FloatVector exp(FloatVector x) {
    if (x.abs().compare(VectorOperators.GT, EXP_NARROW).anyTrue()) {
      return expWide(x);
    }
    FloatVector t = x.fma(LOG2E, SHIFTER);
    FloatVector r = expPoly(reduce(x, t.sub(SHIFTER)));
    return r.mul(pow2(t.reinterpretAsInts().sub(SHIFTER_BITS)));
  }

  /** {@link #exp(FloatVector)} for vectors with a lane beyond +-{@link #EXP_NARROW}. */
  private static FloatVector expWide(FloatVector x) {
    // Comparisons are false for NaN, which passes through unclamped.
    FloatVector v = x.blend(EXP_MIN, x.compare(VectorOperators.LT, EXP_MIN))
        .blend(EXP_MAX, x.compare(VectorOperators.GT, EXP_MAX));
    FloatVector t = v.fma(LOG2E, SHIFTER);
    FloatVector r = expPoly(reduce(v, t.sub(SHIFTER)));
    IntVector k = t.reinterpretAsInts().sub(SHIFTER_BITS);
    IntVector k1 = k.lanewise(VectorOperators.ASHR, 1);
    // The first product is exact (a normal float), the second rounds once.
    return r.mul(pow2(k1)).mul(pow2(k.sub(k1)));
  }

  /** {@code r = x - k ln 2}. */
  private static FloatVector reduce(FloatVector x, FloatVector k) {
    FloatVector r = k.fma(splat(-LN2_HI), x);
    return k.fma(splat(-LN2_LO), r);
  }

  /** {@code e^r} for {@code |r| <= ln2/2}. */
  private static FloatVector expPoly(FloatVector r) {
    FloatVector p = splat(EXP_C0).fma(r, splat(EXP_C1));
    p = p.fma(r, splat(EXP_C2));
    p = p.fma(r, splat(EXP_C3));
    p = p.fma(r, splat(EXP_C4));
    p = p.fma(r, splat(EXP_C5));
    FloatVector one = splat(1f);
    return p.fma(r, one).fma(r, one);
  }

  /** {@code 2^k} for {@code -126 <= k <= 127}. */
  private static FloatVector pow2(IntVector k) {
    return k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
  }

  /**
   * {@link #exp(FloatVector)}'s lane arithmetic on one float: the same operations in the same
   * order, so the same bits. A lane within +-{@link #EXP_NARROW} comes out the same on the
   * vector's fast and wide paths, so the choice per element here matches the choice per vector.
   */
  private static float exp(float x) {
    if (Math.abs(x) > EXP_NARROW) {
      // Comparisons are false for NaN, which passes through unclamped.
      float v = x < EXP_MIN ? EXP_MIN : x > EXP_MAX ? EXP_MAX : x;
      float t = Math.fma(v, LOG2E, SHIFTER);
      float r = expPoly(reduce(v, t - SHIFTER));
      int k = Float.floatToRawIntBits(t) - SHIFTER_BITS;
      int k1 = k >> 1;
      return r * pow2(k1) * pow2(k - k1);
    }
    float t = Math.fma(x, LOG2E, SHIFTER);
    float r = expPoly(reduce(x, t - SHIFTER));
    return r * pow2(Float.floatToRawIntBits(t) - SHIFTER_BITS);
  }

  private static float reduce(float x, float k) {
    return Math.fma(k, -LN2_LO, Math.fma(k, -LN2_HI, x));
  }

  private static float expPoly(float r) {
    float p = Math.fma(EXP_C0, r, EXP_C1);
    p = Math.fma(p, r, EXP_C2);
    p = Math.fma(p, r, EXP_C3);
    p = Math.fma(p, r, EXP_C4);
    p = Math.fma(p, r, EXP_C5);
    return Math.fma(Math.fma(p, r, 1f), r, 1f);
  }

  private static float pow2(int k) {
    return Float.intBitsToFloat((k + 127) << 23);
  }

  private static DoubleVector tanh(DoubleVector x) {
    DoubleVector a = x.abs();
    a = a.blend(TANH_CAP, a.compare(VectorOperators.GT, TANH_CAP));
    DoubleVector y = a.add(a);
    DoubleVector t = y.fma(LOG2E_D, SHIFTER_D);
    DoubleVector k = t.sub(SHIFTER_D);
    DoubleVector s = pow2(t);
    DoubleVector m = expm1Poly(reduce(y, k)).fma(s, s.sub(1));
    DoubleVector th = m.div(m.add(2));
    // tanh is odd: the sign bit of x on |tanh x| (also makes tanh(-0) = -0).
    return th.reinterpretAsLongs()
        .or(x.reinterpretAsLongs().and(Long.MIN_VALUE))
        .reinterpretAsDoubles();
  }

  private static DoubleVector sigmoid(DoubleVector x) {
    return splat(1.0).div(exp(x.neg()).add(1));
  }

  private static DoubleVector silu(DoubleVector x) {
    return x.div(exp(x.neg()).add(1));
  }

  /**
   * {@code e^a} in double, within 1e-9 relative; +inf from a = 709.44 on (where k reaches 1024),
   * which no float result can tell from the exact value.
   */
  private static DoubleVector exp(DoubleVector a) {
    DoubleVector v = a;
    if (a.abs().compare(VectorOperators.GT, EXP_NARROW_D).anyTrue()) {
      v = a.blend(-EXP_NARROW_D, a.compare(VectorOperators.LT, -EXP_NARROW_D))
          .blend(EXP_MAX_D, a.compare(VectorOperators.GT, EXP_NARROW_D));
    }
    DoubleVector t = v.fma(LOG2E_D, SHIFTER_D);
    return expm1Poly(reduce(v, t.sub(SHIFTER_D))).add(1).mul(pow2(t));
  }

  /** {@code r = a - k ln 2}. */
  private static DoubleVector reduce(DoubleVector a, DoubleVector k) {
    return k.fma(splat(-LN2_D), a);
  }

  /** {@code expm1(r)} for {@code |r| <= ln2/2}. */
  private static DoubleVector expm1Poly(DoubleVector r) {
    DoubleVector p = splat(EXPM1_C0).fma(r, splat(EXPM1_C1));
    p = p.fma(r, splat(EXPM1_C2));
    p = p.fma(r, splat(EXPM1_C3));
    p = p.fma(r, splat(EXPM1_C4));
    p = p.fma(r, splat(EXPM1_C5));
    p = p.fma(r, splat(EXPM1_C6));
    return p.fma(r.mul(r), r);
  }

  /** {@code 2^k} from {@code t = k + SHIFTER_D}; k = 1024 gives +inf. */
  private static DoubleVector pow2(DoubleVector t) {
    return t.reinterpretAsLongs().add(1023 - SHIFTER_D_BITS)
        .lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
  }

  // ---------------------------------------------------------------------------------------------
  // Moving data

  private static FloatVector splat(float v) {
    return FloatVector.broadcast(F, v);
  }

  private static DoubleVector splat(double v) {
    return DoubleVector.broadcast(D, v);
  }

  /** Lanes {@code 4 part .. 4 part + 3} of {@code v}, as doubles. */
  private static DoubleVector widen(FloatVector v, int part) {
    return (DoubleVector) v.convertShape(VectorOperators.F2D, D, part);
  }

  /** A chunk of doubles for {@code n} elements: a whole number of vectors, at most CHUNK. */
  private static double[] chunk(int n) {
    return new double[Math.min(CHUNK, (n + DL - 1) / DL * DL)];
  }

  /**
   * {@code t[0 .. m) = x[xo .. xo + m)}, as a plain loop, which C2 vectorizes: widening with the
   * Vector API took 4-float vectors, and code seeing both 4- and 8-float vectors sometimes lost
   * its intrinsics after JIT profiling merged the two (every vector boxed, 3 times slower).
   */
  private static void widen(float[] x, int xo, double[] t, int m) {
    for (int i = 0; i < m; i++) {
      t[i] = x[xo + i];
    }
  }

  private static void narrow(double[] t, float[] y, int yo, int m) {
    for (int i = 0; i < m; i++) {
      y[yo + i] = (float) t[i];
    }
  }
}
