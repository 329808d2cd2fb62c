package dev.ember.benchmarks.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python side of the GPU benchmarks where it can be checked without a GPU: the PyTorch
 * scripts stop with "no CUDA device" (exit status 2) where torch has none, and the table script
 * turns result lines into ratios against the targets. Skipped where Debian's python3 (with torch,
 * for the first test) is missing. Runs in the benchmarks module's folder, as Maven starts it.
 */
class GpuScriptsTest {
  private static final String PYTHON = "/usr/bin/python3";

  @Test
  void torchScriptsSayThereIsNoCudaDevice() throws Exception {
    assumeTrue(Files.isExecutable(Path.of(PYTHON)), "skipped: no " + PYTHON);
    Result probe = python("-c",
        "import torch, sys; sys.exit(3 if torch.cuda.is_available() else 0)");
    assumeTrue(probe.status == 0, "skipped: " + (probe.status == 3
        ? "this machine has a CUDA device (the scripts would run for real)"
        : "no torch for " + PYTHON + ": " + probe.err));
    for (String script : new String[] {"torch_gpu_gemm.py", "torch_gpu_workloads.py"}) {
      List<String> args = new ArrayList<>(List.of("scripts/" + script));
      if (script.contains("workloads")) {
        args.addAll(List.of("w1", "1"));
      }
      Result r = python(args.toArray(String[]::new));
      assertEquals(2, r.status, script + ": " + r.err);
      assertTrue(r.err.contains("no CUDA device"), script + ": " + r.err);
      assertTrue(r.out.isBlank(), script + " printed " + r.out);
    }
  }

  @Test
  void theTableGivesRatiosAgainstTheTargets(@TempDir Path dir) throws Exception {
    assumeTrue(Files.isExecutable(Path.of(PYTHON)), "skipped: no " + PYTHON);
    Files.writeString(dir.resolve("run.json"),
        "{\"device\": \"cuda:0\", \"smoke\": 0, \"pytorch\": 1, \"data\": \"d\"}\n");
    StringBuilder w = new StringBuilder();
    for (int seed = 1; seed <= 3; seed++) {
      w.append(workload("ember", "w2", seed, 2000 + seed, 30.0));
      w.append(workload("pytorch 2.11.0", "w2", seed, 1000 + seed, 20.0));
    }
    w.append("{\"system\": \"ember\", \"name\": \"ember-w3-1\", \"error\": \"boom\"}\n");
    Files.writeString(dir.resolve("workloads.jsonl"), w);
    Files.writeString(dir.resolve("gemm.jsonl"), String.join("\n",
        gemm("ember", "fp32", 1024, 20000),
        gemm("pytorch 2.11.0", "fp32", 1024, 40000),
        "{\"system\": \"ember\", \"op\": \"gemm\", \"dtype\": \"bf16\", \"n\": 1024,"
            + " \"implemented\": false}",
        gemm("pytorch 2.11.0", "bf16", 1024, 400000)) + "\n");
    Result r = python("scripts/gpu_table.py", dir.toString());
    assertEquals(0, r.status, r.err);
    assertTrue(r.out.contains("| W2 | Ember | cuda:0 | ") && r.out.contains("2.00x (≥ 1.0x: met)"),
        r.out);
    assertTrue(r.out.contains("1.50x (≤ 1.2x: missed)"), r.out);
    assertTrue(r.out.contains("| 1024 | FP32 | 20,000 (20,000) | 40,000 (40,000) |"
        + " 0.50x (≥ 0.7x: missed) |"), r.out);
    assertTrue(r.out.contains("| 1024 | BF16 | not implemented |"), r.out);
    assertTrue(r.out.contains("| ember-w3-1 | failed | | boom |"), r.out);
  }

  private static String workload(String system, String w, int seed, double sps, double mib) {
    return String.format(java.util.Locale.ROOT, "{\"system\": \"%s\", \"workload\": \"%s\","
        + " \"seed\": %d, \"accuracy\": 0.85, \"samples_per_s\": %.1f,"
        + " \"second_half_samples_per_s\": %.1f, \"epochs\": 1, \"device\": \"cuda:0\","
        + " \"device_name\": \"H\", \"peak_device_mib\": %.1f}%n", system, w, seed, sps, sps, mib);
  }

  private static String gemm(String system, String dtype, int n, double gflops) {
    return String.format(java.util.Locale.ROOT, "{\"system\": \"%s\", \"op\": \"gemm\","
        + " \"dtype\": \"%s\", \"n\": %d, \"implemented\": true, \"gflops\": %.1f,"
        + " \"best_gflops\": %.1f}", system, dtype, n, gflops, gflops);
  }

  private record Result(int status, String out, String err) {}

  private static Result python(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(PYTHON));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
    Path err = Files.createTempFile("gpu-scripts", ".err");
    try {
      Process p = pb.redirectError(err.toFile()).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("python " + String.join(" ", args) + " did not finish");
      }
      return new Result(p.exitValue(), out, Files.readString(err));
    } finally {
      Files.deleteIfExists(err);
    }
  }
}
