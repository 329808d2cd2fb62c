package dev.ember.benchmarks.workloads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.tensor.DType;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import dev.ember.testdata.FashionMnist;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SameStart trains exactly as Trainer does: given Trainer's start for a seed (the weights and the
 * shuffles the seed draws, from the Mersenne Twister by default), it reaches Trainer's last loss
 * and accuracy bit for bit on the test-data subset.
 */
class SameStartTest {

  @Test
  void fromEmbersOwnStartItIsTrainersRun() {
    FashionMnist.Split train = FashionMnist.trainSubset();
    FashionMnist.Split test = FashionMnist.testSubset();
    long seed = 2;
    int epochs = 2;
    Trainer.Result want = Trainer.run(Workload.W1, seed, epochs, train.images(), train.labels(),
        test.images(), test.labels());
    Generator.manualSeed(seed, Trainer.engine());
    Map<String, Tensor> init = Workload.W1.network().stateDict();
    int n = train.images().size(0);
    Trainer.StreamSampler shuffle = new Trainer.StreamSampler(n, Generator.getDefault());
    long[] perms = new long[epochs * n];
    for (int e = 0; e < epochs; e++) {
      int[] order = shuffle.indices(e);
      for (int i = 0; i < n; i++) {
        perms[e * n + i] = order[i];
      }
    }
    SameStart.Result got = SameStart.train(init, Tensor.of(perms, epochs, n), train, test);
    int steps = epochs * ((n + Workload.W1.batchSize() - 1) / Workload.W1.batchSize());
    assertEquals(want.lastLoss(), got.losses().get(steps));
    assertEquals(want.accuracy(), got.accuracy());
    assertThrows(IllegalArgumentException.class, () -> SameStart.train(init,
        Tensor.zeros(DType.INT64, 2, 10), train, test));
  }
}
