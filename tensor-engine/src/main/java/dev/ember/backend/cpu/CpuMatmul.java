package dev.ember.backend.cpu;

import dev.ember.backend.BinaryOp;
import dev.ember.backend.OperandChecks;
import dev.ember.backend.cpu.CpuLoops.View;
import dev.ember.tensor.DType;
import java.util.Arrays;

/**
 * Batched matrix products on the CPU: {@code dst[b] = alpha * a[b] @ bm[b] + beta * dst[b]}.
 *
 * <p>Floating-point products map each operand's strides onto a GEMM call of {@link Gemm}: a
 * matrix whose column stride is 1 is row-major with {@code ld} = its row stride, one whose row
 * stride is 1 is its transpose stored row-major; any other layout (or a broadcast row) is copied
 * to a contiguous temporary first. A column-major dst is computed as {@code dst^T = bm^T a^T}; any
 * other dst layout goes through a contiguous temporary. Batch strides may be 0 (broadcast). Many
 * small matrices run in parallel over the batch, each GEMM on one thread; large ones leave the
 * threads to the GEMM. Integer products use a plain loop in int64 arithmetic.
 */
final class CpuMatmul {
  /** Below this many multiply-adds per matrix, parallelize over the batch instead. */
  /** Below this a single GEMM runs on one thread (JavaGemm's threshold), so batches split instead. */
  private static final long SMALL = JavaGemm.PARALLEL_MIN_MADDS;

  private CpuMatmul() {}

  /** A matrix operand as GEMM sees it: {@code op(X)} of batch b at {@code offset + b * batch}. */
  private record Mat(Object array, int offset, int batch, boolean trans, int ld) {}

  /** {@code dst = alpha * a @ bm + beta * dst} over the leading batch dim. */
  static void matmul(View dst, View a, View bm, double alpha, double beta) {
    check(dst, a, bm);
    int batches = a.shape()[0];
    int m = a.shape()[1];
    int k = a.shape()[2];
    int n = bm.shape()[2];
    if (batches == 0 || m == 0 || n == 0) {
      return;
    }
    if (k == 0 || alpha == 0) {
      scale(dst, beta);
      return;
    }
    DType dtype = dst.dtype();
    if (!dtype.isFloatingPoint()) {
      integer(dst, a, bm, (long) alpha, (long) beta);
      return;
    }
    Mat ma = layout(a);
    Mat mb = layout(bm);
    Mat mc = layoutInPlace(dst);
    if (mc != null && !mc.trans()) {
      gemm(dtype, batches, m, n, k, alpha, ma, mb, beta, mc);
    } else if (mc != null) {
      // dst is column-major: dst^T (n x m, row-major) = op(bm)^T op(a)^T.
      Mat ta = new Mat(mb.array(), mb.offset(), mb.batch(), !mb.trans(), mb.ld());
      Mat tb = new Mat(ma.array(), ma.offset(), ma.batch(), !ma.trans(), ma.ld());
      Mat tc = new Mat(mc.array(), mc.offset(), mc.batch(), false, mc.ld());
      gemm(dtype, batches, n, m, k, alpha, ta, tb, beta, tc);
    } else {
      View tmp = View.allocate(dtype, dst.shape());
      if (beta != 0) {
        CpuElementwise.copy(tmp, dst);
      }
      gemm(dtype, batches, m, n, k, alpha, ma, mb, beta, layout(tmp));
      CpuElementwise.copy(dst, tmp);
    }
  }

  private static void check(View dst, View a, View bm) {
    OperandChecks.matmul(dst.shape(), dst.dtype(), a.shape(), a.dtype(), bm.shape(), bm.dtype());
  }

  /** {@code dst *= beta}, writing zeros without reading dst when beta is 0. */
  private static void scale(View dst, double beta) {
    if (beta == 0) {
      CpuElementwise.fill(dst, 0);
    } else if (beta != 1) {
      View factor = View.allocate(dst.dtype(), new int[] {1});
      CpuLoops.setDouble(factor.array(), factor.dtype(), 0, beta);
      View scalar = new View(factor.array(), dst.dtype(), 0, dst.shape(), new int[dst.dim()]);
      CpuElementwise.binary(BinaryOp.MUL, dst, dst, scalar);
    }
  }

