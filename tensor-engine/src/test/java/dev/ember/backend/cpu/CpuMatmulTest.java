package dev.ember.backend.cpu;

import static dev.ember.backend.cpu.CpuTesting.forEach;
import static dev.ember.backend.cpu.CpuTesting.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.backend.cpu.CpuLoops.View;
import dev.ember.backend.cpu.CpuTesting.Layout;
import dev.ember.tensor.DType;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Batched matmul against a triple loop, on every operand layout the mapping distinguishes. */
class CpuMatmulTest {
  /** Operand layouts: GEMM-readable (row- or column-major), broadcast batch, or copied. */
  enum Form {
    CONTIGUOUS, INNER_TRANSPOSED, PADDED, NEGATIVE, MIXED, BROADCAST_BATCH
  }

  static View operand(DType dt, int[] shape, Form form, Random rnd) {
    return switch (form) {
      case CONTIGUOUS -> CpuTesting.view(dt, shape, Layout.CONTIGUOUS, rnd);
      case PADDED -> CpuTesting.view(dt, shape, Layout.PADDED, rnd);
      case NEGATIVE -> CpuTesting.view(dt, shape, Layout.NEGATIVE, rnd);
      case MIXED -> CpuTesting.view(dt, shape, Layout.MIXED, rnd);
      case INNER_TRANSPOSED -> {
        View t = CpuTesting.view(dt, new int[] {shape[0], shape[2], shape[1]}, Layout.CONTIGUOUS,
            rnd);
        int[] s = t.strides();
        yield new View(t.array(), dt, t.offset(), shape.clone(), new int[] {s[0], s[2], s[1]});
      }
      case BROADCAST_BATCH -> CpuTesting.expand(
          CpuTesting.view(dt, new int[] {1, shape[1], shape[2]}, Layout.CONTIGUOUS, rnd), shape);
    };
  }

  @Test
  void everyDtypeLayoutAndScale() {
    Random rnd = new Random(21);
    int[][] sizes = {{1, 1, 1, 1}, {2, 3, 4, 5}, {3, 17, 9, 13}, {1, 70, 80, 90}, {4, 0, 3, 2},
        {2, 3, 0, 4}, {6, 5, 1, 7}, {2, 1, 6, 1}};
    double[][] scales = {{1, 0}, {0.5, 2}, {2, 1}, {0, 3}};
    DType[] dtypes = {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32};
    Form[] dstForms = {Form.CONTIGUOUS, Form.INNER_TRANSPOSED, Form.PADDED, Form.NEGATIVE,
        Form.MIXED};
    for (DType dt : dtypes) {
      for (int[] s : sizes) {
        for (Form fa : Form.values()) {
          Form fb = Form.values()[rnd.nextInt(Form.values().length)];
          Form fc = dstForms[rnd.nextInt(dstForms.length)];
          double[] scale = scales[rnd.nextInt(scales.length)];
          if (!dt.isFloatingPoint()) {
            scale = new double[] {Math.rint(scale[0] * 2), scale[1]};
          }
          int batches = s[0];
          int m = s[1];
          int k = s[2];
          int n = s[3];
          View a = operand(dt, new int[] {batches, m, k}, fa, rnd);
          View b = operand(dt, new int[] {batches, k, n}, fb, rnd);
          View c = operand(dt, new int[] {batches, m, n}, fc, rnd);
          double alpha = scale[0];
          double beta = scale[1];
          if (beta == 0 && dt.isFloatingPoint()) {
            // dst must not be read when beta is 0: NaN there would propagate.
            forEach(c.shape(), idx -> CpuTesting.set(c, idx, Double.NaN));
          }
          View before = View.allocate(dt, c.shape());
          CpuElementwise.copy(before, c);
          CpuMatmul.matmul(c, a, b, alpha, beta);
          String what = dt + " " + Arrays.toString(s) + " " + fa + " @ " + fb + " -> " + fc
              + " alpha " + alpha + " beta " + beta;
          forEach(c.shape(), idx -> {
            double sum = 0;
            double mag = 0;
            for (int p = 0; p < k; p++) {
              double x = get(a, new int[] {idx[0], idx[1], p});
              double y = get(b, new int[] {idx[0], p, idx[2]});
              sum += x * y;
              mag += Math.abs(x * y);
            }
            double expected = alpha * sum + (beta == 0 ? 0 : beta * get(before, idx));
            double tol = dt == DType.FLOAT32 ? 1e-5 * (mag + Math.abs(expected) + 1)
                : dt == DType.FLOAT64 ? 1e-12 * (mag + 1) : 0;
            assertEquals(expected, get(c, idx), tol, what + " at " + Arrays.toString(idx));
          });
          assertTrue(CpuTesting.untouchedOutside(c), what);
        }
      }
    }
  }

  /** Many small matrices (the batch-parallel path) give the same as one at a time. */
  @Test
  void manySmallMatrices() {
    Random rnd = new Random(22);
    View a = CpuTesting.view(DType.FLOAT32, new int[] {64, 8, 16}, Layout.CONTIGUOUS, rnd);
    View b = CpuTesting.view(DType.FLOAT32, new int[] {64, 16, 4}, Layout.CONTIGUOUS, rnd);
    View c = View.allocate(DType.FLOAT32, new int[] {64, 8, 4});
    CpuMatmul.matmul(c, a, b, 1, 0);
    float[] out = (float[]) c.array();
    float[] x = (float[]) a.array();
    float[] y = (float[]) b.array();
    for (int bi = 0; bi < 64; bi++) {
      float[] one = new float[32];
      Gemm.sgemm(false, false, 8, 4, 16, 1f, x, bi * 128, 16, y, bi * 64, 4, 0f, one, 0, 4);
      assertEquals(Arrays.toString(one),
          Arrays.toString(Arrays.copyOfRange(out, bi * 32, bi * 32 + 32)));
    }
  }
}
