package dev.ember.gpu;

/**
 * A device allocation failed after the allocator emptied its cache and retried; the message has
 * the bytes requested, allocated (in live tensors) and reserved (held by the allocator), like
 * PyTorch's CUDA out-of-memory error.
 */
public class GpuOutOfMemoryError extends GpuException {
  private static final long serialVersionUID = 1L;

  /** An out-of-memory error with the allocator's figures in the message. */
  public GpuOutOfMemoryError(String message) {
    super(message);
  }
}
