package dev.ember.backend;

import dev.ember.tensor.Device;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place that chooses a backend: providers are discovered with {@link ServiceLoader} and
 * each device's backend is created once.
 */
public final class Backends {
  private static final Map<String, BackendProvider> PROVIDERS = loadProviders();
  private static final Map<Device, Backend> BACKENDS = new ConcurrentHashMap<>();

  private Backends() {}

  private static Map<String, BackendProvider> loadProviders() {
    Map<String, BackendProvider> m = new LinkedHashMap<>();
    for (BackendProvider p : ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader())) {
      m.putIfAbsent(p.type(), p);
    }
    return m;
  }

  /**
   * The backend for {@code device}.
   *
   * @throws IllegalStateException if no provider for the device type is on the class path, or the
   *     device index is not present on this machine (the message says why)
   */
  public static Backend get(Device device) {
    Backend b = BACKENDS.get(device);
    if (b != null) {
      return b;
    }
    return BACKENDS.computeIfAbsent(device, Backends::create);
  }

  private static Backend create(Device device) {
    BackendProvider p = PROVIDERS.get(device.type());
    if (p == null) {
      throw new IllegalStateException(
          "no backend for device " + device + ": no provider of type '" + device.type()
              + "' on the class path (available: " + PROVIDERS.keySet() + ")");
    }
    int count = p.deviceCount();
    if (device.index() >= count) {
      String why = count == 0 ? ": " + p.unavailableReason() : "";
      throw new IllegalStateException(
          "device " + device + " is not available: " + count + " " + device.type()
              + " device(s) present" + why);
    }
    return p.create(device.index());
  }

  /** Whether {@code device} can be used here. */
  public static boolean isAvailable(Device device) {
    BackendProvider p = PROVIDERS.get(device.type());
    return p != null && device.index() < p.deviceCount();
  }

  /** The number of devices of a type usable here. */
  public static int deviceCount(String type) {
    BackendProvider p = PROVIDERS.get(type);
    return p == null ? 0 : p.deviceCount();
  }

  /**
   * Whether {@code device} is an accelerator: the CPU is not, nor an OpenCL device that is a CPU
   * (PoCL); see {@link BackendProvider#isAccelerator}.
   */
  public static boolean isAccelerator(Device device) {
    BackendProvider p = PROVIDERS.get(device.type());
    return !device.isCpu() && p != null && device.index() < p.deviceCount()
        && p.isAccelerator(device.index());
  }

  /**
   * The first cuda accelerator, else the first opencl accelerator, else the cpu (an OpenCL device
   * that is itself a CPU, such as PoCL's, is only used when asked for by name).
   */
  public static Device best() {
    for (String type : new String[] {"cuda", "opencl"}) {
      for (int i = 0; i < deviceCount(type); i++) {
        Device d = Device.of(type, i);
        if (isAccelerator(d)) {
          return d;
        }
      }
    }
    return Device.CPU;
  }
}
