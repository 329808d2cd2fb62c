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
 * float32 square matmul through {@link Tensor#matmul}, the path every layer takes. GFLOP/s =
 * {@code 2 n^3 / time}. Which GEMM runs is chosen by {@code -Dember.blas} (native BLAS, Java SIMD,
 * Java scalar); {@code threads} sets the engine's thread count (the native BLAS takes its own from
 * {@code OPENBLAS_NUM_THREADS}, which the run script sets to the same value).
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 9, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class MatmulBenchmark {
  /** Matrix size. */
  @Param({"256", "512", "1024", "2048"})
  public int n;

  /** Threads of the engine's CPU kernels. */
  @Param({"1", "2"})
  public int threads;

  private Tensor a;
  private Tensor b;

  /** Random operands. */
  @Setup
  public void setup() {
    Parallel.setNumThreads(threads);
    Generator g = new Generator(1);
    a = Tensor.rand(g, DType.FLOAT32, Device.CPU, n, n);
    b = Tensor.rand(g, DType.FLOAT32, Device.CPU, n, n);
  }

  /** Restores the default thread count. */
  @TearDown
  public void tearDown() {
    Parallel.setNumThreads(Runtime.getRuntime().availableProcessors());
  }

  /** One product; the result's memory goes back to the pool when the scope closes. */
  @Benchmark
  public float matmul() {
    try (Scope s = Tensor.scope()) {
      Tensor c = a.matmul(b);
      return c.storage().size();
    }
  }
}
