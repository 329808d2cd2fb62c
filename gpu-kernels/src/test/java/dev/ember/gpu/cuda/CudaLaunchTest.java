package dev.ember.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.gpu.GpuException;
import dev.ember.gpu.Slab;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Module loading, argument packing, streams and error paths of CudaRuntime, on the fake driver. */
class CudaLaunchTest {

  @Test
  void fillOfAStridedViewPacksPointerOffsetScalarsAndMeta() {
    FakeDevice d = new FakeDevice();
    try (var scope = Tensor.scope()) {
      Tensor x = d.tensor(DType.FLOAT32, 3, 4);
      Tensor column = x.select(1, 1);
      d.backend.fill(column, 2.5);
      FakeCudaDriver.Launch l = d.driver.launches().get(0);
      assertEquals("fill_f32", l.kernel());
      assertEquals(1, l.grid());
      assertEquals(256, l.block());
      assertEquals(d.runtime.currentStream(), l.stream());
      List<Object> a = l.args();
      assertEquals(6, a.size());
      assertEquals(d.address(x), a.get(0));
      assertEquals(d.backend.offset(x) + 1, a.get(1));
      assertEquals(3, a.get(2));
      assertEquals(2.5f, a.get(3));
      // meta [nd, shape, strides] staged on the device before the launch.
      assertArrayEquals(new int[] {1, 3, 4}, d.driver.deviceInts((Long) a.get(4), 3));
      assertEquals(0, a.get(5));
    }
  }

  /** clearRecords forgets the calls, launches and copies, not the device memory's contents. */
  @Test
  void clearingTheRecordsKeepsTheDeviceState() {
    FakeDevice d = new FakeDevice();
    try (var scope = Tensor.scope()) {
      Tensor x = d.tensor(DType.FLOAT32, 4);
      d.backend.fill(x, 1.5);
      assertEquals(1, d.driver.launches().size());
      d.driver.clearRecords();
      assertTrue(d.driver.launches().isEmpty());
      assertTrue(d.driver.calls().isEmpty());
      assertTrue(d.driver.memcpys().isEmpty());
      d.backend.fill(x.narrow(0, 0, 2), 3);
      assertEquals(1, d.driver.launches().size());
      // What was copied to the device before the clear stays there.
      float[] v = {1, 2, 3, 4};
      Tensor y = FakeDevice.wrap(d.backend.upload(v, DType.FLOAT32), 4);
      d.driver.clearRecords();
      assertArrayEquals(v, (float[]) d.backend.download(y));
    }
  }

  @Test
  void gridCoversEveryElementAndContiguousFillsSaySo() {
    FakeDevice d = new FakeDevice();
    try (var scope = Tensor.scope()) {
      Tensor x = d.tensor(DType.INT64, 1000);
      d.backend.fill(x, -2.0);
      FakeCudaDriver.Launch l = d.driver.launches().get(0);
      assertEquals("fill_i64", l.kernel());
      assertEquals(4, l.grid());
      // A long value travels as (lo, hi) ints.
      assertEquals(List.of(d.address(x), d.backend.offset(x), 1000, -2, -1), l.args().subList(0, 5));
      assertEquals(1, l.args().get(6));
    }
  }

  @Test
  void copyLaunchesTheCastKernelWithBothTensors() {
    FakeDevice d = new FakeDevice();
    try (var scope = Tensor.scope()) {
      Tensor src = d.tensor(DType.FLOAT64, 2, 3);
      Tensor dst = d.tensor(DType.BOOL, 3, 2);
      d.backend.copy(dst, src.transpose(0, 1));
      FakeCudaDriver.Launch l = d.driver.launches().get(0);
      assertEquals("copy_f64_b8", l.kernel());
      assertEquals(List.of(d.address(dst), d.backend.offset(dst), d.address(src),
          d.backend.offset(src), 6), l.args().subList(0, 5));
      assertArrayEquals(new int[] {2, 3, 2, 2, 1, 1, 3},
          d.driver.deviceInts((Long) l.args().get(5), 7));
      assertEquals(0, l.args().get(6));
    }
  }

