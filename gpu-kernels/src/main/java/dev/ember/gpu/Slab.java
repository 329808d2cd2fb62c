package dev.ember.gpu;

import dev.ember.tensor.DType;

/**
 * One large device buffer of one dtype, as the runtime allocated it; the {@link CachingAllocator}
 * carves storages out of it. {@code handle} is what kernels are launched with: a Java array for
 * the OpenCL runtime (Aparapi binds Java arrays), a device pointer ({@code Long}) for CUDA.
 */
public final class Slab {
  private final Object handle;
  private final DType dtype;
  private final int capacity;
  int live;

  /** A slab of {@code capacity} elements of {@code dtype}. */
  public Slab(Object handle, DType dtype, int capacity) {
    this.handle = handle;
    this.dtype = dtype;
    this.capacity = capacity;
  }

  /** The runtime's buffer. */
  public Object handle() {
    return handle;
  }

  /** The element type. */
  public DType dtype() {
    return dtype;
  }

  /** The number of elements. */
  public int capacity() {
    return capacity;
  }

  /** The size in bytes. */
  public long bytes() {
    return (long) capacity * dtype.itemSize();
  }

  @Override
  public String toString() {
    return "Slab[" + dtype + " x " + capacity + "]";
  }
}
