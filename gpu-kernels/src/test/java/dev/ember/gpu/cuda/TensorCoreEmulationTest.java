package dev.ember.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The CUDA-only tensor-core GEMMs ({@code matmul_tc.cu}: {@code mm_tf32}, {@code mm_bf16}) run
 * on no device here, so their source is compiled for the host with g++ and its four PTX
 * instructions emulated ({@code src/test/cpp/matmul_tc_emulation.cpp}: the mma fragments placed
 * as the PTX ISA documents them, a block's threads as host threads): 14 products each (edges,
 * transposed operands, batches, offsets, alpha and beta, addends, the ReLU, the K split) against
 * a double-precision product of the inputs rounded to TF32 or bfloat16. This checks the kernel's
 * indexing, not the hardware; on a GPU, GpuMatmul's per-device check does that. Skipped with a
 * message where g++ is missing ({@code .ci/run} installs it) or the sources are (the GPU
 * bundle).
 */
class TensorCoreEmulationTest {
  private static final Path SOURCE = Path.of("src/test/cpp/matmul_tc_emulation.cpp");
  private static final Path KERNELS = Path.of("src/main/kernels");

  @Test
  void tensorCoreKernelsMatchTheRoundedProductOnTheHost() throws Exception {
    // The GPU bundle runs this module's tests without its sources (on a GPU the kernels run for
    // real); Maven runs them in the module's directory, where the sources always are.
    assumeTrue(Files.isRegularFile(SOURCE) && Files.isDirectory(KERNELS), "skipped: "
        + SOURCE + " is not here (not run from the gpu-kernels module, e.g. in the GPU bundle)");
    assumeTrue(available("g++"), "skipped: g++ is not on the PATH (it compiles matmul_tc.cu for"
        + " the host; Debian package g++)");
    Path dir = Files.createDirectories(Path.of("target/tc-emulation"));
    Path binary = dir.resolve("matmul_tc_emulation");
    String compile = run(List.of("g++", "-std=c++20", "-O2", "-pthread", "-Wall",
        "-DEMBER_TC_EMULATE", "-I", KERNELS.toString(), "-o", binary.toString(),
        SOURCE.toString()), dir);
    assertTrue(Files.isExecutable(binary), "g++ made no binary:\n" + compile);
    String out = run(List.of(binary.toAbsolutePath().toString()), dir);
    List<String> lines = out.lines().toList();
    assertEquals("cases 28 failed 0", lines.get(lines.size() - 1), out);
    assertEquals(28, lines.stream().filter(l -> l.startsWith("ok ")).count(), out);
  }

  private static boolean available(String tool) {
    try {
      Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Runs a command, standard error with standard output; fails on a nonzero exit. */
  private static String run(List<String> command, Path dir) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " timed out");
    assertEquals(0, p.exitValue(), String.join(" ", command) + " in " + dir + ":\n" + out);
    return out;
  }
}
