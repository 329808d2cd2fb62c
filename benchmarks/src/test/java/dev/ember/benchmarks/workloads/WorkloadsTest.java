package dev.ember.benchmarks.workloads;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.testdata.FashionMnist;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * W1-W3 trained for real on the test-data subset (6,000 training and 1,000 test images of
 * Fashion-MNIST), asserting accuracy far above chance (0.10). The floors leave a wide margin below
 * what seeds 1-3 reach (W1 ~0.80 after 2 epochs, W2 ~0.75 after 1, W3 ~0.60 after 2).
 */
class WorkloadsTest {

  @ParameterizedTest(name = "{0} seed {1}, {2} epochs: accuracy >= {3}")
  @CsvSource({"W1, 2, 2, 0.70", "W2, 2, 1, 0.60", "W3, 2, 2, 0.45"})
  void trainsWellAboveChance(Workload w, long seed, int epochs, double floor) {
    FashionMnist.Split train = FashionMnist.trainSubset();
    FashionMnist.Split test = FashionMnist.testSubset();
    Trainer.Result r = Trainer.run(w, seed, epochs, train.images(), train.labels(),
        test.images(), test.labels());
    assertTrue(Double.isFinite(r.lastLoss()), r.toJson());
    assertTrue(r.accuracy() >= floor, r.toJson());
  }
}
