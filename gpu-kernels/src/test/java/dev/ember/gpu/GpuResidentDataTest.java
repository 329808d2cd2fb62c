package dev.ember.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.data.DataLoader;
import dev.ember.data.TensorDataset;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A data set resident on the device: a TensorDataset over OpenCL tensors gives its batches on the
 * device (one indexSelect per tensor there, only the indices uploaded), in the order and with the
 * contents of the same loader over the CPU copy, with and without background workers.
 */
class GpuResidentDataTest {

  @Test
  void batchesOfADeviceDatasetStayOnTheDeviceAndMatchTheCpu() {
    GpuTesting.assumeDevice();
    for (int workers : new int[] {0, 2}) {
      try (var scope = Tensor.scope()) {
        Generator gen = new Generator(5);
        Tensor x = Tensor.randn(gen, DType.FLOAT32, Device.CPU, 300, 7);
        Tensor y = Tensor.randint(gen, 0, 10, DType.INT64, Device.CPU, 300);
        List<Tensor[]> cpu = batches(new TensorDataset(x, y), workers);
        List<Tensor[]> dev = batches(
            new TensorDataset(x.to(GpuTesting.DEVICE), y.to(GpuTesting.DEVICE)), workers);
        assertEquals(cpu.size(), dev.size());
        for (int b = 0; b < cpu.size(); b++) {
          for (int k = 0; k < 2; k++) {
            assertEquals(GpuTesting.DEVICE, dev.get(b)[k].device(), "batch " + b);
          }
          assertArrayEquals(cpu.get(b)[0].toFloatArray(), dev.get(b)[0].toFloatArray(), 0,
              "workers " + workers + ", batch " + b);
          assertArrayEquals(cpu.get(b)[1].toLongArray(), dev.get(b)[1].toLongArray(),
              "workers " + workers + ", batch " + b);
        }
      }
    }
  }

  private static List<Tensor[]> batches(TensorDataset ds, int workers) {
    DataLoader<Tensor[], Tensor[]> loader = DataLoader.builder(ds).batchSize(64).shuffle(true)
        .seed(3).numWorkers(workers).build();
    List<Tensor[]> out = new ArrayList<>();
    for (int epoch = 0; epoch < 2; epoch++) {
      Iterator<Tensor[]> it = loader.iterator();
      while (it.hasNext()) {
        Tensor[] b = it.next();
        out.add(new Tensor[] {b[0].keep(), b[1].keep()});
      }
    }
    return out;
  }
}
