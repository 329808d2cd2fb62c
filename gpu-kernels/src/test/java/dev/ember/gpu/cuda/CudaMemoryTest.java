package dev.ember.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.backend.Storage;
import dev.ember.gpu.GpuOutOfMemoryError;
import dev.ember.gpu.GpuStorage;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The caching allocator and host transfers through CudaRuntime, on the fake driver. */
class CudaMemoryTest {
  private static final long MIB = 1 << 20;

  @Test
  void describesTheDevice() {
    FakeDevice d = new FakeDevice(new FakeCudaDriver().totalMemory(512 * MIB).maxThreadsPerBlock(128));
    assertEquals("cuda:0 (Fake CUDA device 0, compute capability 9.0, 512 MiB)",
        d.runtime.describe());
    assertEquals(512 * MIB, d.runtime.totalMemory());
    assertEquals(128, d.backend.localSize());
    assertEquals(256, new FakeDevice().runtime.maxLocalSize());
  }

  @Test
  void smallStoragesShareASlabAndAreReusedAfterFree() {
    FakeDevice d = new FakeDevice();
    GpuStorage a = FakeDevice.gpu(d.backend.allocate(DType.FLOAT32, 100));
    GpuStorage b = FakeDevice.gpu(d.backend.allocate(DType.FLOAT32, 100));
    // One slab of 4M floats from cuMemAlloc, carved into blocks.
    assertEquals(List.of(16 * MIB), d.driver.allocations());
    assertSame(a.slab(), b.slab());
    assertEquals(128, b.offset() - a.offset());
    assertTrue(a.slab().handle() instanceof Long);
    d.backend.free(a);
    GpuStorage c = FakeDevice.gpu(d.backend.allocate(DType.FLOAT32, 120));
    assertSame(a.slab(), c.slab());
    assertEquals(a.offset(), c.offset());
    assertEquals(1, d.driver.count("cuMemAlloc"));
  }

  @Test
  void largeStoragesAreReusedAndEmptyCacheFreesThem() {
    FakeDevice d = new FakeDevice();
    GpuStorage big = FakeDevice.gpu(d.backend.allocate(DType.FLOAT64, 1 << 20));
    GpuStorage small = FakeDevice.gpu(d.backend.allocate(DType.INT32, 10));
    d.backend.free(big);
    GpuStorage again = FakeDevice.gpu(d.backend.allocate(DType.FLOAT64, 900_000));
    assertSame(big.slab(), again.slab());
    assertEquals(2, d.driver.count("cuMemAlloc"));
    d.backend.free(again);
    d.backend.allocator().emptyCache();
    // The large slab goes back; the small one holds a live storage and stays.
    assertEquals(List.of((Long) big.slab().handle()), d.driver.frees());
    assertEquals(16 * MIB, d.backend.allocator().memoryReserved());
    d.backend.free(small);
    d.backend.allocator().emptyCache();
    assertEquals(2, d.driver.frees().size());
    assertEquals(0, d.driver.allocatedBytes());
    assertEquals(0, d.backend.allocator().memoryReserved());
  }

  @Test
  void outOfMemoryEmptiesTheCacheAndRetries() {
    FakeDevice d = new FakeDevice();
    GpuStorage cached = FakeDevice.gpu(d.backend.allocate(DType.FLOAT32, 1 << 20));
    d.backend.free(cached);
    d.driver.fail("cuMemAlloc", CudaException.OUT_OF_MEMORY, 1);
    // A size the cached slab cannot serve: cuMemAlloc fails once, the cache is emptied, the retry
    // succeeds.
    GpuStorage s = FakeDevice.gpu(d.backend.allocate(DType.FLOAT32, 3 << 20));
    assertEquals(List.of((Long) cached.slab().handle()), d.driver.frees());
    assertEquals(3 << 20, s.slab().capacity());
    assertEquals(12 * MIB, d.driver.allocatedBytes());
  }

  @Test
  void outOfMemoryAfterTheRetryNamesTheFigures() {
    FakeDevice d = new FakeDevice();
    GpuStorage live = FakeDevice.gpu(d.backend.allocate(DType.FLOAT32, 1 << 20));
    GpuStorage cached = FakeDevice.gpu(d.backend.allocate(DType.FLOAT32, 2 << 20));
    d.backend.free(cached);
    d.driver.fail("cuMemAlloc", CudaException.OUT_OF_MEMORY);
    int before = d.driver.count("cuMemAlloc");
    GpuOutOfMemoryError e = assertThrows(GpuOutOfMemoryError.class,
        () -> d.backend.allocate(DType.FLOAT32, 3 << 20));
    assertEquals(before + 2, d.driver.count("cuMemAlloc"));
    assertEquals(List.of((Long) cached.slab().handle()), d.driver.frees());
    String m = e.getMessage();
    assertTrue(m.contains("cuda:0 is out of memory: tried to allocate 12.00 MiB"), m);
    assertTrue(m.contains("4.00 MiB allocated in live tensors, 4.00 MiB reserved"), m);
    assertTrue(m.contains("cuMemAlloc (12582912 bytes) failed: CUDA_ERROR_OUT_OF_MEMORY"), m);
    assertEquals(1 << 20, live.slab().capacity());
  }

