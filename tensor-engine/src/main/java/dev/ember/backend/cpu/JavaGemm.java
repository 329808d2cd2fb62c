package dev.ember.backend.cpu;

/**
 * Blocked, multithreaded GEMM in plain Java: the Goto/BLIS algorithm with a pluggable
 * register-blocked micro-kernel.
 *
 * <p>For each {@code nc}-wide column block of C and each {@code kc}-deep slice of the inner
 * dimension, op(B) is packed once into {@code nr}-column micro-panels shared by all threads; then
 * the {@code mc}-row blocks of C are spread over {@link Parallel#forRange}, and each thread packs
 * its block of alpha*op(A) into {@code mr}-row micro-panels and sweeps the micro-kernel over it.
 * Packing resolves the transposes once; a B micro-panel is sized for L1, an A block for L2 and
 * the B panel for L3 (tuned for Zen 3: 32 KiB L1d and 512 KiB L2 per core, 32 MiB shared L3).
 *
 * <p>The scalar kernels here are the fallback; {@code VectorGemm} supplies SIMD kernels for the
 * same driver. The caller ({@link Gemm}) validates arguments and handles {@code m}, {@code n} or
 * {@code k == 0} and {@code alpha == 0}, so the drivers assume all dimensions are positive.
 */
final class JavaGemm {

  /**
   * Depth of a slice of the inner dimension. Every slice after the first reads and rewrites all of
   * C, so deeper slices pay off even though a 16-float (or 8-double) x 512 B micro-panel fills the
   * 32 KiB L1: on Zen 3, 512 measured a few percent faster than 256 or 384.
   */
  private static final int KC = 512;
  /** Budget for a packed A block: half of the 512 KiB L2, leaving room for B and C traffic. */
  private static final int A_BLOCK_BYTES = 256 * 1024;
  /** Budget for the shared packed B panel: a slice of the 32 MiB L3 with room for A and C. */
  private static final int B_PANEL_BYTES = 4 * 1024 * 1024;
  /**
   * Below this many multiply-adds (about 160^3) a fork/join costs more than it saves: waking a
   * parked worker took tens of microseconds on the 2-core Zen 3 VM, where 2 threads started to win
   * between 128^3 and 192^3.
   */
  static final long PARALLEL_MIN_MADDS = 1L << 22;
  /** Elements a packing task should copy so that forking it pays off. */
  private static final int PACK_GRAIN_ELEMENTS = 64 * 1024;

  private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

  /** The scalar 4x4 float kernel. */
  static final FloatKernel SCALAR_FLOAT = new ScalarFloatKernel();
  /** The scalar 4x4 double kernel. */
  static final DoubleKernel SCALAR_DOUBLE = new ScalarDoubleKernel();

  private JavaGemm() {}

  /**
   * A register-blocked float micro-kernel over packed panels.
   *
   * <p>Kernels take neither alpha nor beta, and never read C: with JDK 17's C2, a float live
   * across the kernel's loop or a read of C after it sometimes cost the loop a register and
   * spilled an accumulator, halving the SIMD kernel's speed. Alpha is applied while packing A,
   * beta by {@link #merge}.
   */
  interface FloatKernel {
    /** Rows of the micro-tile; packed A micro-panels interleave this many rows. */
    int mr();

    /** Columns of the micro-tile; packed B micro-panels interleave this many columns. */
    int nr();

    /**
     * Stores the {@code mr x nr} tile T = Ap·Bp into {@code c[ci + r*ldc + j]}, where Ap(r, p) =
     * {@code pa[ao + p*mr + r]} and Bp(p, j) = {@code pb[bo + p*nr + j]} for {@code p < kc}.
     */
    void run(int kc, float[] pa, int ao, float[] pb, int bo, float[] c, int ci, int ldc);

    /**
     * Stores {@code c[ci + r*ldc + j] = tile[r*nr + j] + beta*c[ci + r*ldc + j]} over the whole
     * {@code mr x nr} tile, for {@code beta != 0}.
     */
    default void merge(float[] tile, float beta, float[] c, int ci, int ldc) {
      JavaGemm.merge(tile, nr(), mr(), nr(), beta, c, ci, ldc);
    }
  }

