package dev.ember.gpu;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.backend.Backends;
import dev.ember.gpu.opencl.SignalChaining;
import dev.ember.tensor.Device;

/** The devices the GPU tests run on, and the skip message where one is missing. */
public final class GpuTesting {
  /** The OpenCL device the tests use (PoCL in CI). */
  public static final Device OPENCL = Device.of("opencl", 0);

  private GpuTesting() {}

  /**
   * Skips the calling test, with the reason, when there is no OpenCL device; fails it when OpenCL
   * is refused for want of signal chaining (the build starts test JVMs with libjsig preloaded, so
   * that is a broken build, not a machine without OpenCL).
   */
  public static void assumeOpenCl() {
    String unsafe = SignalChaining.problem();
    if (unsafe != null) {
      throw new AssertionError("the test JVM has no signal chaining: " + unsafe);
    }
    assumeTrue(Backends.isAvailable(OPENCL), () -> "skipped: no OpenCL device here ("
        + reason() + "); install pocl-opencl-icd to run the OpenCL backend's tests on the CPU");
  }

  private static String reason() {
    try {
      Backends.get(OPENCL);
      return "available";
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
  }
}
