package dev.ember.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.Test;

class CpuPoolTest {

  @Test
  void scopesReturnArraysThatTheNextAllocationReuses() {
    CpuBackend cpu = CpuBackend.INSTANCE;
    cpu.emptyCache();
    Object first;
    try (Scope s = Tensor.scope()) {
      Tensor t = Tensor.ones(DType.FLOAT32, Device.CPU, 64, 1024);
      first = ((CpuStorage) t.storage()).array();
    }
    assertTrue(cpu.cachedBytes() >= 64 * 1024 * 4, "freed array is cached");
    try (Scope s = Tensor.scope()) {
      Tensor t = Tensor.zeros(DType.FLOAT32, Device.CPU, 64, 1024);
      assertSame(first, ((CpuStorage) t.storage()).array());
      // Reused memory is cleared by zeros(): no stale ones leak through.
      assertEquals(0, t.sum().item(), 0);
    }
    cpu.emptyCache();
    assertEquals(0, cpu.cachedBytes());
  }

  @Test
  void smallArraysAndUnscopedTensorsStayOutOfThePool() {
    CpuPool pool = new CpuPool(1 << 30);
    pool.give(DType.FLOAT32, new float[16], 16);
    assertEquals(0, pool.cachedBytes());
    CpuPool tiny = new CpuPool(CpuPool.MIN_BYTES);
    tiny.give(DType.FLOAT64, new double[CpuPool.MIN_BYTES / 8], CpuPool.MIN_BYTES / 8);
    tiny.give(DType.FLOAT64, new double[CpuPool.MIN_BYTES / 8], CpuPool.MIN_BYTES / 8);
    assertEquals(CpuPool.MIN_BYTES, tiny.cachedBytes(), "capacity bounds the cache");
  }

  @Test
  void operationsWriteEveryElementOfReusedMemory() {
    // The test build poisons allocations (ember.cpu.poison), so these fail if any op relies on
    // zeroed memory for its empty-reduction or empty-inner-dimension results.
    Tensor a = Tensor.zeros(2, 0);
    Tensor b = Tensor.zeros(0, 3);
    assertArrayEquals(new float[6], a.matmul(b).toFloatArray(), 0);
    assertArrayEquals(new float[2], a.sum(1).toFloatArray(), 0);
    assertArrayEquals(new float[] {1, 1}, a.prod(1, false).toFloatArray(), 0);
    assertArrayEquals(new boolean[] {true, true}, a.all(new int[] {1}, false).toBooleanArray());
    assertArrayEquals(new float[6], Tensor.addmm(Tensor.zeros(2, 3), a, b, 0, 1).toFloatArray(), 0);
  }
}
