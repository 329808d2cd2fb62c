package dev.ember.gpu;

import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.tensor.Device;
import java.io.PrintStream;

/**
 * Prints the Java runtime and the CUDA and OpenCL devices Ember sees here, one line each, or why
 * a device type has none: what the portable GPU bundle's {@code bin/ember-env} runs, so a user can
 * tell a missing driver from a missing device before running tests or benchmarks.
 *
 * <pre>
 * java -cp ... dev.ember.gpu.DeviceReport
 * </pre>
 */
public final class DeviceReport {
  private static final String[] TYPES = {"cuda", "opencl"};

  private DeviceReport() {}

  /**
   * Entry point; takes no arguments.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    report(System.out);
  }

  /** Writes the report to {@code out}. */
  static void report(PrintStream out) {
    out.println("java: " + System.getProperty("java.runtime.name") + " "
        + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.home")
        + ")");
    out.println("os: " + System.getProperty("os.name") + " " + System.getProperty("os.arch")
        + " " + System.getProperty("os.version"));
    boolean vector = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    out.println("jdk.incubator.vector: " + (vector ? "loaded (SIMD CPU kernels)"
        : "not loaded (scalar CPU kernels; add --add-modules jdk.incubator.vector)"));
    for (String type : TYPES) {
      int count = Backends.deviceCount(type);
      out.println(type + ": " + count + " device(s)");
      if (count == 0) {
        out.println("  " + type + ":0 unavailable: " + reason(Device.of(type, 0)));
      }
      for (int i = 0; i < count; i++) {
        out.println("  " + describe(Device.of(type, i)));
      }
    }
    out.println("best device (auto): " + Backends.best());
  }

  /** The runtime's own description (vendor, name, memory) of a present device. */
  private static String describe(Device device) {
    try {
      Backend b = Backends.get(device);
      String accel = Backends.isAccelerator(device) ? "accelerator" : "not an accelerator";
      if (b instanceof GpuBackend) {
        return ((GpuBackend) b).runtime().describe() + ", " + accel;
      }
      return device + ", " + accel;
    } catch (IllegalStateException e) {
      // Listed, and refused by its provider with the cause (e.g. an OpenCL GPU whose buffers
      // are not host memory: see OpenClBackendProvider.create).
      return device + " refused: " + e.getMessage();
    } catch (RuntimeException | LinkageError e) {
      // A device that is listed but cannot be opened is worth reporting, not a crash of the report.
      return device + " listed but not usable: " + e;
    }
  }

  /** Why a device is not there: the provider's reason, through the message Backends gives. */
  private static String reason(Device device) {
    try {
      Backends.get(device);
      return "available";
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
  }
}
