package dev.ember.backend;

/**
 * A kind of device (cpu, cuda, opencl) and how to reach its backends; registered in {@code
 * META-INF/services/dev.ember.backend.BackendProvider}.
 */
public interface BackendProvider {

  /** The device type served: {@code cpu}, {@code cuda} or {@code opencl}. */
  String type();

  /**
   * How many devices of this type are usable here (0 when the driver or hardware is missing).
   * Must not throw.
   */
  int deviceCount();

  /** Why {@link #deviceCount()} is 0, for error messages; empty when devices are present. */
  String unavailableReason();

  /**
   * Whether device {@code index} is an accelerator (a GPU) rather than a CPU driven through a GPU
   * API, such as PoCL's OpenCL device: {@code auto} device choices take only accelerators, an
   * explicit request takes any device. Must not throw.
   */
  default boolean isAccelerator(int index) {
    return true;
  }

  /** The backend for device {@code index} (called once per device; the result is cached). */
  Backend create(int index);
}
