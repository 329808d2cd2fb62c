package dev.ember.benchmarks.gpu;

import dev.ember.backend.Backends;
import dev.ember.gpu.GpuBackend;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Square GEMM throughput on a device, one JSON line per size and dtype, the counterpart of {@code
 * benchmarks/scripts/torch_gpu_gemm.py}.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     dev.ember.benchmarks.gpu.GpuGemmBenchmark [device=cuda:0] [sizes=1024,4096,8192] \
 *     [dtypes=fp32,tf32,bf16] [seconds per sample=0.25] [samples=5]
 * </pre>
 *
 * <p>Before anything is timed, a full product at n = {@value #CHECK_N} is compared with a float64
 * reference computed here on the host, and after each size's timing a 16 x 16 corner of the
 * product is: a kernel that computes a wrong result fails the run instead of reporting a speed.
 * Each sample runs as many products as fill about the sample time (calibrated on one product
 * after the warm-up), and ends with a device synchronize, so the clock sees the kernels finish,
 * not just their launches. GFLOP/s counts {@code 2 n^3} per product; the line gives the median
 * and the best sample.
 *
 * <p>TF32 and BF16: float32 operands with the {@linkplain GpuBackend#setFloat32MatmulPrecision
 * float32 matmul precision} "high" (TF32 tensor cores) or "medium" (bfloat16 tensor cores), on a
 * device that has them (elsewhere a line says there are none, {@code "implemented": false}),
 * checked with the inputs' rounding as the tolerance (4 x 2^-10 and 4 x 2^-7 of the sum of
 * |a_ik b_kj|, as PyTorch's script checks them). Ember has no bfloat16 dtype: its BF16 products
 * read and write float32 and round the inputs to bfloat16 on the way to the tensor cores, as
 * PyTorch's "medium" precision does; PyTorch's BF16 figure is for bfloat16 tensors.
 */
public final class GpuGemmBenchmark {
  /** The size of the full correctness check run before any timing. */
  static final int CHECK_N = 128;
  /** The side of the corner of each timed product that is checked. */
  static final int CORNER = 16;
  private static final int WARMUP = 3;

  private final DeviceStats stats;
  private final double sampleSeconds;
  private final int samples;
  private final PrintStream out;

  /**
   * A benchmark on {@code device}: each size is timed over {@code samples} samples of about
   * {@code sampleSeconds} each, its lines printed to {@code out}.
   */
  public GpuGemmBenchmark(Device device, double sampleSeconds, int samples, PrintStream out) {
    if (samples < 1 || !(sampleSeconds > 0)) {
      throw new IllegalArgumentException("need samples >= 1 and a positive sample time, got "
          + samples + " and " + sampleSeconds);
    }
    this.stats = new DeviceStats(device);
    this.sampleSeconds = sampleSeconds;
    this.samples = samples;
    this.out = out;
  }

  /** Entry point; see the class comment for the arguments. */
  public static void main(String[] args) {
    if (args.length > 0 && (args[0].equals("-h") || args[0].equals("--help"))) {
      System.err.println("usage: GpuGemmBenchmark [device=cuda:0] [sizes=1024,4096,8192]"
          + " [dtypes=fp32,tf32,bf16] [seconds per sample=0.25] [samples=5]");
      System.exit(2);
    }
    Device device = Device.parse(args.length > 0 ? args[0] : "cuda:0");
    int[] sizes = Arrays.stream((args.length > 1 ? args[1] : "1024,4096,8192").split(","))
        .map(String::trim).mapToInt(Integer::parseInt).toArray();
    String[] dtypes = (args.length > 2 ? args[2] : "fp32,tf32,bf16").split(",");
    double seconds = args.length > 3 ? Double.parseDouble(args[3]) : 0.25;
    int samples = args.length > 4 ? Integer.parseInt(args[4]) : 5;
    GpuGemmBenchmark bench = new GpuGemmBenchmark(device, seconds, samples, System.out);
    System.err.println("GEMM on " + device + ": " + bench.stats.describe());
    for (String dtype : dtypes) {
      bench.run(dtype.trim().toLowerCase(Locale.ROOT), sizes);
    }
  }

  /**
   * Measures {@code dtype} ("fp32", "tf32" or "bf16"; the last two print that they are not
   * implemented where the device has no tensor cores) at each of {@code sizes}, printing one
   * JSON line per size; returns the lines.
   *
   * @throws IllegalStateException if a product differs from the float64 reference
   * @throws UnsupportedOperationException if the device's backend has no matmul kernel
   */
  public List<String> run(String dtype, int... sizes) {
    List<String> lines = new ArrayList<>();
    if (!dtype.equals("fp32") && !dtype.equals("tf32") && !dtype.equals("bf16")) {
      throw new IllegalArgumentException("dtype must be fp32, tf32 or bf16, got " + dtype);
    }
    String missing = !dtype.equals("fp32") && !hasTensorCores()
        ? stats.device() + " has no TF32 or bfloat16 tensor cores" : null;
    if (missing != null) {
      for (int n : sizes) {
        lines.add(emit(String.format(Locale.ROOT,
            "{\"system\": \"ember\", \"op\": \"gemm\", \"dtype\": \"%s\", \"n\": %d,"
                + " \"device\": \"%s\", \"implemented\": false, \"note\": \"%s\"}",
            dtype, n, stats.device(), missing)));
      }
      return lines;
    }
    String before = GpuBackend.float32MatmulPrecision();
    GpuBackend.setFloat32MatmulPrecision(
        dtype.equals("tf32") ? "high" : dtype.equals("bf16") ? "medium" : "highest");
    try {
      checkFull(CHECK_N, dtype);
      for (int n : sizes) {
        lines.add(emit(measure(n, dtype)));
      }
    } finally {
      GpuBackend.setFloat32MatmulPrecision(before);
    }
    return lines;
  }

  private boolean hasTensorCores() {
    return Backends.get(stats.device()) instanceof GpuBackend g
        && g.runtime().supportsTensorCores();
  }

  private String emit(String line) {
    out.println(line);
    out.flush();
    return line;
  }

  /**
   * Times n x n by n x n at {@code dtype}'s precision and checks a corner of the product; the
   * JSON line.
   */
  private String measure(int n, String dtype) {
    Generator gen = new Generator(n);
    // The operands are released when the scope closes (a GPU gets its buffers back at once).
    try (Scope scope = Tensor.scope()) {
      // Drawn on the host and uploaded: the benchmark needs only matmul and copies on the device.
      Tensor a = Tensor.randn(gen, DType.FLOAT32, Device.CPU, n, n).to(stats.device());
      Tensor b = Tensor.randn(gen, DType.FLOAT32, Device.CPU, n, n).to(stats.device());
      for (int i = 0; i < WARMUP; i++) {
        products(a, b, 1);
      }
      double once = products(a, b, 1);
      int reps = (int) Math.max(1, Math.min(10_000, Math.round(sampleSeconds / once)));
      double[] gflops = new double[samples];
      for (int s = 0; s < samples; s++) {
        gflops[s] = 2.0 * n * n * n * reps / products(a, b, reps) / 1e9;
      }
      checkCorner(a, b, n, dtype);
      double[] sorted = gflops.clone();
      Arrays.sort(sorted);
      double median = samples % 2 == 1 ? sorted[samples / 2]
          : (sorted[samples / 2 - 1] + sorted[samples / 2]) / 2;
      return String.format(Locale.ROOT,
          "{\"system\": \"ember\", \"op\": \"gemm\", \"dtype\": \"%s\", \"n\": %d,"
              + " \"device\": \"%s\", \"device_name\": \"%s\", \"implemented\": true,"
              + " \"gflops\": %.1f, \"best_gflops\": %.1f, \"reps_per_sample\": %d,"
              + " \"samples\": %d, \"checked\": true}",
          dtype, n, stats.device(), json(stats.describe()), median,
          sorted[samples - 1], reps, samples);
    }
  }

  /** Seconds for {@code reps} products, from the first launch to the device's last finish. */
  private double products(Tensor a, Tensor b, int reps) {
    stats.synchronize();
    long t0 = System.nanoTime();
    for (int r = 0; r < reps; r++) {
      try (Scope s = Tensor.scope()) {
        a.matmul(b);
      }
    }
    stats.synchronize();
    return (System.nanoTime() - t0) / 1e9;
  }

  /** A full product at size n against the float64 reference. */
  private void checkFull(int n, String dtype) {
    Generator gen = new Generator(12345);
    Tensor ha = Tensor.randn(gen, DType.FLOAT32, Device.CPU, n, n);
    Tensor hb = Tensor.randn(gen, DType.FLOAT32, Device.CPU, n, n);
    try (Scope s = Tensor.scope()) {
      float[] c = ha.to(stats.device()).matmul(hb.to(stats.device())).toFloatArray();
      compare(stats.device() + ", full " + n + " x " + n + " product", ha.toFloatArray(),
          hb.toFloatArray(), c, n, n, n, n, dtype);
    }
  }

  /** The top-left corner of a x b against the float64 reference. */
  private void checkCorner(Tensor a, Tensor b, int n, String dtype) {
    int m = Math.min(CORNER, n);
    try (Scope s = Tensor.scope()) {
      float[] c = a.matmul(b).narrow(0, 0, m).narrow(1, 0, m).toFloatArray();
      float[] rows = a.narrow(0, 0, m).toFloatArray();
      // Columns 0..m-1 of b, as an (n, m) row-major array.
      float[] cols = b.narrow(1, 0, m).toFloatArray();
      compare(stats.device() + ", " + m + " x " + m + " corner of the " + n + " x " + n
          + " product", rows, cols, c, m, n, m, m, dtype);
    }
  }

  /**
   * Checks c (rows x cols, row-major) against a (rows x k) times b (k x bCols, first cols columns
   * used) summed in float64. The bound is a small multiple of float32's rounding error in a
   * k-term sum, scaled by the sum of |a_ik b_kj|: orders of magnitude above a correct kernel's
   * error, orders of magnitude below what a wrong index or a lost tile gives. For "tf32" and
   * "bf16" the bound is the inputs' rounding instead (4 x 2^-10 and 4 x 2^-7, whatever k), as
   * PyTorch's script checks them.
   */
  static void compare(String what, float[] a, float[] b, float[] c, int rows, int k, int cols,
      int bCols, String dtype) {
    double rel = switch (dtype) {
      case "tf32" -> 4 * Math.scalb(1.0, -10);
      case "bf16" -> 4 * Math.scalb(1.0, -7);
      default -> 4 * Math.ulp(1.0f) * Math.sqrt(k);
    };
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        double sum = 0;
        double abs = 0;
        for (int p = 0; p < k; p++) {
          double t = (double) a[i * k + p] * b[p * bCols + j];
          sum += t;
          abs += Math.abs(t);
        }
        double got = c[i * cols + j];
        double tol = rel * abs + 1e-30;
        if (!(Math.abs(got - sum) <= tol)) {
          throw new IllegalStateException(String.format(Locale.ROOT,
              "GEMM is wrong (%s): c[%d][%d] = %s, float64 reference %s (tolerance %.3g)",
              what, i, j, got, sum, tol));
        }
      }
    }
  }

  private static String json(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ");
  }
}