  @Test
  void theDevicesMemoryIsTheLimit() {
    FakeDevice d = new FakeDevice(new FakeCudaDriver().totalMemory(20 * MIB));
    Storage a = d.backend.allocate(DType.FLOAT32, 10);
    GpuOutOfMemoryError e = assertThrows(GpuOutOfMemoryError.class,
        () -> d.backend.allocate(DType.FLOAT32, 2 << 20));
    assertTrue(e.getMessage().contains("20.00 MiB total"), e.getMessage());
    d.backend.free(a);
  }

  @Test
  void everyDtypeRoundTrips() {
    FakeDevice d = new FakeDevice();
    try (var scope = Tensor.scope()) {
      float[] f = {1.5f, -2f, Float.NaN, Float.MIN_VALUE};
      assertArrayEquals(f, (float[]) d.backend.download(upload(d, f, DType.FLOAT32, 4)));
      double[] g = {1e300, -0.0, Double.NaN};
      assertArrayEquals(g, (double[]) d.backend.download(upload(d, g, DType.FLOAT64, 3)));
      long[] l = {Long.MAX_VALUE, -3, Long.MIN_VALUE};
      assertArrayEquals(l, (long[]) d.backend.download(upload(d, l, DType.INT64, 3)));
      int[] i = {7, Integer.MIN_VALUE, 0, -1, 5, 6};
      assertArrayEquals(i, (int[]) d.backend.download(upload(d, i, DType.INT32, 2, 3)));
      boolean[] z = {true, false, true};
      assertArrayEquals(z, (boolean[]) d.backend.download(upload(d, z, DType.BOOL, 3)));
    }
    // Writes and reads go through pinned staging on the thread's stream; only reads wait.
    long stream = d.runtime.currentStream();
    for (FakeCudaDriver.Memcpy c : d.driver.memcpys()) {
      assertEquals(stream, c.stream());
    }
    assertEquals(5, d.driver.count("cuStreamSynchronize"));
  }

  @Test
  void transfersLargerThanTheStagingBufferGoInChunks() {
    FakeDevice d = new FakeDevice();
    int n = 3 * CudaRuntime.STAGING_BYTES / 8 + 123;
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = i * 0.5 - 7;
    }
    try (var scope = Tensor.scope()) {
      Tensor t = upload(d, x, DType.FLOAT64, n);
      assertEquals(4, d.driver.count("cuMemcpyHtoDAsync"));
      assertArrayEquals(x, (double[]) d.backend.download(t));
      assertEquals(4, d.driver.count("cuMemcpyDtoHAsync"));
      // A part at an offset.
      double[] part = new double[5];
      d.runtime.read(d.backend.slab(t), d.backend.offset(t) + 1_000_000, part, 0, 5);
      assertArrayEquals(new double[] {x[1_000_000], x[1_000_001], x[1_000_002], x[1_000_003],
          x[1_000_004]}, part);
    }
  }

  /**
   * Uploads (a training batch each step) take the next bytes of the stream's pinned ring and do
   * not wait for the stream until the ring is full: then once, and it starts over.
   */
  @Test
  void uploadsWaitForTheStreamOnlyWhenTheStagingRingWraps() {
    FakeDevice d = new FakeDevice();
    int n = 100_000;
    int fit = CudaRuntime.STAGING_BYTES / ((n * 4 + 255) / 256 * 256);
    try (var scope = Tensor.scope()) {
      Tensor[] up = new Tensor[fit + 2];
      for (int u = 0; u < up.length; u++) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, u + 0.5f);
        up[u] = upload(d, x, DType.FLOAT32, n);
        assertEquals(u < fit ? 0 : 1, d.driver.count("cuStreamSynchronize"), "upload " + u);
      }
      for (int u = 0; u < up.length; u++) {
        float[] got = (float[]) d.backend.download(up[u]);
        assertEquals(u + 0.5f, got[0]);
        assertEquals(u + 0.5f, got[n - 1]);
      }
    }
  }

  private static Tensor upload(FakeDevice d, Object array, DType dtype, int... shape) {
    return FakeDevice.wrap(d.backend.upload(array, dtype), shape);
  }
}
