package dev.ember.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.backend.Backends;
import dev.ember.gpu.opencl.SignalChaining;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Tensor;

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

  /**
   * Each element of {@code actual} within {@code tol} times the largest magnitude of {@code
   * expected} (at least 1) of its element there: for results whose sums run in another order on
   * each backend.
   */
  public static void assertNear(Tensor expected, Tensor actual, double tol, String what) {
    double[] e = expected.to(Device.CPU).to(DType.FLOAT64).toDoubleArray();
    double[] a = actual.to(Device.CPU).to(DType.FLOAT64).toDoubleArray();
    assertEquals(e.length, a.length, what + ": sizes");
    double scale = 1;
    for (double v : e) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int i = 0; i < e.length; i++) {
      if (!(Math.abs(a[i] - e[i]) <= tol * scale)) {
        fail(what + ": element " + i + " is " + a[i] + ", the CPU gives " + e[i]);
      }
    }
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
