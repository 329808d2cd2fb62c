package dev.ember.benchmarks.workloads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Trainer's shuffle in the reference script's order: epoch e is the (e + 1)-th randperm drawn
 * from the generator's state at construction, whatever order the epochs are asked in, and the
 * generator itself is left where it was.
 */
class StreamSamplerTest {

  private static int[] ints(long[] v) {
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (int) v[i];
    }
    return out;
  }

  @Test
  void epochIsTheNextPermutationOfTheStreamInAnyOrder() {
    Generator g = Generator.mt19937(5);
    Tensor.rand(g, DType.FLOAT32, Device.CPU, 3); // a used state
    long[] before = g.state();
    Trainer.StreamSampler s = new Trainer.StreamSampler(40, g);
    Generator ref = new Generator(0);
    ref.setState(before);
    int[][] want = new int[4][];
    for (int e = 0; e < 4; e++) {
      want[e] = ints(Tensor.randperm(40, ref).toLongArray());
    }
    assertArrayEquals(want[2], s.indices(2));
    assertArrayEquals(want[3], s.indices(3));
    assertArrayEquals(want[0], s.indices(0));
    assertArrayEquals(want[1], s.indices(1));
    assertArrayEquals(want[3], s.indices(3));
    assertArrayEquals(before, g.state());
    assertThrows(IllegalArgumentException.class, () -> s.indices(-1));
  }
}
