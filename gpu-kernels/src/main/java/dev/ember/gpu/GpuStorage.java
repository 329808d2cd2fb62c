package dev.ember.gpu;

import dev.ember.backend.Storage;
import dev.ember.tensor.DType;

/** Device memory of one tensor storage: {@code size} elements at {@code offset} in a {@link Slab}. */
public final class GpuStorage extends Storage {
  private final Slab slab;
  private final int offset;
  private final int capacity;

  GpuStorage(GpuBackend backend, DType dtype, Slab slab, int offset, int size, int capacity) {
    super(backend, dtype, size);
    this.slab = slab;
    this.offset = offset;
    this.capacity = capacity;
  }

  /** The buffer holding the elements. */
  public Slab slab() {
    return slab;
  }

  /** The element offset of element 0 in the slab. */
  public int offset() {
    return offset;
  }

  /** The elements reserved for this storage (its size rounded up to the allocator's block). */
  int capacity() {
    return capacity;
  }
}
