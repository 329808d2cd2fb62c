package dev.ember.tensor.ops;

import dev.ember.gpu.GpuTesting;
import dev.ember.tensor.Device;
import org.junit.jupiter.api.BeforeEach;

/**
 * The backend conformance suite on the OpenCL backend (PoCL in CI): every golden op case of the
 * tensor engine, forward and backward, contiguous and strided, with its inputs on {@code
 * opencl:0}, against the values and tolerances the CPU backend meets.
 */
class GpuOpConformanceTest extends OpGoldenTest {

  @BeforeEach
  void needsOpenCl() {
    GpuTesting.assumeDevice();
  }

  @Override
  protected Device device() {
    return GpuTesting.DEVICE;
  }
}
