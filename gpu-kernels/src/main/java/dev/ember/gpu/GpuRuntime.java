package dev.ember.gpu;

import dev.ember.tensor.DType;
import dev.ember.tensor.Device;

/**
 * What a GPU runtime (OpenCL through Aparapi, CUDA through the driver API) gives the shared {@link
 * GpuBackend}: large buffers, host transfers and kernel launches. Everything above this line (the
 * allocator, argument packing, launch shapes, every SPI primitive) is written once.
 *
 * <p>Kernel arguments, in the kernel's parameter order: a {@link Slab} (its buffer), a boxed
 * {@code Integer}, {@code Float} or {@code Double} (a scalar: Aparapi's binding passes no other
 * scalar type, so a 64-bit integer travels as two ints), or an {@code int[]} (a small read-only array such as shapes and strides, copied to the device for
 * this launch).
 */
public interface GpuRuntime {

  /** The device served. */
  Device device();

  /** A short description of the device (vendor, name, memory) for logs and errors. */
  String describe();

  /** The device's memory in bytes (what the allocator may reserve at most). */
  long totalMemory();

  /**
   * The largest local (work-group / block) size kernels are launched with: at most 256, which
   * NVIDIA's OpenCL requires, and at most what the device allows.
   */
  int maxLocalSize();

  /**
   * A new buffer of {@code elements} elements of {@code dtype}, contents unspecified.
   *
   * @throws GpuOutOfMemoryError if the device has no room (the allocator then empties its cache
   *     and retries once)
   */
  Slab allocate(DType dtype, int elements);

  /** Frees a buffer from {@link #allocate}. */
  void free(Slab slab);

  /**
   * Copies {@code count} elements of the Java array {@code src} (the Java type of the slab's
   * dtype; {@code byte[]} for bool) from {@code srcOffset} to the slab at {@code offset}.
   */
  void write(Slab slab, int offset, Object src, int srcOffset, int count);

  /** Copies {@code count} elements from the slab at {@code offset} into {@code dst}; waits. */
  void read(Slab slab, int offset, Object dst, int dstOffset, int count);

  /**
   * Launches kernel {@code kernel} of the source file {@code family} ({@code
   * src/main/kernels/<family>.c}) over {@code global} work items in groups of {@code local}
   * ({@code global} is a multiple of {@code local}).
   *
   * @throws GpuException naming the kernel when the runtime refuses the launch
   */
  void launch(String family, String kernel, int global, int local, Object... args);

  /** Waits for every launch so far to finish. */
  void synchronize();

  /**
   * Whether the device has TF32 and bfloat16 tensor cores and the runtime their kernels ({@code
   * matmul_tc.cu}: CUDA, compute capability 8.0 or later).
   */
  default boolean supportsTensorCores() {
    return false;
  }

  /**
   * Whether launches can be captured into a graph that one launch replays ({@link
   * #beginCapture}: CUDA); without, {@link StepGraph} replays its launches one by one.
   */
  default boolean supportsGraphs() {
    return false;
  }

  /**
   * Starts capturing the calling thread's launches into a graph instead of running them, until
   * {@link #endCapture}; the thread may only launch meanwhile (no transfers, no waits).
   *
   * @throws UnsupportedOperationException where {@link #supportsGraphs} is false
   */
  default void beginCapture() {
    throw new UnsupportedOperationException(device() + " has no graphs");
  }

  /** Ends the thread's capture: an executable graph for {@link #launchGraph}. */
  default long endCapture() {
    throw new UnsupportedOperationException(device() + " has no graphs");
  }

  /** Runs an executable graph on the calling thread's stream, as one launch. */
  default void launchGraph(long graph) {
    throw new UnsupportedOperationException(device() + " has no graphs");
  }

  /** Frees an executable graph from {@link #endCapture}. */
  default void destroyGraph(long graph) {
    throw new UnsupportedOperationException(device() + " has no graphs");
  }
}
