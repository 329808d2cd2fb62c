package dev.ember.nn.recurrent;

import dev.ember.gpu.GpuTesting;
import dev.ember.tensor.Device;
import org.junit.jupiter.api.BeforeEach;

/**
 * The recurrent layers' part of the backend conformance suite on the OpenCL backend (PoCL in CI):
 * every golden RNN/LSTM/GRU layer and cell case (multi-layer, bidirectional, batch-first, initial
 * states; float32 and float64), forward and backward with every parameter's gradient, on {@code
 * opencl:0} against PyTorch's values.
 */
class GpuRnnConformanceTest extends RnnGoldenTest {

  @BeforeEach
  void needsOpenCl() {
    GpuTesting.assumeDevice();
  }

  @Override
  protected Device device() {
    return GpuTesting.DEVICE;
  }
}