  /** A register-blocked double micro-kernel over packed panels; see {@link FloatKernel}. */
  interface DoubleKernel {
    /** Rows of the micro-tile. */
    int mr();

    /** Columns of the micro-tile. */
    int nr();

    /** As {@link FloatKernel#run}, in double precision. */
    void run(int kc, double[] pa, int ao, double[] pb, int bo, double[] c, int ci, int ldc);

    /** As {@link FloatKernel#merge}, in double precision. */
    default void merge(double[] tile, double beta, double[] c, int ci, int ldc) {
      JavaGemm.merge(tile, nr(), mr(), nr(), beta, c, ci, ldc);
    }
  }

  /**
   * Block sizes for one call.
   *
   * @param mc rows of C per block (a multiple of mr)
   * @param kc depth of a packed slice
   * @param nc columns of C per block (a multiple of nr)
   * @param mBlocks number of {@code mc}-row blocks
   * @param threads threads worth using for this problem
   */
  private record Plan(int mc, int kc, int nc, int mBlocks, int threads) {

    static Plan of(int m, int n, int k, int mr, int nr, int elementBytes) {
      // Equal slices rather than full ones and a sliver: a thin slice pays the per-tile costs
      // (packing, storing C) for little work.
      int kc = ceilDiv(k, ceilDiv(k, KC));
      int ncMax = Math.max(nr, B_PANEL_BYTES / (kc * elementBytes) / nr * nr);
      int nc = roundUp(ceilDiv(n, ceilDiv(n, ncMax)), nr);
      int mcMax = Math.max(mr, A_BLOCK_BYTES / (kc * elementBytes) / mr * mr);
      int threads = (long) m * n * k >= PARALLEL_MIN_MADDS ? Parallel.numThreads() : 1;
      // A multiple of the thread count, so that every thread gets the same number of blocks.
      int mBlocks = roundUp(ceilDiv(m, mcMax), threads);
      int mc = roundUp(ceilDiv(m, mBlocks), mr);
      return new Plan(mc, kc, nc, ceilDiv(m, mc), threads);
    }

    /** Parts each block's columns are split into, so that all threads work when m is small. */
    int nParts(int panels) {
      return mBlocks >= threads ? 1 : Math.min(panels, ceilDiv(threads, mBlocks));
    }

    int packGrain(int kb, int nr) {
      return threads == 1 ? Integer.MAX_VALUE : Math.max(1, PACK_GRAIN_ELEMENTS / (kb * nr));
    }

    int itemGrain() {
      return threads == 1 ? Integer.MAX_VALUE : 1;
    }
  }

  /** Packing buffers, reused across calls on the same thread. */
  private static final class Workspace {
    private float[] floatA = new float[0];
    private float[] floatB = new float[0];
    private float[] floatTile = new float[0];
    private double[] doubleA = new double[0];
    private double[] doubleB = new double[0];
    private double[] doubleTile = new double[0];

    float[] floatA(int size) {
      if (floatA.length < size) {
        floatA = new float[size];
      }
      return floatA;
    }

    float[] floatB(int size) {
      if (floatB.length < size) {
        floatB = new float[size];
      }
      return floatB;
    }

    float[] floatTile(int size) {
      if (floatTile.length < size) {
        floatTile = new float[size];
      }
      return floatTile;
    }

    double[] doubleA(int size) {
      if (doubleA.length < size) {
        doubleA = new double[size];
      }
      return doubleA;
    }

    double[] doubleB(int size) {
      if (doubleB.length < size) {
        doubleB = new double[size];
      }
      return doubleB;
    }

    double[] doubleTile(int size) {
      if (doubleTile.length < size) {
        doubleTile = new double[size];
      }
      return doubleTile;
    }
  }

  private static int ceilDiv(int x, int y) {
    return (x + y - 1) / y;
  }

  private static int roundUp(int x, int multiple) {
    return ceilDiv(x, multiple) * multiple;
  }

  // ---------------------------------------------------------------------------------------------
  // float
  // ---------------------------------------------------------------------------------------------

