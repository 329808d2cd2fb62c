package dev.ember.gpu.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.backend.Backends;
import dev.ember.gpu.GpuTesting;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SignalChainingTest {
  private static final String MAPS_WITH_JSIG =
      "7f00-7f01 r-xp 00000000 08:01 1 /usr/lib/jvm/jdk/lib/libjsig.so\n";
  private static final String MAPS_WITHOUT =
      "7f00-7f01 r-xp 00000000 08:01 1 /usr/lib/jvm/jdk/lib/server/libjvm.so\n";

  @Test
  void linuxWithoutLibjsigIsRefusedWithTheRemedy() {
    String why = SignalChaining.problem("Linux", MAPS_WITHOUT, false, "/opt/jdk");
    assertTrue(why.contains("LD_PRELOAD=/opt/jdk/lib/libjsig.so"), why);
    assertTrue(why.contains("spark.executorEnv.LD_PRELOAD"), why);
    assertTrue(why.contains("-Dember.opencl.allowUnchainedSignals=true"), why);
  }

  @Test
  void libjsigThePropertyOrAnotherSystemLetOpenClOpen() {
    assertNull(SignalChaining.problem("Linux", MAPS_WITH_JSIG, false, "/opt/jdk"));
    assertNull(SignalChaining.problem("Linux", MAPS_WITHOUT, true, "/opt/jdk"));
    assertNull(SignalChaining.problem("Mac OS X", MAPS_WITHOUT, false, "/opt/jdk"));
    assertNull(SignalChaining.problem("Linux", null, false, "/opt/jdk"));
  }

  @Test
  void theBuildStartsTestJvmsWithSignalChaining() {
    assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "skipped: no /proc/self/maps");
    assertNull(SignalChaining.problem());
  }

  @Test
  void aJvmWithoutLibjsigSeesNoOpenClDeviceAndIsToldWhy() throws Exception {
    assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "skipped: no /proc/self/maps");
    String out = runChild(false);
    assertTrue(out.contains("opencl devices: 0"), out);
    assertTrue(out.contains("LD_PRELOAD="), out);
  }

  /**
   * The measured hazard and its cure: a child JVM with libjsig preloaded and {@code -Xcheck:jni}
   * (which makes the JVM check its signal handlers periodically and report a replaced one) opens
   * the OpenCL devices (where PoCL's LLVM and PoCL itself install their handlers) and keeps its
   * handlers. The child launches no kernel: under {@code -Xcheck:jni} the JVM hands native code
   * copies of pinned arrays and frees them on release, and Aparapi's buffers keep pointing at
   * them; PoCL 5.0 (on the H100 host, 2026-11-23) faulted in a kernel reading such a freed copy.
   * The conformance suites run kernels, without the flag.
   */
  @Test
  void withLibjsigTheJvmKeepsItsSignalHandlersAcrossOpenCl() throws Exception {
    GpuTesting.assumeOpenCl();
    String out = runChild(true);
    assertTrue(out.contains("opened opencl:0"), out);
    assertFalse(out.contains("handler modified"), out);
  }

  private static String runChild(boolean chained) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xcheck:jni", "-cp",
        System.getProperty("java.class.path"), Child.class.getName()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (chained) {
      pb.environment().put("LD_PRELOAD",
          Path.of(System.getProperty("java.home"), "lib", "libjsig.so").toString());
    } else {
      pb.environment().remove("LD_PRELOAD");
    }
    Process p = pb.start();
    byte[] bytes = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish");
    String out = new String(bytes, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  /** The child JVM: lists OpenCL devices, opens opencl:0 if there is one, waits a little. */
  public static final class Child {
    public static void main(String[] args) throws InterruptedException {
      int n = Backends.deviceCount("opencl");
      System.out.println("opencl devices: " + n);
      if (n == 0) {
        try {
          Backends.get(GpuTesting.OPENCL);
        } catch (IllegalStateException e) {
          System.out.println(e.getMessage());
        }
        return;
      }
      Backends.get(GpuTesting.OPENCL);
      System.out.println("opened opencl:0");
      // -Xcheck:jni checks the handlers from a periodic task: give it time to run.
      Thread.sleep(1500);
    }
  }
}
