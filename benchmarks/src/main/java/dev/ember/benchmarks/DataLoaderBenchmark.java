package dev.ember.benchmarks;

import dev.ember.data.DataLoader;
import dev.ember.data.Dataset;
import dev.ember.data.TensorDataset;
import dev.ember.data.transforms.Compose;
import dev.ember.data.transforms.PaddingMode;
import dev.ember.data.transforms.RandomCrop;
import dev.ember.data.transforms.RandomHorizontalFlip;
import dev.ember.data.transforms.Transform;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one training batch from a {@link DataLoader} in W1's shape: 60,000 rows of 784
 * float32 features and int64 labels, batch 128, reshuffled every epoch (epoch starts included,
 * amortized). {@code tensor}: a {@link TensorDataset}, gathered with one indexSelect per tensor;
 * {@code augmented}: 28x28 images through RandomCrop(28, padding 2) and a horizontal flip, per
 * sample, then stacked.
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 9, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class DataLoaderBenchmark {
  /** What a batch costs to make: see the class comment. */
  @Param({"tensor", "augmented"})
  public String pipeline;

  /** Worker threads (0: batches are made on the consumer's thread). */
  @Param({"0", "2"})
  public int workers;

  private DataLoader<Tensor[], Tensor[]> loader;
  private Iterator<Tensor[]> it;

  /** W1-shaped data in memory and the loader. */
  @Setup
  public void setup() {
    Generator g = new Generator(1);
    Tensor x = Tensor.rand(g, DType.FLOAT32, Device.CPU, 60_000, 784);
    Tensor y = Tensor.randint(g, 0, 10, DType.INT64, Device.CPU, 60_000);
    Dataset<Tensor[]> ds;
    if (pipeline.equals("tensor")) {
      ds = new TensorDataset(x, y);
    } else {
      Compose<Tensor> aug = Compose.of(
          new RandomCrop(28, 28, new int[] {2}, false, 0, PaddingMode.CONSTANT),
          new RandomHorizontalFlip());
      ds = new TensorDataset(x.view(60_000, 1, 28, 28), y).map(Transform.onComponent(0, aug));
    }
    loader = DataLoader.builder(ds).batchSize(128).shuffle(true).seed(1).numWorkers(workers).build();
    it = loader.iterator();
  }

  /** One batch, released like a training step releases its temporaries. */
  @Benchmark
  public int nextBatch() {
    if (!it.hasNext()) {
      it = loader.iterator();
    }
    try (Scope s = Tensor.scope()) {
      Tensor[] b = it.next();
      return b[0].numel() + b[1].numel();
    }
  }
}
