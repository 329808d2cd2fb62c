package dev.ember.benchmarks;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.backend.cpu.Parallel;
import dev.ember.tensor.Conv;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * W2's convolution and pooling layers at batch 64 (shared/WORKLOADS.md): Conv2d(1->32, 3x3, pad 1)
 * -> ReLU -> MaxPool 2 -> Conv2d(32->64, 3x3, pad 1) -> ReLU -> MaxPool 2 on 28x28 images. Each
 * layer's forward without autograd, and the whole feature extractor's forward, and forward and
 * backward with weights and biases that require grad (the input does not, as in training). The
 * PyTorch reference of the same operations is {@code scripts/torch_conv.py}.
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 9, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class ConvBenchmark {
  private static final int[] POOL = {2};
  private static final int[] ZERO = {0};
  private static final int[] ONE = {1};

  /** Threads of the engine's CPU kernels (the native BLAS takes OPENBLAS_NUM_THREADS). */
  @Param({"2"})
  public int threads;

  private Tensor x;
  private Tensor w1;
  private Tensor b1;
  private Tensor w2;
  private Tensor b2;
  private Tensor h1;
  private Tensor p1;
  private Tensor h2;
  private Tensor upstream;

  /** Random images in [0, 1), weights with PyTorch's default initialization scale. */
  @Setup
  public void setup() {
    Parallel.setNumThreads(threads);
    Generator g = new Generator(1);
    x = Tensor.rand(g, DType.FLOAT32, Device.CPU, 64, 1, 28, 28);
    w1 = uniform(g, 1.0 / 3, 32, 1, 3, 3);
    b1 = uniform(g, 1.0 / 3, 32);
    w2 = uniform(g, 1.0 / Math.sqrt(288), 64, 32, 3, 3);
    b2 = uniform(g, 1.0 / Math.sqrt(288), 64);
    try (GradMode m = Autograd.noGrad()) {
      h1 = Conv.conv2d(x, w1, b1, 1, 1, 1, 1).relu();
      p1 = Conv.maxPool2d(h1, POOL, null, ZERO, ONE, false);
      h2 = Conv.conv2d(p1, w2, b2, 1, 1, 1, 1).relu();
    }
    upstream = Tensor.randn(g, DType.FLOAT32, Device.CPU, 64, 64, 7, 7);
    for (Tensor p : new Tensor[] {w1, b1, w2, b2}) {
      p.requiresGrad(true);
    }
  }

  private static Tensor uniform(Generator g, double bound, int... shape) {
    return Tensor.rand(g, DType.FLOAT32, Device.CPU, shape).mul(2 * bound).sub(bound);
  }

  /** Restores the default thread count. */
  @TearDown
  public void tearDown() {
    Parallel.setNumThreads(Runtime.getRuntime().availableProcessors());
  }

  private Tensor features(Tensor in) {
    Tensor h = Conv.maxPool2d(Conv.conv2d(in, w1, b1, 1, 1, 1, 1).relu(), POOL, null, ZERO, ONE,
        false);
    return Conv.maxPool2d(Conv.conv2d(h, w2, b2, 1, 1, 1, 1).relu(), POOL, null, ZERO, ONE, false);
  }

  /** Conv2d(1->32) forward, (64, 1, 28, 28) -> (64, 32, 28, 28). */
  @Benchmark
  public int conv1Forward() {
    try (Scope s = Tensor.scope(); GradMode m = Autograd.noGrad()) {
      return Conv.conv2d(x, w1, b1, 1, 1, 1, 1).numel();
    }
  }

  /** MaxPool 2 forward, (64, 32, 28, 28) -> (64, 32, 14, 14). */
  @Benchmark
  public int pool1Forward() {
    try (Scope s = Tensor.scope(); GradMode m = Autograd.noGrad()) {
      return Conv.maxPool2d(h1, POOL, null, ZERO, ONE, false).numel();
    }
  }

  /** Conv2d(32->64) forward, (64, 32, 14, 14) -> (64, 64, 14, 14). */
  @Benchmark
  public int conv2Forward() {
    try (Scope s = Tensor.scope(); GradMode m = Autograd.noGrad()) {
      return Conv.conv2d(p1, w2, b2, 1, 1, 1, 1).numel();
    }
  }

  /** MaxPool 2 forward, (64, 64, 14, 14) -> (64, 64, 7, 7). */
  @Benchmark
  public int pool2Forward() {
    try (Scope s = Tensor.scope(); GradMode m = Autograd.noGrad()) {
      return Conv.maxPool2d(h2, POOL, null, ZERO, ONE, false).numel();
    }
  }

  /** The feature extractor's forward (both convolutions, ReLUs and pools), without autograd. */
  @Benchmark
  public int featuresForward() {
    try (Scope s = Tensor.scope(); GradMode m = Autograd.noGrad()) {
      return features(x).numel();
    }
  }

  /** Forward with autograd, then backward into both layers' weights and biases. */
  @Benchmark
  public int featuresForwardBackward() {
    try (Scope s = Tensor.scope()) {
      for (Tensor p : new Tensor[] {w1, b1, w2, b2}) {
        p.setGrad(null);
      }
      features(x).backward(upstream);
      return w1.grad().numel();
    }
  }
}
