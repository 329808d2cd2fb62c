package dev.ember.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.backend.Backends;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real driver on cuda:0 (JCuda, the kept PTX): transfers, fills and strided cast copies
 * through the Tensor API. Skipped where there is no CUDA device (the reason is in the message).
 */
class CudaDeviceTest {
  private static final Device CUDA = Device.of("cuda", 0);

  @BeforeEach
  void needsCuda() {
    assumeTrue(Backends.isAvailable(CUDA), () -> "skipped: no CUDA device here ("
        + new CudaBackendProvider().unavailableReason() + ")");
  }

  @Test
  void everyDtypeRoundTrips() {
    try (var scope = Tensor.scope()) {
      assertArrayEquals(new float[] {1.5f, -2f, Float.NaN},
          Tensor.of(new float[] {1.5f, -2f, Float.NaN}).to(CUDA).toFloatArray());
      assertArrayEquals(new double[] {1e300, -0.0},
          Tensor.of(new double[] {1e300, -0.0}).to(CUDA).toDoubleArray());
      assertArrayEquals(new long[] {Long.MAX_VALUE, -3},
          Tensor.of(new long[] {Long.MAX_VALUE, -3}).to(CUDA).toLongArray());
      assertArrayEquals(new int[] {7, Integer.MIN_VALUE},
          Tensor.of(new int[] {7, Integer.MIN_VALUE}).to(CUDA).toIntArray());
      assertArrayEquals(new boolean[] {true, false, true},
          Tensor.of(new boolean[] {true, false, true}).to(CUDA).toBooleanArray());
    }
  }

  @Test
  void fillsAndStridedCastCopiesRunOnTheDevice() {
    try (var scope = Tensor.scope()) {
      Tensor x = Tensor.zeros(DType.FLOAT64, CUDA, 2, 3);
      x.select(1, 1).fill_(2.5);
      assertArrayEquals(new double[] {0, 2.5, 0, 0, 2.5, 0}, x.toDoubleArray());
      Tensor ints = Tensor.empty(DType.INT64, CUDA, 3, 2);
      ints.copy_(x.transpose(0, 1));
      assertArrayEquals(new long[] {0, 0, 2, 2, 0, 0}, ints.toLongArray());
      Tensor big = Tensor.arange(300_000).to(DType.FLOAT32).reshape(600, 500).to(CUDA);
      float[] t = big.transpose(0, 1).toFloatArray();
      assertEquals(500f, t[1]);
      assertEquals(299_999f, t[t.length - 1]);
      Tensor l = Tensor.empty(DType.INT64, CUDA, 70_000);
      l.fill_(-5_000_000_000.0);
      assertEquals(-5_000_000_000L, l.toLongArray()[69_999]);
    }
  }
}
