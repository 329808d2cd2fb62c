package dev.ember.gpu;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.backend.Backends;
import dev.ember.gpu.opencl.SignalChaining;
import dev.ember.tensor.Device;

/**
 * The device the GPU tests run on, and the skip message where it is missing.
 *
 * <p>The {@code Gpu*Test} classes (the conformance suites and the GPU backend's own tests) run on
 * {@link #DEVICE}: {@code opencl:0} (PoCL in CI) unless the system property {@code ember.test.gpu}
 * names another, e.g. {@code -Dember.test.gpu=cuda:0} on a host with an NVIDIA GPU (the GPU
 * bundle's {@code ember-gpu-tests --device cuda:0}). The {@code dev.ember.gpu.opencl} tests are
 * about the OpenCL runtime itself and always use {@link #OPENCL}.
 */
public final class GpuTesting {
  /** The OpenCL device of the OpenCL runtime's own tests (PoCL in CI). */
  public static final Device OPENCL = Device.of("opencl", 0);

  /** The device under test of the backend-independent GPU tests. */
  public static final Device DEVICE = Device.parse(System.getProperty("ember.test.gpu", "opencl:0"));

  private GpuTesting() {}

  /** {@link #assume(Device)} for {@link #DEVICE}. */
  public static void assumeDevice() {
    assume(DEVICE);
  }

  /** {@link #assume(Device)} for {@link #OPENCL}. */
  public static void assumeOpenCl() {
    assume(OPENCL);
  }

  /**
   * Skips the calling test, with the reason, when {@code device} is missing. For an OpenCL device
   * it fails instead when OpenCL is refused for want of signal chaining: the build starts test JVMs
   * with libjsig preloaded, so that is a broken build, not a machine without OpenCL.
   */
  public static void assume(Device device) {
    if (device.type().equals("opencl")) {
      String unsafe = SignalChaining.problem();
      if (unsafe != null) {
        throw new AssertionError("the test JVM has no signal chaining: " + unsafe);
      }
    }
    assumeTrue(Backends.isAvailable(device), () -> "skipped: no device " + device + " here ("
        + reason(device) + ")" + (device.type().equals("opencl")
            ? "; install pocl-opencl-icd to run the OpenCL backend's tests on the CPU" : ""));
  }

  private static String reason(Device device) {
    try {
      Backends.get(device);
      return "available";
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
  }
}