  @Test
  void aFamilyIsLoadedOnceAndEachKernelLookedUpOnce() {
    FakeDevice d = new FakeDevice();
    try (var scope = Tensor.scope()) {
      Tensor f = d.tensor(DType.FLOAT32, 10);
      Tensor g = d.tensor(DType.FLOAT64, 10);
      for (int i = 0; i < 3; i++) {
        d.backend.fill(f, i);
        d.backend.fill(g, i);
        d.backend.copy(g, f);
      }
      assertEquals(9, d.driver.launches().size());
      assertEquals(1, d.driver.moduleLoads().size());
      assertEquals(CudaRuntime.ptx("copy"), d.driver.moduleLoads().get(0));
      assertEquals(List.of("fill_f32", "fill_f64", "copy_f32_f64"), d.driver.functionLookups());
    }
  }

  @Test
  void anIntArraySeenBeforeIsOnTheDeviceAlready() {
    FakeDevice d = new FakeDevice();
    Slab slab = d.runtime.allocate(DType.FLOAT32, 256);
    int[] a = {1, 2, 3, 4};
    int[] b = {5, 6, 7, 8};
    long[] at = new long[4];
    int[][] order = {a, a.clone(), b, a};
    for (int k = 0; k < order.length; k++) {
      d.runtime.launch("copy", "fill_f32", 256, 256, slab, 0, 256, 1f, order[k], 1);
      at[k] = (Long) d.driver.launches().get(k).args().get(4);
      assertArrayEquals(order[k], d.driver.deviceInts(at[k], 4));
    }
    assertEquals(at[0], at[1]);
    assertEquals(at[0], at[3]);
    assertTrue(at[2] != at[0]);
    assertEquals(2, d.driver.count("cuMemcpyHtoDAsync"));
    assertEquals(0, d.driver.count("cuStreamSynchronize"));
  }

  @Test
  void intArraysAreStagedInOrderAndTheRingWrapsAfterWaiting() {
    FakeDevice d = new FakeDevice();
    d.runtime.metaCacheBytes = 0; // every array through the ring
    Slab slab = d.runtime.allocate(DType.FLOAT32, 256);
    int[] meta = new int[4000];
    long first = 0;
    for (int k = 0; k < 6; k++) {
      meta[0] = k;
      d.runtime.launch("copy", "fill_f32", 256, 256, slab, 0, 256, 1f, meta, 1);
      long at = (Long) d.driver.launches().get(k).args().get(4);
      if (k == 0) {
        first = at;
      }
      // 4 arrays of 16,000 bytes fit in the 64 KiB ring; the 5th starts over.
      assertEquals(first + (k % 4) * 16_000L, at);
      assertEquals(k, d.driver.deviceInts(at, 1)[0]);
    }
    List<String> calls = d.driver.calls();
    // Each array's copy is enqueued right before its launch, on the same stream.
    int launch = calls.indexOf("cuLaunchKernel");
    assertEquals("cuMemcpyHtoDAsync", calls.get(launch - 1));
    assertEquals(1, d.driver.count("cuStreamSynchronize"));
    int wrap = calls.indexOf("cuStreamSynchronize");
    assertEquals(4, calls.subList(0, wrap).stream().filter("cuLaunchKernel"::equals).count());
    // An array larger than the ring gets a larger ring.
    int allocs = d.driver.count("cuMemAlloc");
    d.runtime.launch("copy", "fill_f32", 256, 256, slab, 0, 256, 1f, new int[20_000], 1);
    assertEquals(allocs + 1, d.driver.count("cuMemAlloc"));
    assertTrue(d.driver.allocations().contains(128L << 10));
  }

