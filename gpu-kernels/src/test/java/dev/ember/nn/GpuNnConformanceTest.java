package dev.ember.nn;

import dev.ember.gpu.GpuTesting;
import dev.ember.tensor.Device;
import org.junit.jupiter.api.BeforeEach;

/**
 * The layers' part of the backend conformance suite on the OpenCL backend (PoCL in CI): every
 * golden case of {@code nn.json} (linear, normalization, embedding, activations, every loss and
 * reduction), forward and backward, with its inputs on {@code opencl:0}, against PyTorch's
 * float64 values at the CPU's tolerance.
 */
class GpuNnConformanceTest extends NnGoldenTest {

  @BeforeEach
  void needsOpenCl() {
    GpuTesting.assumeDevice();
  }

  @Override
  protected Device device() {
    return GpuTesting.DEVICE;
  }
}
