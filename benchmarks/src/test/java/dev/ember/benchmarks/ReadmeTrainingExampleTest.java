package dev.ember.benchmarks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.benchmarks.workloads.Trainer;
import dev.ember.data.DataLoader;
import dev.ember.data.TensorDataset;
import dev.ember.io.TrainingCheckpoint;
import dev.ember.nn.Sequential;
import dev.ember.nn.activation.ReLU;
import dev.ember.nn.layers.Flatten;
import dev.ember.nn.layers.Linear;
import dev.ember.nn.loss.CrossEntropyLoss;
import dev.ember.optim.Adam;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import dev.ember.testdata.FashionMnist;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's "train a network" example, verbatim between the markers, so that it keeps working. */
class ReadmeTrainingExampleTest {
  @TempDir Path dir;

  @Test
  void readmeTrainingExampleLearns() throws Exception {
    Path weights = dir.resolve("mlp.safetensors");
    // README example start
    Generator.manualSeed(1);
    FashionMnist.Split train = FashionMnist.trainSubset();   // or FashionMnist.load(dir, true)
    var model = new Sequential(new Flatten(), new Linear(784, 128), new ReLU(), new Linear(128, 10));
    var opt = new Adam(model.parameters(), 1e-3);
    var lossFn = new CrossEntropyLoss();
    var loader = DataLoader.builder(new TensorDataset(train.images(), train.labels()))
        .batchSize(64).shuffle(true).seed(1).build();
    for (int epoch = 0; epoch < 2; epoch++) {
      for (Tensor[] batch : loader) {
        try (var step = Tensor.scope()) {               // frees the step's temporaries
          opt.zeroGrad();
          lossFn.forward(model.forward(batch[0]), batch[1]).backward();
          opt.step();
        }
      }
    }
    TrainingCheckpoint.saveWeights(model, weights);     // a Path; safetensors, PyTorch's key names
    // README example end
    FashionMnist.Split test = FashionMnist.testSubset();
    double acc = Trainer.accuracy(model, test.images(), test.labels());
    assertTrue(acc > 0.7, "accuracy " + acc);
    var again = new Sequential(new Flatten(), new Linear(784, 128), new ReLU(), new Linear(128, 10));
    TrainingCheckpoint.loadWeights(again, weights);
    assertTrue(Trainer.accuracy(again, test.images(), test.labels()) == acc);
  }
}