  @Test
  void eachThreadLaunchesOnItsOwnStream() throws Exception {
    FakeDevice d = new FakeDevice();
    Slab a = d.runtime.allocate(DType.FLOAT32, 256);
    Slab b = d.runtime.allocate(DType.FLOAT32, 256);
    d.runtime.launch("copy", "fill_f32", 256, 256, a, 0, 256, 1f, new int[] {1, 256, 1}, 1);
    assertEquals(0, d.driver.count("cuStreamWaitEvent"));
    AtomicLong other = new AtomicLong();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread t = new Thread(() -> {
      try {
        other.set(d.runtime.currentStream());
        d.runtime.launch("copy", "fill_f32", 256, 256, b, 0, 256, 2f, new int[] {1, 256, 1}, 1);
        // a was used on the main thread's stream: this stream waits for it first.
        d.runtime.launch("copy", "copy_f32_f32", 256, 256, b, 0, a, 0, 256,
            new int[] {1, 256, 1, 1}, 1);
      } catch (Throwable e) {
        failed.set(e);
      }
    });
    t.start();
    t.join();
    if (failed.get() != null) {
      throw new AssertionError(failed.get());
    }
    long mine = d.runtime.currentStream();
    assertNotEquals(mine, other.get());
    assertEquals(2, d.driver.count("cuStreamCreate"));
    List<FakeCudaDriver.Launch> ls = d.driver.launches();
    assertEquals(List.of(mine, other.get(), other.get()),
        ls.stream().map(FakeCudaDriver.Launch::stream).toList());
    assertEquals(1, d.driver.count("cuEventRecord"));
    assertEquals(1, d.driver.count("cuStreamWaitEvent"));
    // Both threads made the device's context current.
    assertEquals(2, d.driver.count("cuCtxSetCurrent"));
  }

  @Test
  void syncAfterLaunchWaitsAndNamesTheFailingKernel() {
    FakeDevice plain = new FakeDevice();
    Slab p = plain.runtime.allocate(DType.FLOAT32, 256);
    plain.runtime.launch("copy", "fill_f32", 256, 256, p, 0, 256, 1f, new int[] {1, 256, 1}, 1);
    assertEquals(0, plain.driver.count("cuStreamSynchronize"));

    System.setProperty(CudaRuntime.SYNC_AFTER_LAUNCH, "true");
    FakeDevice d;
    try {
      d = new FakeDevice();
    } finally {
      System.clearProperty(CudaRuntime.SYNC_AFTER_LAUNCH);
    }
    Slab s = d.runtime.allocate(DType.FLOAT32, 256);
    d.runtime.launch("copy", "fill_f32", 256, 256, s, 0, 256, 1f, new int[] {1, 256, 1}, 1);
    List<String> calls = d.driver.calls();
    assertEquals("cuStreamSynchronize", calls.get(calls.size() - 1));
    assertEquals("cuLaunchKernel", calls.get(calls.size() - 2));
    d.driver.fail("cuStreamSynchronize", 719);
    GpuException e = assertThrows(GpuException.class, () -> d.runtime.launch("copy", "fill_f32",
        256, 256, s, 0, 256, 1f, new int[] {1, 256, 1}, 1));
    assertTrue(e.getMessage().startsWith("kernel copy.fill_f32 failed on cuda:0"), e.getMessage());
    assertTrue(e.getMessage().contains(
        "cuStreamSynchronize failed: CUDA_ERROR_LAUNCH_FAILED (unspecified launch failure)"),
        e.getMessage());
  }

