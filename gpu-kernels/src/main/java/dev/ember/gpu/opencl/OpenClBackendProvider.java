package dev.ember.gpu.opencl;

import com.aparapi.device.OpenCLDevice;
import com.aparapi.internal.opencl.OpenCLPlatform;
import dev.ember.backend.Backend;
import dev.ember.backend.BackendProvider;
import dev.ember.gpu.GpuBackend;
import java.util.ArrayList;
import java.util.List;

/**
 * Registers the OpenCL backend: the devices of every OpenCL platform that Aparapi finds through
 * the ICD loader ({@code /etc/OpenCL/vendors}), in platform order; {@code opencl:0} is the first.
 * PoCL ({@code pocl-opencl-icd}) is one on any Linux CPU.
 *
 * <p>On Linux the devices are listed, and OpenCL loaded at all, only in a JVM with signal
 * chaining ({@link SignalChaining}): elsewhere there are none, {@link #unavailableReason()} says
 * why and how to start the JVM, and {@code auto} passes OpenCL over.
 */
public final class OpenClBackendProvider implements BackendProvider {
  private static final System.Logger LOG =
      System.getLogger(OpenClBackendProvider.class.getName());
  private static final Object LOCK = new Object();
  private static List<OpenCLDevice> devices;
  private static String reason = "";

  @Override
  public String type() {
    return "opencl";
  }

  @Override
  public int deviceCount() {
    return devices().size();
  }

  @Override
  public String unavailableReason() {
    devices();
    return reason;
  }

  /** A GPU or accelerator; PoCL's device (type CPU) is not, so {@code auto} never picks it. */
  @Override
  public boolean isAccelerator(int index) {
    return devices().get(index).getType() != com.aparapi.device.Device.TYPE.CPU;
  }

  @Override
  public Backend create(int index) {
    return new GpuBackend(new OpenClRuntime(index, devices().get(index)));
  }

  /** The OpenCL devices, listed once; empty (with {@link #reason}) when OpenCL is unusable. */
  static List<OpenCLDevice> devices() {
    synchronized (LOCK) {
      if (devices == null) {
        List<OpenCLDevice> found = new ArrayList<>();
        String unsafe = SignalChaining.problem();
        if (unsafe != null) {
          reason = unsafe;
          devices = found;
          // One line, and only where an OpenCL driver is installed: auto probes OpenCL in
          // every JVM, most of which never meant to use it. An explicit device gets the whole
          // reason in its exception.
          LOG.log(SignalChaining.driversInstalled() ? System.Logger.Level.INFO
                  : System.Logger.Level.DEBUG,
              "OpenCL not loaded: the JVM runs without signal chaining, which OpenCL drivers need;"
                  + " to use OpenCL start it with " + SignalChaining.remedy());
          return devices;
        }
        try {
          for (OpenCLPlatform p : OpenCLPlatform.getUncachedOpenCLPlatforms()) {
            found.addAll(p.getOpenCLDevices());
          }
          if (found.isEmpty()) {
            reason = "no OpenCL platform with a device (is an ICD such as pocl-opencl-icd or "
                + "NVIDIA's installed under /etc/OpenCL/vendors?)";
          }
        } catch (LinkageError | RuntimeException e) {
          reason = "Aparapi's OpenCL library did not load: " + e;
        }
        devices = found;
      }
      return devices;
    }
  }
}
