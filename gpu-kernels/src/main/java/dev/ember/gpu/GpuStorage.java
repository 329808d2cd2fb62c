package dev.ember.gpu;

import dev.ember.backend.Storage;
import dev.ember.tensor.DType;

/**
 * Device memory of one tensor storage: {@code size} elements at the start of an allocator {@link
 * CachingAllocator.Block} (a piece of a {@link Slab}), which goes back to the allocator whole.
 */
public final class GpuStorage extends Storage {
  private final CachingAllocator.Block block;

  GpuStorage(GpuBackend backend, DType dtype, CachingAllocator.Block block, int size) {
    super(backend, dtype, size);
    this.block = block;
  }

  /** The buffer holding the elements. */
  public Slab slab() {
    return block.slab();
  }

  /** The element offset of element 0 in the slab. */
  public int offset() {
    return block.offset();
  }

  /** The allocator's block: the elements reserved for this storage, returned on free. */
  CachingAllocator.Block block() {
    return block;
  }
}
