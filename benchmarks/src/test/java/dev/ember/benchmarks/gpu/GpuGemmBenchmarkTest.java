package dev.ember.benchmarks.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.backend.Backends;
import dev.ember.tensor.Device;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The GEMM benchmark's plumbing at small sizes (never its timings): it checks products against
 * float64 before reporting, prints one line per size, and says that TF32/BF16 are not there.
 */
class GpuGemmBenchmarkTest {
  private static final Device OPENCL = Device.of("opencl", 0);
  private static final Pattern GFLOPS = Pattern.compile("\"gflops\": ([0-9.eE+-]+|NaN|Infinity)");

  @Test
  void fp32OnTheCpuPrintsACheckedLinePerSize() {
    assertLines(Device.CPU, bench(Device.CPU).run("fp32", 64, 96));
  }

  @Test
  void fp32OnOpenClPrintsACheckedLinePerSize() {
    assumeTrue(Backends.isAvailable(OPENCL),
        "skipped: no OpenCL device here (install pocl-opencl-icd to run this on the CPU)");
    List<String> lines;
    try {
      lines = bench(OPENCL).run("fp32", 64, 256);
    } catch (UnsupportedOperationException e) {
      // The GEMM kernels come from another branch; until they are merged matmul is missing.
      assumeTrue(false, "skipped: the OpenCL backend cannot run the benchmark yet: "
          + e.getMessage());
      return;
    }
    assertLines(OPENCL, lines);
  }

  /** TF32 and BF16 need tensor cores, which the CPU (and PoCL) do not have. */
  @Test
  void bf16AndTf32WithoutTensorCoresSaySo() {
    for (String dtype : new String[] {"tf32", "bf16"}) {
      List<String> lines = bench(Device.CPU).run(dtype, 1024, 4096);
      assertEquals(2, lines.size());
      for (String line : lines) {
        assertTrue(line.contains("\"implemented\": false") && !line.contains("gflops"), line);
        assertTrue(line.contains("no TF32 or bfloat16 tensor cores"), line);
      }
    }
    assertThrows(IllegalArgumentException.class, () -> bench(Device.CPU).run("fp16", 64));
  }

  @Test
  void aWrongProductFailsTheCheck() {
    int n = 8;
    float[] a = new float[n * n];
    float[] b = new float[n * n];
    for (int i = 0; i < n * n; i++) {
      a[i] = (float) Math.sin(i + 1);
      b[i] = (float) Math.cos(3 * i);
    }
    float[] c = new float[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < n; p++) {
          s += (double) a[i * n + p] * b[p * n + j];
        }
        c[i * n + j] = (float) s;
      }
    }
    GpuGemmBenchmark.compare("exact", a, b, c, n, n, n, n, "fp32");
    // A 3-column corner of the same product (b read with its full row length).
    float[] corner = new float[n * 3];
    for (int i = 0; i < n; i++) {
      System.arraycopy(c, i * n, corner, i * 3, 3);
    }
    GpuGemmBenchmark.compare("corner", a, b, corner, n, n, 3, n, "fp32");
    c[5 * n + 2] += 1e-3f;
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> GpuGemmBenchmark.compare("perturbed", a, b, c, n, n, n, n, "fp32"));
    assertTrue(e.getMessage().contains("c[5][2]"), e.getMessage());
    c[5 * n + 2] = Float.NaN;
    assertThrows(IllegalStateException.class,
        () -> GpuGemmBenchmark.compare("NaN", a, b, c, n, n, n, n, "fp32"));
    // A 1e-3 error (relative ~4e-4 here) is within bfloat16's and TF32's bounds, not float32's.
    c[5 * n + 2] = (float) (exact(a, b, n, 5, 2) + 1e-3);
    GpuGemmBenchmark.compare("bf16", a, b, c, n, n, n, n, "bf16");
    GpuGemmBenchmark.compare("tf32", a, b, c, n, n, n, n, "tf32");
    c[5 * n + 2] += 0.5f;
    assertThrows(IllegalStateException.class,
        () -> GpuGemmBenchmark.compare("bf16, off", a, b, c, n, n, n, n, "bf16"));
  }

  private static double exact(float[] a, float[] b, int n, int i, int j) {
    double s = 0;
    for (int p = 0; p < n; p++) {
      s += (double) a[i * n + p] * b[p * n + j];
    }
    return s;
  }

  private static GpuGemmBenchmark bench(Device device) {
    // A tiny sample time keeps the test short; the figures themselves are not looked at.
    return new GpuGemmBenchmark(device, 0.005, 2,
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
  }

  private static void assertLines(Device device, List<String> lines) {
    assertEquals(2, lines.size(), lines.toString());
    for (String line : lines) {
      assertTrue(line.contains("\"checked\": true"), line);
      assertTrue(line.contains("\"device\": \"" + device + "\""), line);
      Matcher m = GFLOPS.matcher(line);
      assertTrue(m.find(), line);
      double gflops = Double.parseDouble(m.group(1));
      assertTrue(gflops > 0 && Double.isFinite(gflops), line);
    }
  }
}
