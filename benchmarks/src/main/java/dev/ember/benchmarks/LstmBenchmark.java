package dev.ember.benchmarks;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.backend.cpu.Parallel;
import dev.ember.nn.F;
import dev.ember.nn.Reduction;
import dev.ember.nn.layers.Linear;
import dev.ember.nn.recurrent.LSTM;
import dev.ember.nn.recurrent.RnnOutput;
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
 * The LSTM of workload W3 (shared/WORKLOADS.md): a batch of 128 sequences of 28 steps of 28
 * features through {@code LSTM(28, 128)}, float32. {@code forwardBackward} is the LSTM's forward and
 * backward (loss = sum of the last hidden state times a fixed random tensor; gradients of the
 * weights only, the input being data); {@code forward} runs without recording; {@code
 * trainStepWithoutOptimizer} adds W3's head (last hidden state -> Linear 10 -> cross-entropy).
 * The PyTorch reference of the same three figures is {@code scripts/lstm_reference.py}.
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 9, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class LstmBenchmark {
  /** Threads of the engine's CPU kernels. */
  @Param({"2"})
  public int threads;

  private LSTM lstm;
  private Linear head;
  private Tensor x;
  private Tensor w;
  private Tensor y;

  /** The model and a random batch. */
  @Setup
  public void setup() {
    Parallel.setNumThreads(threads);
    Generator g = new Generator(1);
    lstm = new LSTM(28, 128, 1, true, false, 0, false, g);
    head = new Linear(128, 10, true, g);
    x = Tensor.rand(g, DType.FLOAT32, Device.CPU, 28, 128, 28);
    w = Tensor.randn(g, DType.FLOAT32, Device.CPU, 128, 128);
    y = Tensor.randint(g, 0, 10, DType.INT64, Device.CPU, 128);
  }

  /** Restores the default thread count. */
  @TearDown
  public void tearDown() {
    Parallel.setNumThreads(Runtime.getRuntime().availableProcessors());
  }

  /** Forward and backward of the LSTM. */
  @Benchmark
  public int forwardBackward() {
    try (Scope s = Tensor.scope()) {
      lstm.zeroGrad();
      RnnOutput out = lstm.forward(x, null, null);
      out.hN().select(0, 0).mul(w).sum().backward();
      return lstm.weightHh(0, false).grad().numel();
    }
  }

  /** Forward only, without recording the graph. */
  @Benchmark
  public int forward() {
    try (Scope s = Tensor.scope(); GradMode ng = Autograd.noGrad()) {
      return lstm.forward(x, null, null).output().numel();
    }
  }

  /** W3's step without the optimizer: LSTM, last hidden state, Linear, cross-entropy, backward. */
  @Benchmark
  public double trainStepWithoutOptimizer() {
    try (Scope s = Tensor.scope()) {
      lstm.zeroGrad();
      head.zeroGrad();
      Tensor h = lstm.forward(x, null, null).hN().select(0, 0);
      Tensor loss = F.crossEntropy(head.forward(h), y, null, -100, Reduction.MEAN, 0);
      loss.backward();
      return loss.item();
    }
  }
}
