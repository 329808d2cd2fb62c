package dev.ember.gpu.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.aparapi.device.Device.TYPE;
import com.aparapi.device.OpenCLDevice;
import dev.ember.backend.Backends;
import dev.ember.gpu.GpuTesting;
import dev.ember.tensor.Device;
import org.junit.jupiter.api.Test;

/** What the OpenCL provider reports about a device that is a CPU (PoCL). */
class OpenClProviderTest {

  @Test
  void aCpuTypeDeviceIsUsableByNameButNeverChosenByAuto() {
    GpuTesting.assumeOpenCl();
    assumeTrue(OpenClBackendProvider.devices().get(0).getType() == TYPE.CPU,
        "skipped: opencl:0 is not a CPU-type device here");
    assertFalse(Backends.isAccelerator(GpuTesting.OPENCL));
    assumeTrue(Backends.deviceCount("cuda") == 0, "skipped: a CUDA device is present");
    boolean anyGpu = OpenClBackendProvider.devices().stream().anyMatch(d -> d.getType() != TYPE.CPU);
    assumeTrue(!anyGpu, "skipped: an OpenCL GPU is present");
    assertEquals(Device.CPU, Backends.best());
    assertEquals("opencl:0", Backends.get(GpuTesting.OPENCL).device().toString());
  }

  /**
   * The host-memory check passes on a device that works in host memory (PoCL): a copy within one
   * array through two kernel arguments lands. (NVIDIA's OpenCL fails it; see
   * OpenClBackendProvider.create.)
   */
  @Test
  void theHostMemoryCheckPassesOnPocl() {
    GpuTesting.assumeOpenCl();
    OpenCLDevice d = OpenClBackendProvider.devices().get(0);
    assumeTrue(d.getType() == TYPE.CPU, "skipped: opencl:0 is not a CPU-type device here");
    assertNull(new OpenClRuntime(0, d).hostMemoryProblem());
  }
}