  /**
   * C = alpha*op(A)*op(B) + beta*C on row-major arrays (as {@link Gemm#sgemm}) with the given
   * micro-kernel; requires valid arguments, {@code m, n, k > 0} and {@code alpha != 0}.
   */
  static void sgemm(FloatKernel kernel, boolean transA, boolean transB, int m, int n, int k,
      float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
      float[] c, int cOff, int ldc) {
    int mr = kernel.mr();
    int nr = kernel.nr();
    Plan plan = Plan.of(m, n, k, mr, nr, Float.BYTES);
    // The caller's buffer; workers read it only after the packing forRange has returned.
    float[] pb = WORKSPACE.get().floatB(plan.kc() * plan.nc());
    for (int jc = 0; jc < n; jc += plan.nc()) {
      int nb = Math.min(plan.nc(), n - jc);
      int panels = ceilDiv(nb, nr);
      int nParts = plan.nParts(panels);
      for (int pc = 0; pc < k; pc += plan.kc()) {
        int kb = Math.min(plan.kc(), k - pc);
        // Later slices add onto what the first one stored.
        float betaSlice = pc == 0 ? beta : 1f;
        int jcF = jc;
        int pcF = pc;
        Parallel.forRange(panels, plan.packGrain(kb, nr),
            (s, e) -> packB(transB, b, bOff, ldb, pcF, kb, jcF, nb, nr, s, e, pb));
        Parallel.forRange(plan.mBlocks() * nParts, plan.itemGrain(), (s, e) -> {
          Workspace ws = WORKSPACE.get();
          for (int item = s; item < e; item++) {
            int ic = item / nParts * plan.mc();
            int part = item % nParts;
            int mb = Math.min(plan.mc(), m - ic);
            float[] pa = ws.floatA(roundUp(mb, mr) * kb);
            packA(transA, alpha, a, aOff, lda, ic, mb, pcF, kb, mr, pa);
            macroKernel(kernel, mb, nb, kb, pa, pb, panels * part / nParts,
                panels * (part + 1) / nParts, betaSlice, c, cOff + ic * ldc + jcF, ldc,
                ws.floatTile(mr * nr));
          }
        });
      }
    }
  }

  /** Runs the micro-kernel over B micro-panels {@code [q0, q1)} against every A micro-panel. */
  private static void macroKernel(FloatKernel kernel, int mb, int nb, int kb, float[] pa,
      float[] pb, int q0, int q1, float beta, float[] c, int ci, int ldc, float[] tile) {
    int mr = kernel.mr();
    int nr = kernel.nr();
    for (int q = q0; q < q1; q++) {
      int jr = q * nr;
      int cols = Math.min(nr, nb - jr);
      int bo = jr * kb;
      for (int ir = 0; ir < mb; ir += mr) {
        int rows = Math.min(mr, mb - ir);
        int ao = ir * kb;
        int cij = ci + ir * ldc + jr;
        if (rows < mr || cols < nr) {
          // The packed panels are zero-padded: compute the whole tile aside, merge what is in C.
          kernel.run(kb, pa, ao, pb, bo, tile, 0, nr);
          merge(tile, nr, rows, cols, beta, c, cij, ldc);
        } else if (beta == 0f) {
          kernel.run(kb, pa, ao, pb, bo, c, cij, ldc);
        } else {
          kernel.run(kb, pa, ao, pb, bo, tile, 0, nr);
          kernel.merge(tile, beta, c, cij, ldc);
        }
      }
    }
  }

  /**
   * Stores {@code c[ci + r*ldc + j] = tile[r*nr + j] + beta*c[ci + r*ldc + j]} for {@code r <
   * rows}, {@code j < cols}, not reading C when {@code beta == 0}.
   */
  static void merge(float[] tile, int nr, int rows, int cols, float beta, float[] c, int ci,
      int ldc) {
    for (int r = 0; r < rows; r++) {
      int t = r * nr;
      int o = ci + r * ldc;
      if (beta == 0f) {
        System.arraycopy(tile, t, c, o, cols);
      } else {
        for (int j = 0; j < cols; j++) {
          c[o + j] = tile[t + j] + beta * c[o + j];
        }
      }
    }
  }

