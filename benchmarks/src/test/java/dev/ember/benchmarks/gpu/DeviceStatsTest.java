package dev.ember.benchmarks.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.backend.Backends;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The device statistics the workload and GEMM programs report. */
class DeviceStatsTest {

  @Test
  void theCpuHasNoDeviceMemory() {
    DeviceStats s = new DeviceStats(Device.CPU);
    assertFalse(s.isGpu());
    s.resetPeak();
    s.synchronize();
    assertTrue(Double.isNaN(s.peakMiB()));
    assertEquals("cpu", s.describe());
  }

  @Test
  void thePeakCountsWhatWasAllocatedSinceTheReset() {
    Device opencl = Device.of("opencl", 0);
    assumeTrue(Backends.isAvailable(opencl),
        "skipped: no OpenCL device here (install pocl-opencl-icd to run this on the CPU)");
    DeviceStats s = new DeviceStats(opencl);
    assertTrue(s.isGpu());
    try (Scope outer = Tensor.scope()) {
      // Allocated before the reset: the base, left out of the peak.
      Tensor.zeros(DType.FLOAT32, opencl, 1 << 20);
      s.resetPeak();
      assertEquals(0.0, s.peakMiB());
      try (Scope inner = Tensor.scope()) {
        // 2^19 floats = 2 MiB, a large block of its own (the allocator may hand out a cached
        // slab of up to twice the size).
        Tensor.zeros(DType.FLOAT32, opencl, 1 << 19);
        s.synchronize();
      }
      assertTrue(s.peakMiB() >= 2.0 && s.peakMiB() <= 4.0, "peak " + s.peakMiB());
      assertTrue(s.reservedMiB() >= 6.0, "reserved " + s.reservedMiB());
    }
  }
}