  @Test
  void aFailedModuleLoadNamesTheCallAndTheFamily() {
    FakeDevice d = new FakeDevice();
    Slab s = d.runtime.allocate(DType.FLOAT32, 256);
    d.driver.fail("cuModuleLoadData", 218);
    GpuException e = assertThrows(GpuException.class, () -> d.runtime.launch("copy", "fill_f32",
        256, 256, s, 0, 256, 1f, new int[] {1, 256, 1}, 1));
    assertTrue(e.getMessage().contains("loading kernel family copy on cuda:0"), e.getMessage());
    assertTrue(e.getMessage().contains("cuModuleLoadData (copy.ptx) failed: CUDA_ERROR_INVALID_PTX"),
        e.getMessage());
    // Not cached as loaded: the next launch tries again.
    d.driver.clearFailures();
    d.runtime.launch("copy", "fill_f32", 256, 256, s, 0, 256, 1f, new int[] {1, 256, 1}, 1);
    assertEquals(1, d.driver.launches().size());
  }

  @Test
  void aFailedLaunchNamesTheCallAndTheKernel() {
    FakeDevice d = new FakeDevice();
    Slab s = d.runtime.allocate(DType.INT32, 256);
    d.driver.fail("cuLaunchKernel", 719);
    GpuException e = assertThrows(GpuException.class, () -> d.runtime.launch("copy", "fill_i32",
        256, 256, s, 0, 256, 3, new int[] {1, 256, 1}, 1));
    assertTrue(e.getMessage().startsWith("launch of kernel copy.fill_i32 on cuda:0"),
        e.getMessage());
    assertTrue(e.getMessage().contains("cuLaunchKernel (fill_i32) failed: CUDA_ERROR_LAUNCH_FAILED"),
        e.getMessage());
  }

  @Test
  void missingFamiliesKernelsAndMistypedArgumentsAreClearErrors() {
    FakeDevice d = new FakeDevice();
    Slab s = d.runtime.allocate(DType.FLOAT32, 256);
    GpuException noFamily = assertThrows(GpuException.class,
        () -> d.runtime.launch("nosuch", "k", 256, 256, s));
    assertTrue(noFamily.getMessage().contains("no PTX for kernel family nosuch: "
        + "dev/ember/gpu/ptx/nosuch.ptx is not on the class path"), noFamily.getMessage());
    GpuException noKernel = assertThrows(GpuException.class,
        () -> d.runtime.launch("copy", "fill_f16", 256, 256, s));
    assertTrue(noKernel.getMessage().contains("CUDA_ERROR_NOT_FOUND"), noKernel.getMessage());
    assertTrue(noKernel.getMessage().contains("copy.fill_f16"), noKernel.getMessage());
    GpuException wrongType = assertThrows(GpuException.class, () -> d.runtime.launch("copy",
        "fill_f32", 256, 256, s, 0, 256, 1.0, new int[] {1, 256, 1}, 1));
    assertEquals("argument 3 of kernel copy.fill_f32 is a Double but the kernel's parameter is"
        + " a float (Float)", wrongType.getMessage());
    GpuException wrongCount = assertThrows(GpuException.class,
        () -> d.runtime.launch("copy", "fill_f32", 256, 256, s, 0, 256, 1f));
    assertEquals("kernel copy.fill_f32 takes 6 parameters, launched with 4",
        wrongCount.getMessage());
    assertEquals(0, d.driver.count("cuLaunchKernel"));
    assertThrows(IllegalArgumentException.class,
        () -> d.runtime.launch("copy", "fill_f32", 300, 256, s, 0, 256, 1f, new int[] {1}, 1));
  }

  @Test
  void synchronizeWaitsForTheContextAndReportsEarlierFailures() {
    FakeDevice d = new FakeDevice();
    d.runtime.synchronize();
    assertEquals(1, d.driver.count("cuCtxSynchronize"));
    d.driver.fail("cuCtxSynchronize", 700);
    GpuException e = assertThrows(GpuException.class, d.runtime::synchronize);
    assertTrue(e.getMessage().contains("CUDA_ERROR_ILLEGAL_ADDRESS"), e.getMessage());
    assertTrue(e.getMessage().contains(CudaRuntime.SYNC_AFTER_LAUNCH), e.getMessage());
  }
}