  /**
   * Packs alpha times rows {@code [ic, ic+mb)} and columns {@code [pc, pc+kb)} of op(A) into
   * micro-panels of {@code mr} interleaved rows, zero-padding the last panel to {@code mr} rows.
   */
  private static void packA(boolean transA, float alpha, float[] a, int aOff, int lda, int ic,
      int mb, int pc, int kb, int mr, float[] dst) {
    for (int ir = 0; ir < mb; ir += mr) {
      int rows = Math.min(mr, mb - ir);
      int d = ir * kb;
      if (transA) {
        for (int p = 0; p < kb; p++) {
          int src = aOff + (pc + p) * lda + ic + ir;
          int o = d + p * mr;
          for (int r = 0; r < rows; r++) {
            dst[o + r] = alpha * a[src + r];
          }
          for (int r = rows; r < mr; r++) {
            dst[o + r] = 0f;
          }
        }
      } else {
        for (int r = 0; r < rows; r++) {
          int src = aOff + (ic + ir + r) * lda + pc;
          for (int p = 0; p < kb; p++) {
            dst[d + p * mr + r] = alpha * a[src + p];
          }
        }
        for (int r = rows; r < mr; r++) {
          for (int p = 0; p < kb; p++) {
            dst[d + p * mr + r] = 0f;
          }
        }
      }
    }
  }

  /**
   * Packs B micro-panels {@code [q0, q1)} of rows {@code [pc, pc+kb)} and columns {@code [jc,
   * jc+nb)} of op(B), each of {@code nr} interleaved columns, zero-padding the last to {@code nr}.
   */
  private static void packB(boolean transB, float[] b, int bOff, int ldb, int pc, int kb, int jc,
      int nb, int nr, int q0, int q1, float[] dst) {
    if (transB) {
      for (int q = q0; q < q1; q++) {
        int jr = q * nr;
        int cols = Math.min(nr, nb - jr);
        int d = jr * kb;
        for (int j = 0; j < cols; j++) {
          int src = bOff + (jc + jr + j) * ldb + pc;
          for (int p = 0; p < kb; p++) {
            dst[d + p * nr + j] = b[src + p];
          }
        }
        for (int j = cols; j < nr; j++) {
          for (int p = 0; p < kb; p++) {
            dst[d + p * nr + j] = 0f;
          }
        }
      }
    } else {
      // Row by row, so that B is read sequentially rather than one short run per row and panel.
      for (int p = 0; p < kb; p++) {
        int src = bOff + (pc + p) * ldb + jc;
        for (int q = q0; q < q1; q++) {
          int jr = q * nr;
          int cols = Math.min(nr, nb - jr);
          int o = jr * kb + p * nr;
          for (int j = 0; j < cols; j++) {
            dst[o + j] = b[src + jr + j];
          }
          for (int j = cols; j < nr; j++) {
            dst[o + j] = 0f;
          }
        }
      }
    }
  }

  /**
   * The scalar 4x4 kernel: 16 accumulators, as many as x86-64 has XMM registers. Multiply and add
   * stay separate because {@code Math.fma} is a slow software routine on CPUs without FMA.
   */
  private static final class ScalarFloatKernel implements FloatKernel {
    @Override
    public int mr() {
      return 4;
    }

    @Override
    public int nr() {
      return 4;
    }

