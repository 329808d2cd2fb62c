package dev.ember.benchmarks;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import java.util.Random;
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
 * The Java fallback that netlib (and so Spark) uses when no native BLAS loads: {@code JavaBLAS}
 * (its Vector API kernel when {@code jdk.incubator.vector} is present, else F2J), single-threaded.
 * Measured to decide whether Ember needs a GEMM of its own for machines without OpenBLAS.
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 9, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class NetlibJavaBlasBenchmark {
  /** Matrix size. */
  @Param({"256", "512", "1024", "2048"})
  public int n;

  private final BLAS blas = JavaBLAS.getInstance();
  private float[] a;
  private float[] b;
  private float[] c;

  /** Random operands. */
  @Setup
  public void setup() {
    Random r = new Random(1);
    a = new float[n * n];
    b = new float[n * n];
    c = new float[n * n];
    for (int i = 0; i < a.length; i++) {
      a[i] = r.nextFloat();
      b[i] = r.nextFloat();
    }
  }

  /** One product, column-major as netlib takes it (the layout does not change the work). */
  @Benchmark
  public float[] sgemm() {
    blas.sgemm("N", "N", n, n, n, 1f, a, n, b, n, 0f, c, n);
    return c;
  }
}
