package dev.ember.benchmarks;

import dev.ember.backend.cpu.Parallel;
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
 * Memory-bound operators over float32 tensors, out of place as a model runs them (the result is
 * a new tensor, returned to the pool by the scope), next to the plain-array copy that defines the
 * machine's usable bandwidth. Bytes counted: add/mul read 2 and write 1 array, relu/softmax/copy
 * read 1 and write 1, sum reads 1.
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 9, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class ElementwiseBenchmark {
  /** Number of elements: 1M (fits in L3 on the reference machine: 4 MiB) and 16M (64 MiB). */
  @Param({"1048576", "16777216"})
  public int size;

  /** Threads of the engine's CPU kernels. */
  @Param({"1", "2"})
  public int threads;

  private Tensor a;
  private Tensor b;
  private Tensor rows;
  private float[] src;
  private float[] dst;

  /** Random operands. */
  @Setup
  public void setup() {
    Parallel.setNumThreads(threads);
    Generator g = new Generator(1);
    a = Tensor.randn(g, DType.FLOAT32, Device.CPU, size);
    b = Tensor.randn(g, DType.FLOAT32, Device.CPU, size);
    rows = a.view(size / 1024, 1024);
    src = a.toFloatArray();
    dst = new float[size];
  }

  /** Restores the default thread count. */
  @TearDown
  public void tearDown() {
    Parallel.setNumThreads(Runtime.getRuntime().availableProcessors());
  }

  /** The bandwidth reference: one {@code System.arraycopy} of the same array. */
  @Benchmark
  public float[] arraycopy() {
    System.arraycopy(src, 0, dst, 0, size);
    return dst;
  }

  /** {@code a + b}. */
  @Benchmark
  public int add() {
    try (Scope s = Tensor.scope()) {
      return a.add(b).numel();
    }
  }

  /** {@code a * b}. */
  @Benchmark
  public int mul() {
    try (Scope s = Tensor.scope()) {
      return a.mul(b).numel();
    }
  }

  /** {@code relu(a)}. */
  @Benchmark
  public int relu() {
    try (Scope s = Tensor.scope()) {
      return a.relu().numel();
    }
  }

  /** Softmax over rows of 1024. */
  @Benchmark
  public int softmax() {
    try (Scope s = Tensor.scope()) {
      return rows.softmax(1).numel();
    }
  }

  /** Sum of all elements. */
  @Benchmark
  public double sum() {
    try (Scope s = Tensor.scope()) {
      return a.sum().item();
    }
  }
}