    @Override
    public void run(int kc, float[] pa, int ao, float[] pb, int bo, float[] c, int ci, int ldc) {
      float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f;
      float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
      float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f;
      float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
      for (int p = 0; p < kc; p++) {
        int ap = ao + 4 * p;
        int bp = bo + 4 * p;
        float b0 = pb[bp];
        float b1 = pb[bp + 1];
        float b2 = pb[bp + 2];
        float b3 = pb[bp + 3];
        float x = pa[ap];
        c00 += x * b0;
        c01 += x * b1;
        c02 += x * b2;
        c03 += x * b3;
        x = pa[ap + 1];
        c10 += x * b0;
        c11 += x * b1;
        c12 += x * b2;
        c13 += x * b3;
        x = pa[ap + 2];
        c20 += x * b0;
        c21 += x * b1;
        c22 += x * b2;
        c23 += x * b3;
        x = pa[ap + 3];
        c30 += x * b0;
        c31 += x * b1;
        c32 += x * b2;
        c33 += x * b3;
      }
      int i = ci;
      c[i] = c00;
      c[i + 1] = c01;
      c[i + 2] = c02;
      c[i + 3] = c03;
      i += ldc;
      c[i] = c10;
      c[i + 1] = c11;
      c[i + 2] = c12;
      c[i + 3] = c13;
      i += ldc;
      c[i] = c20;
      c[i + 1] = c21;
      c[i + 2] = c22;
      c[i + 3] = c23;
      i += ldc;
      c[i] = c30;
      c[i + 1] = c31;
      c[i + 2] = c32;
      c[i + 3] = c33;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // double: the float code above, in double precision
  // ---------------------------------------------------------------------------------------------

  /** As {@link #sgemm}, in double precision. */
  static void dgemm(DoubleKernel kernel, boolean transA, boolean transB, int m, int n, int k,
      double alpha, double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double beta,
      double[] c, int cOff, int ldc) {
    int mr = kernel.mr();
    int nr = kernel.nr();
    Plan plan = Plan.of(m, n, k, mr, nr, Double.BYTES);
    double[] pb = WORKSPACE.get().doubleB(plan.kc() * plan.nc());
    for (int jc = 0; jc < n; jc += plan.nc()) {
      int nb = Math.min(plan.nc(), n - jc);
      int panels = ceilDiv(nb, nr);
      int nParts = plan.nParts(panels);
      for (int pc = 0; pc < k; pc += plan.kc()) {
        int kb = Math.min(plan.kc(), k - pc);
        double betaSlice = pc == 0 ? beta : 1d;
        int jcF = jc;
        int pcF = pc;
        Parallel.forRange(panels, plan.packGrain(kb, nr),
            (s, e) -> packB(transB, b, bOff, ldb, pcF, kb, jcF, nb, nr, s, e, pb));
        Parallel.forRange(plan.mBlocks() * nParts, plan.itemGrain(), (s, e) -> {
          Workspace ws = WORKSPACE.get();
          for (int item = s; item < e; item++) {
            int ic = item / nParts * plan.mc();
            int part = item % nParts;
            int mb = Math.min(plan.mc(), m - ic);
            double[] pa = ws.doubleA(roundUp(mb, mr) * kb);
            packA(transA, alpha, a, aOff, lda, ic, mb, pcF, kb, mr, pa);
            macroKernel(kernel, mb, nb, kb, pa, pb, panels * part / nParts,
                panels * (part + 1) / nParts, betaSlice, c, cOff + ic * ldc + jcF, ldc,
                ws.doubleTile(mr * nr));
          }
        });
      }
    }
  }

  private static void macroKernel(DoubleKernel kernel, int mb, int nb, int kb, double[] pa,
      double[] pb, int q0, int q1, double beta, double[] c, int ci, int ldc, double[] tile) {
    int mr = kernel.mr();
    int nr = kernel.nr();
    for (int q = q0; q < q1; q++) {
      int jr = q * nr;
      int cols = Math.min(nr, nb - jr);
      int bo = jr * kb;
      for (int ir = 0; ir < mb; ir += mr) {
        int rows = Math.min(mr, mb - ir);
        int ao = ir * kb;
        int cij = ci + ir * ldc + jr;
        if (rows < mr || cols < nr) {
          kernel.run(kb, pa, ao, pb, bo, tile, 0, nr);
          merge(tile, nr, rows, cols, beta, c, cij, ldc);
        } else if (beta == 0d) {
          kernel.run(kb, pa, ao, pb, bo, c, cij, ldc);
        } else {
          kernel.run(kb, pa, ao, pb, bo, tile, 0, nr);
          kernel.merge(tile, beta, c, cij, ldc);
        }
      }
    }
  }

  /** As the float {@code merge}, in double precision. */
  static void merge(double[] tile, int nr, int rows, int cols, double beta, double[] c, int ci,
      int ldc) {
    for (int r = 0; r < rows; r++) {
      int t = r * nr;
      int o = ci + r * ldc;
      if (beta == 0d) {
        System.arraycopy(tile, t, c, o, cols);
      } else {
        for (int j = 0; j < cols; j++) {
          c[o + j] = tile[t + j] + beta * c[o + j];
        }
      }
    }
  }

  private static void packA(boolean transA, double alpha, double[] a, int aOff, int lda, int ic,
      int mb, int pc, int kb, int mr, double[] dst) {
    for (int ir = 0; ir < mb; ir += mr) {
      int rows = Math.min(mr, mb - ir);
      int d = ir * kb;
      if (transA) {
        for (int p = 0; p < kb; p++) {
          int src = aOff + (pc + p) * lda + ic + ir;
          int o = d + p * mr;
          for (int r = 0; r < rows; r++) {
            dst[o + r] = alpha * a[src + r];
          }
          for (int r = rows; r < mr; r++) {
            dst[o + r] = 0d;
          }
        }
      } else {
        for (int r = 0; r < rows; r++) {
          int src = aOff + (ic + ir + r) * lda + pc;
          for (int p = 0; p < kb; p++) {
            dst[d + p * mr + r] = alpha * a[src + p];
          }
        }
        for (int r = rows; r < mr; r++) {
          for (int p = 0; p < kb; p++) {
            dst[d + p * mr + r] = 0d;
          }
        }
      }
    }
  }

  private static void packB(boolean transB, double[] b, int bOff, int ldb, int pc, int kb, int jc,
      int nb, int nr, int q0, int q1, double[] dst) {
    if (transB) {
      for (int q = q0; q < q1; q++) {
        int jr = q * nr;
        int cols = Math.min(nr, nb - jr);
        int d = jr * kb;
        for (int j = 0; j < cols; j++) {
          int src = bOff + (jc + jr + j) * ldb + pc;
          for (int p = 0; p < kb; p++) {
            dst[d + p * nr + j] = b[src + p];
          }
        }
        for (int j = cols; j < nr; j++) {
          for (int p = 0; p < kb; p++) {
            dst[d + p * nr + j] = 0d;
          }
        }
      }
    } else {
      // Row by row, so that B is read sequentially rather than one short run per row and panel.
      for (int p = 0; p < kb; p++) {
        int src = bOff + (pc + p) * ldb + jc;
        for (int q = q0; q < q1; q++) {
          int jr = q * nr;
          int cols = Math.min(nr, nb - jr);
          int o = jr * kb + p * nr;
          for (int j = 0; j < cols; j++) {
            dst[o + j] = b[src + jr + j];
          }
          for (int j = cols; j < nr; j++) {
            dst[o + j] = 0d;
          }
        }
      }
    }
  }

  /** The double twin of {@link ScalarFloatKernel}. */
  private static final class ScalarDoubleKernel implements DoubleKernel {
    @Override
    public int mr() {
      return 4;
    }

    @Override
    public int nr() {
      return 4;
    }

    @Override
    public void run(int kc, double[] pa, int ao, double[] pb, int bo, double[] c, int ci, int ldc) {
      double c00 = 0d, c01 = 0d, c02 = 0d, c03 = 0d;
      double c10 = 0d, c11 = 0d, c12 = 0d, c13 = 0d;
      double c20 = 0d, c21 = 0d, c22 = 0d, c23 = 0d;
      double c30 = 0d, c31 = 0d, c32 = 0d, c33 = 0d;
      for (int p = 0; p < kc; p++) {
        int ap = ao + 4 * p;
        int bp = bo + 4 * p;
        double b0 = pb[bp];
        double b1 = pb[bp + 1];
        double b2 = pb[bp + 2];
        double b3 = pb[bp + 3];
        double x = pa[ap];
        c00 += x * b0;
        c01 += x * b1;
        c02 += x * b2;
        c03 += x * b3;
        x = pa[ap + 1];
        c10 += x * b0;
        c11 += x * b1;
        c12 += x * b2;
        c13 += x * b3;
        x = pa[ap + 2];
        c20 += x * b0;
        c21 += x * b1;
        c22 += x * b2;
        c23 += x * b3;
        x = pa[ap + 3];
        c30 += x * b0;
        c31 += x * b1;
        c32 += x * b2;
        c33 += x * b3;
      }
      int i = ci;
      c[i] = c00;
      c[i + 1] = c01;
      c[i + 2] = c02;
      c[i + 3] = c03;
      i += ldc;
      c[i] = c10;
      c[i + 1] = c11;
      c[i + 2] = c12;
      c[i + 3] = c13;
      i += ldc;
      c[i] = c20;
      c[i + 1] = c21;
      c[i + 2] = c22;
      c[i + 3] = c23;
      i += ldc;
      c[i] = c30;
      c[i + 1] = c31;
      c[i + 2] = c32;
      c[i + 3] = c33;
    }
  }
}
