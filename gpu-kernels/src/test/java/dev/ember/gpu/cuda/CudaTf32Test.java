package dev.ember.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.gpu.GpuBackend;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The TF32 path's selection and launch on the fake driver (it runs no kernels, so the values are
 * not checked here; the comparison that guards a real device is, on synthetic results): float32
 * products take mm_tf32 only with allowTf32 on a device of compute capability 8.0 or later, after
 * the device's check (a TF32 and a float32 product of the same operands), once.
 */
class CudaTf32Test {

  @AfterEach
  void tf32Off() {
    GpuBackend.setAllowTf32(false);
  }

  private static List<String> kernelsOf(FakeDevice d, boolean allow) {
    GpuBackend.setAllowTf32(allow);
    try (var scope = Tensor.scope()) {
      Tensor a = d.tensor(DType.FLOAT32, 1, 100, 80);
      Tensor b = d.tensor(DType.FLOAT32, 1, 80, 130);
      Tensor c = d.tensor(DType.FLOAT32, 1, 100, 130);
      int before = d.driver.launches().size();
      d.backend.matmul(c, a, b, 1, 0);
      d.backend.matmul(c, a, b, 2, 0.5);
      return d.driver.launches().subList(before, d.driver.launches().size()).stream()
          .map(l -> l.kernel() + "/" + l.grid() + "x" + l.block()).toList();
    }
  }

  @Test
  void float32ProductsUseTensorCoresOnlyWhenAllowedAndPresent() {
    // 100 x 130 in tiles of 64: 2 x 3 blocks of 128 threads; the check first, once.
    assertEquals(List.of("mm_tf32/4x128", "mm4_f32/4x256", "mm_tf32/6x128", "mm_tf32/6x128"),
        kernelsOf(new FakeDevice(), true));
    assertEquals(List.of("mm4_f32/6x256", "mm4_f32/6x256"), kernelsOf(new FakeDevice(), false));
    FakeDevice turing = new FakeDevice(new FakeCudaDriver().computeCapability(7, 5));
    assertEquals(List.of("mm4_f32/6x256", "mm4_f32/6x256"), kernelsOf(turing, true));
  }

  @Test
  void theLaunchPacksTheProductsOperandsMetaAndScalars() {
    FakeDevice d = new FakeDevice();
    GpuBackend.setAllowTf32(true);
    try (var scope = Tensor.scope()) {
      Tensor a = d.tensor(DType.FLOAT32, 1, 70, 40);
      Tensor b = d.tensor(DType.FLOAT32, 1, 40, 50);
      Tensor c = d.tensor(DType.FLOAT32, 1, 70, 50);
      Tensor bias = d.tensor(DType.FLOAT32, 50);
      d.backend.matmulAdd(c, a, b, bias.reshape(1, 1, 50).expand(1, 70, 50), 1, 1);
      FakeCudaDriver.Launch l = d.driver.launches().get(d.driver.launches().size() - 1);
      assertEquals("mm_tf32", l.kernel());
      List<Object> args = l.args();
      assertEquals(12, args.size());
      assertEquals(d.address(c), args.get(0));
      assertEquals(d.address(a), args.get(2));
      assertEquals(d.address(b), args.get(4));
      int[] meta = d.driver.deviceInts((Long) args.get(6), 22);
      assertEquals(70, meta[1]);
      assertEquals(50, meta[2]);
      assertEquals(40, meta[3]);
      assertEquals(2, meta[13]); // tiles of 64
      assertEquals(1, meta[14]);
      assertEquals(0, meta[18]); // the broadcast bias: row stride 0
      assertEquals(1f, args.get(7));
      assertEquals(1f, args.get(8));
      assertEquals(d.address(bias), args.get(9));
      assertEquals(1, args.get(11)); // with an addend
    }
  }

  @Test
  void theCheckAcceptsTf32RoundingAndNamesAWrongElement() {
    int m = 5;
    int n = 4;
    int k = 64;
    Random rnd = new Random(3);
    float[] a = new float[m * k];
    float[] b = new float[k * n];
    for (int i = 0; i < a.length; i++) {
      a[i] = rnd.nextFloat() * 2 - 1;
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = rnd.nextFloat() * 2 - 1;
    }
    float[] want = new float[m * n];
    float[] tf32 = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        for (int p = 0; p < k; p++) {
          want[i * n + j] += a[i * k + p] * b[p * n + j];
          tf32[i * n + j] += round(a[i * k + p]) * round(b[p * n + j]);
        }
      }
    }
    assertNull(dev.ember.gpu.GpuTf32Access.compare(tf32, want, a, b, m, n, k));
    tf32[6] += 0.5f;
    String why = dev.ember.gpu.GpuTf32Access.compare(tf32, want, a, b, m, n, k);
    assertTrue(why.startsWith("element (1, 2) of the check's product is"), why);
    tf32[6] = Float.NaN;
    assertTrue(dev.ember.gpu.GpuTf32Access.compare(tf32, want, a, b, m, n, k) != null);
  }

  /** TF32's rounding of a float: 10 mantissa bits, to nearest (ties away, as cvt.rna). */
  private static float round(float x) {
    int bits = Float.floatToRawIntBits(x);
    bits = (bits + 0x1000) & 0xffffe000;
    return Float.intBitsToFloat(bits);
  }
}
