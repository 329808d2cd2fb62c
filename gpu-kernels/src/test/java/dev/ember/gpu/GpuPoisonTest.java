package dev.ember.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.nn.recurrent.LSTM;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@code -Dember.gpu.poison=true}: new storages start as garbage, and a computation that writes
 * everything it reads before it reads it (an LSTM layer forward and backward: the recurrence
 * kernels, GEMMs, reductions and copies) gives the same values as without, bit for bit.
 */
class GpuPoisonTest {

  @Test
  void newStoragesStartAsGarbageAndAnLstmIsUnaffected() {
    GpuTesting.assumeDevice();
    try (var scope = Tensor.scope()) {
      Generator gen = new Generator(3);
      Tensor x = Tensor.randn(gen, DType.FLOAT32, Device.CPU, 6, 300, 5);
      LSTM layer = new LSTM(5, 96, 1, true, false, 0, true, new Generator(4));
      layer.to(GpuTesting.DEVICE);
      float[] clean = run(layer, x);
      GpuBackend.setPoison(true);
      try {
        Tensor f = Tensor.empty(DType.FLOAT32, GpuTesting.DEVICE, 3);
        Tensor l = Tensor.empty(DType.INT64, GpuTesting.DEVICE, 2);
        for (float v : f.toFloatArray()) {
          assertTrue(Float.isNaN(v), "a new float32 storage holds " + v);
        }
        assertEquals(0x7EADBEEF7EADBEEFL, l.toLongArray()[1]);
        layer.zeroGrad();
        float[] poisoned = run(layer, x);
        assertEquals(clean.length, poisoned.length);
        for (int i = 0; i < clean.length; i++) {
          assertEquals(clean[i], poisoned[i], "element " + i + " of the output and gradients");
        }
      } finally {
        GpuBackend.setPoison(false);
      }
    }
  }

  /** The output, then the input's and the first weight's gradients, as one array. */
  private static float[] run(LSTM layer, Tensor x) {
    Tensor xd = x.to(GpuTesting.DEVICE).requiresGrad(true);
    Tensor out = layer.forward(xd, null, null).output();
    out.mul(out).sum().backward();
    float[] a = out.toFloatArray();
    float[] b = xd.grad().toFloatArray();
    float[] c = layer.parameters().get(0).grad().toFloatArray();
    float[] all = new float[a.length + b.length + c.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    System.arraycopy(c, 0, all, a.length + b.length, c.length);
    return all;
  }
}
