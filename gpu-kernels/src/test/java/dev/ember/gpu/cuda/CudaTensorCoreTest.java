package dev.ember.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.gpu.GpuBackend;
import dev.ember.gpu.GpuTensorCoreAccess;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The tensor-core paths' selection and launch on the fake driver (it runs no kernels, so the
 * values are not checked here; the comparison that guards a real device is, on synthetic
 * results): float32 products take mm_tf32 at the float32 matmul precision "high" and mm_bf16 at
 * "medium", only on a device of compute capability 8.0 or later, each after the device's check
 * of that kernel (its product and a float32 product of the same operands), once.
 */
class CudaTensorCoreTest {

  @AfterEach
  void float32Precision() {
    GpuBackend.setFloat32MatmulPrecision("highest");
  }

  private static List<String> kernelsOf(FakeDevice d, String precision) {
    GpuBackend.setFloat32MatmulPrecision(precision);
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
    // 100 x 130 in tiles of 64: 2 x 3 blocks of 128 threads; the check first, once per kernel.
    FakeDevice d = new FakeDevice();
    assertEquals(List.of("mm_tf32/4x128", "mm4_f32/4x256", "mm_tf32/6x128", "mm_tf32/6x128"),
        kernelsOf(d, "high"));
    assertEquals(List.of("mm_bf16/4x128", "mm4_f32/4x256", "mm_bf16/6x128", "mm_bf16/6x128"),
        kernelsOf(d, "medium"));
    assertEquals(List.of("mm_tf32/6x128", "mm_tf32/6x128"), kernelsOf(d, "high"));
    assertEquals(List.of("mm4_f32/6x256", "mm4_f32/6x256"), kernelsOf(d, "highest"));
    FakeDevice turing = new FakeDevice(new FakeCudaDriver().computeCapability(7, 5));
    assertEquals(List.of("mm4_f32/6x256", "mm4_f32/6x256"), kernelsOf(turing, "medium"));
  }

  @Test
  void thePrecisionFollowsPyTorchsNamesAndAllowTf32() {
    GpuBackend.setAllowTf32(true);
    assertEquals("high", GpuBackend.float32MatmulPrecision());
    GpuBackend.setFloat32MatmulPrecision("medium");
    assertTrue(GpuBackend.allowTf32());
    GpuBackend.setAllowTf32(false);
    assertEquals("highest", GpuBackend.float32MatmulPrecision());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GpuBackend.setFloat32MatmulPrecision("low"));
    assertTrue(e.getMessage().contains("highest, high or medium, got 'low'"), e.getMessage());
  }

  @Test
  void theLaunchPacksTheProductsOperandsMetaAndScalars() {
    FakeDevice d = new FakeDevice();
    GpuBackend.setFloat32MatmulPrecision("medium");
    try (var scope = Tensor.scope()) {
      Tensor a = d.tensor(DType.FLOAT32, 1, 70, 40);
      Tensor b = d.tensor(DType.FLOAT32, 1, 40, 50);
      Tensor c = d.tensor(DType.FLOAT32, 1, 70, 50);
      Tensor bias = d.tensor(DType.FLOAT32, 50);
      d.backend.matmulAdd(c, a, b, bias.reshape(1, 1, 50).expand(1, 70, 50), 1, 1);
      FakeCudaDriver.Launch l = d.driver.launches().get(d.driver.launches().size() - 1);
      assertEquals("mm_bf16", l.kernel());
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
  void theCheckAcceptsEachKernelsRoundingAndNamesAWrongElement() {
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
    float[] bf16 = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        for (int p = 0; p < k; p++) {
          want[i * n + j] += a[i * k + p] * b[p * n + j];
          tf32[i * n + j] += tf32(a[i * k + p]) * tf32(b[p * n + j]);
          bf16[i * n + j] += bf16(a[i * k + p]) * bf16(b[p * n + j]);
        }
      }
    }
    assertNull(GpuTensorCoreAccess.compare("mm_tf32", tf32, want, a, b, m, n, k));
    assertNull(GpuTensorCoreAccess.compare("mm_bf16", bf16, want, a, b, m, n, k));
    // Each kernel is held to its own rounding: an error of 1% of the magnitude at an element
    // passes bfloat16's bound (1.6%) and fails TF32's (0.4%).
    double mag = 0;
    for (int p = 0; p < k; p++) {
      mag += Math.abs((double) a[1 * k + p] * b[p * n + 3]);
    }
    float[] off = want.clone();
    off[n + 3] += (float) (0.01 * mag);
    assertNull(GpuTensorCoreAccess.compare("mm_bf16", off, want, a, b, m, n, k));
    assertTrue(GpuTensorCoreAccess.compare("mm_tf32", off, want, a, b, m, n, k)
        .startsWith("element (1, 3)"));
    tf32[6] += 0.5f;
    String why = GpuTensorCoreAccess.compare("mm_tf32", tf32, want, a, b, m, n, k);
    assertTrue(why.startsWith("element (1, 2) of the check's product is"), why);
    bf16[6] = Float.NaN;
    assertTrue(GpuTensorCoreAccess.compare("mm_bf16", bf16, want, a, b, m, n, k) != null);
  }

  /** TF32's rounding of a float: 10 mantissa bits, to nearest (ties away, as cvt.rna). */
  private static float tf32(float x) {
    int bits = Float.floatToRawIntBits(x);
    bits = (bits + 0x1000) & 0xffffe000;
    return Float.intBitsToFloat(bits);
  }

  /** bfloat16's rounding of a finite float: 7 mantissa bits, to nearest even (cvt.rn). */
  private static float bf16(float x) {
    int bits = Float.floatToRawIntBits(x);
    bits = (bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000;
    return Float.intBitsToFloat(bits);
  }
}
