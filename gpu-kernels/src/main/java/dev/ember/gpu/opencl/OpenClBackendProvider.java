package dev.ember.gpu.opencl;

import com.aparapi.device.OpenCLDevice;
import com.aparapi.internal.opencl.OpenCLPlatform;
import dev.ember.backend.Backend;
import dev.ember.backend.BackendProvider;
import dev.ember.gpu.GpuBackend;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
  private static final Map<Integer, Optional<String>> HOST_MEMORY = new HashMap<>();

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

  /**
   * A GPU or accelerator that passes the host-memory check (see {@link #create}); PoCL's device
   * (type CPU) is not one, so {@code auto} never picks it.
   */
  @Override
  public boolean isAccelerator(int index) {
    return devices().get(index).getType() != com.aparapi.device.Device.TYPE.CPU
        && hostMemoryProblem(index) == null;
  }

  /**
   * The backend of {@code opencl:index}; refused, naming the cause, on a device where Aparapi's
   * buffers do not live in host memory. Aparapi gives every kernel argument its own device
   * buffer, copied in before and out after each launch; Ember's slabs hold many tensors, so one
   * array is often several arguments of a launch, and on such a device the copy out of an input
   * argument overwrites what the kernel wrote through another. NVIDIA's OpenCL on the H100
   * (2026-11-23) failed 1,377 of the 1,551 GPU tests so; PoCL works in host memory, where the
   * buffers alias the array and all is right. A device of type CPU is taken as working in host
   * memory; any other is checked once, with a launch that copies within one array.
   */
  @Override
  public Backend create(int index) {
    String problem = hostMemoryProblem(index);
    if (problem != null) {
      throw new IllegalStateException("device opencl:" + index + " cannot run Ember's OpenCL"
          + " backend: " + problem + ". Ember's OpenCL backend runs on OpenCL devices that work in"
          + " host memory (such as PoCL's); for an NVIDIA GPU use cuda:N");
    }
    return new GpuBackend(new OpenClRuntime(index, devices().get(index)));
  }

  /** {@link OpenClRuntime#hostMemoryProblem} of the device, checked once (CPU devices: null). */
  private static String hostMemoryProblem(int index) {
    synchronized (LOCK) {
      return HOST_MEMORY.computeIfAbsent(index, i -> {
        OpenCLDevice d = devices().get(i);
        if (d.getType() == com.aparapi.device.Device.TYPE.CPU) {
          return Optional.empty();
        }
        return Optional.ofNullable(new OpenClRuntime(i, d).hostMemoryProblem());
      }).orElse(null);
    }
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