  /**
   * How GEMM can read a (B, rows, cols) operand in place, or null if it cannot: rows or columns
   * must be unit-stride and the other stride must span a whole row.
   */
  private static Mat layoutInPlace(View v) {
    int rows = v.shape()[1];
    int cols = v.shape()[2];
    int rs = v.strides()[1];
    int cs = v.strides()[2];
    int batch = v.shape()[0] == 1 ? 0 : v.strides()[0];
    if ((cols == 1 || cs == 1) && (rows == 1 || rs >= Math.max(cols, 1))) {
      return new Mat(v.array(), v.offset(), batch, false, rows == 1 ? Math.max(cols, 1) : rs);
    }
    if ((rows == 1 || rs == 1) && (cols == 1 || cs >= Math.max(rows, 1))) {
      return new Mat(v.array(), v.offset(), batch, true, cols == 1 ? Math.max(rows, 1) : cs);
    }
    return null;
  }

  /** An input operand's GEMM layout, copying it to a contiguous temporary if need be. */
  private static Mat layout(View v) {
    Mat in = layoutInPlace(v);
    if (in != null) {
      return in;
    }
    // Copy; a broadcast batch is copied once.
    boolean broadcast = v.shape()[0] > 1 && v.strides()[0] == 0;
    int[] shape = v.shape().clone();
    if (broadcast) {
      shape[0] = 1;
    }
    View src = new View(v.array(), v.dtype(), v.offset(), shape, v.strides());
    View tmp = View.allocate(v.dtype(), shape);
    CpuElementwise.copy(tmp, src);
    int rows = shape[1];
    int cols = shape[2];
    return new Mat(tmp.array(), 0, broadcast ? 0 : rows * cols, false, Math.max(cols, 1));
  }

  private static void gemm(DType dtype, int batches, int m, int n, int k, double alpha, Mat a,
      Mat b, double beta, Mat c) {
    Parallel.RangeBody body = (s, e) -> {
      for (int i = s; i < e; i++) {
        int ao = a.offset() + i * a.batch();
        int bo = b.offset() + i * b.batch();
        int co = c.offset() + i * c.batch();
        if (dtype == DType.FLOAT32) {
          Gemm.sgemm(a.trans(), b.trans(), m, n, k, (float) alpha, (float[]) a.array(), ao, a.ld(),
              (float[]) b.array(), bo, b.ld(), (float) beta, (float[]) c.array(), co, c.ld());
        } else {
          Gemm.dgemm(a.trans(), b.trans(), m, n, k, alpha, (double[]) a.array(), ao, a.ld(),
              (double[]) b.array(), bo, b.ld(), beta, (double[]) c.array(), co, c.ld());
        }
      }
    };
    if ((long) m * n * k < SMALL && batches > 1) {
      // Small matrices: one GEMM per thread at a time. Below SMALL multiply-adds Gemm itself
      // stays on its calling thread, so the batch split is the only parallelism.
      Parallel.forRange(batches, 1, body);
    } else {
      body.run(0, batches);
    }
  }

  /** Integer matmul in int64 arithmetic (wrapping), via contiguous int64 copies. */
  private static void integer(View dst, View a, View bm, long alpha, long beta) {
    int batches = a.shape()[0];
    int m = a.shape()[1];
    int k = a.shape()[2];
    int n = bm.shape()[2];
    long[] x = longs(a);
    long[] y = longs(bm);
    View out = View.allocate(DType.INT64, dst.shape());
    long[] c = (long[]) out.array();
    if (beta != 0) {
      CpuElementwise.copy(out, dst);
    }
    Parallel.forRange(batches * m, Math.max(1, CpuLoops.GRAIN / Math.max(1, n * k)), (s, e) -> {
      long[] row = new long[n];
      for (int r = s; r < e; r++) {
        int b = r / m;
        Arrays.fill(row, 0);
        for (int p = 0; p < k; p++) {
          long av = x[r * k + p];
          int yo = (b * k + p) * n;
          for (int j = 0; j < n; j++) {
            row[j] += av * y[yo + j];
          }
        }
        int co = r * n;
        for (int j = 0; j < n; j++) {
          c[co + j] = alpha * row[j] + (beta == 0 ? 0 : beta * c[co + j]);
        }
      }
    });
    CpuElementwise.copy(dst, out);
  }

  private static long[] longs(View v) {
    View tmp = View.allocate(DType.INT64, v.shape());
    CpuElementwise.copy(tmp, v);
    return (long[]) tmp.array();
  }
}
