package dev.ember.benchmarks.gpu;

import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.gpu.GpuBackend;
import dev.ember.tensor.Device;

/**
 * What a benchmark needs of a device beyond tensors: a synchronize before the clock is read (a
 * GPU runs launches asynchronously, so a clock read without one measures only how fast the host
 * queued them) and the caching allocator's peak, the counterpart of {@code
 * torch.cuda.max_memory_allocated}. On the CPU both are no-ops.
 */
public final class DeviceStats {
  private static final double MIB = 1024.0 * 1024.0;

  private final Device device;
  private final GpuBackend gpu;
  private long base;

  /** The statistics of {@code device} (a CPU device has none: {@link #isGpu()} is false). */
  public DeviceStats(Device device) {
    this.device = device;
    Backend b = device.isCpu() ? null : Backends.get(device);
    this.gpu = b instanceof GpuBackend g ? g : null;
  }

  /** The device. */
  public Device device() {
    return device;
  }

  /** Whether the device is a GPU backend's (OpenCL or CUDA): memory statistics exist. */
  public boolean isGpu() {
    return gpu != null;
  }

  /** The runtime's description of the device (vendor, name, memory), or "cpu". */
  public String describe() {
    return gpu == null ? device.toString() : gpu.runtime().describe();
  }

  /** Waits until every launch queued so far on the device has finished. */
  public void synchronize() {
    if (gpu != null) {
      gpu.runtime().synchronize();
    }
  }

  /**
   * Starts a peak measurement: the allocator's peak is set to what is allocated now, and that
   * amount (storages left over from earlier work, not yet collected) is the base that {@link
   * #peakMiB()} leaves out.
   */
  public void resetPeak() {
    if (gpu != null) {
      synchronize();
      gpu.allocator().resetPeak();
      base = gpu.allocator().memoryAllocated();
    }
  }

  /** The peak of allocated device memory since {@link #resetPeak()}, above its base, in MiB. */
  public double peakMiB() {
    return gpu == null ? Double.NaN : (gpu.allocator().maxMemoryAllocated() - base) / MIB;
  }

  /** Device memory the allocator holds now (live or cached), in MiB. */
  public double reservedMiB() {
    return gpu == null ? Double.NaN : gpu.allocator().memoryReserved() / MIB;
  }
}
