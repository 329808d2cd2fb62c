package dev.ember.gpu.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.gpu.GpuTesting;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Upload, download, fill and strided copies with casts on the OpenCL device. */
class OpenClMemoryTest {

  @BeforeEach
  void needsOpenCl() {
    GpuTesting.assumeOpenCl();
  }

  @Test
  void everyDtypeRoundTrips() {
    try (var scope = Tensor.scope()) {
      assertArrayEquals(new float[] {1.5f, -2f, Float.NaN},
          Tensor.of(new float[] {1.5f, -2f, Float.NaN}).to(GpuTesting.OPENCL).toFloatArray());
      assertArrayEquals(new double[] {1e300, -0.0},
          Tensor.of(new double[] {1e300, -0.0}).to(GpuTesting.OPENCL).toDoubleArray());
      assertArrayEquals(new long[] {Long.MAX_VALUE, -3},
          Tensor.of(new long[] {Long.MAX_VALUE, -3}).to(GpuTesting.OPENCL).toLongArray());
      assertArrayEquals(new int[] {7, Integer.MIN_VALUE},
          Tensor.of(new int[] {7, Integer.MIN_VALUE}).to(GpuTesting.OPENCL).toIntArray());
      assertArrayEquals(new boolean[] {true, false, true},
          Tensor.of(new boolean[] {true, false, true}).to(GpuTesting.OPENCL).toBooleanArray());
    }
  }

  @Test
  void stridedDownloadCopiesThroughAKernel() {
    try (var scope = Tensor.scope()) {
      Tensor x = Tensor.arange(12).to(DType.FLOAT32).reshape(3, 4).to(GpuTesting.OPENCL);
      Tensor t = x.transpose(0, 1);
      assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, t.toFloatArray());
    }
  }

  @Test
  void fillAndCastCopyOnStridedViews() {
    try (var scope = Tensor.scope()) {
      Tensor x = Tensor.zeros(DType.FLOAT64, GpuTesting.OPENCL, 2, 3);
      x.select(1, 1).fill_(2.5);
      assertArrayEquals(new double[] {0, 2.5, 0, 0, 2.5, 0}, x.toDoubleArray());
      Tensor ints = Tensor.empty(DType.INT64, GpuTesting.OPENCL, 3, 2);
      ints.copy_(x.transpose(0, 1));
      assertArrayEquals(new long[] {0, 0, 2, 2, 0, 0}, ints.toLongArray());
      Tensor bools = Tensor.empty(DType.BOOL, GpuTesting.OPENCL, 2, 3);
      bools.copy_(x);
      assertArrayEquals(new boolean[] {false, true, false, false, true, false},
          bools.toBooleanArray());
      assertEquals(2.5, x.select(0, 1).select(0, 1).item(), 0);
    }
  }
}
