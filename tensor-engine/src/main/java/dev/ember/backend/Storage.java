package dev.ember.backend;

import dev.ember.tensor.DType;
import dev.ember.tensor.Device;

/**
 * A flat buffer of elements of one dtype on one device; tensors are views over storages.
 *
 * <p>The storage carries the version counter that autograd uses to detect in-place writes to a
 * value that backward still needs (all views of one storage share it), and a reference count
 * that scopes use to return the memory to the backend deterministically.
 */
public abstract class Storage {
  private final Backend backend;
  private final DType dtype;
  private final int size;
  private int version;
  private int refs;
  private boolean pinned;
  private boolean released;

  /** Creates a storage of {@code size} elements of {@code dtype} owned by {@code backend}. */
  protected Storage(Backend backend, DType dtype, int size) {
    this.backend = backend;
    this.dtype = dtype;
    this.size = size;
  }

  /** The backend that owns this memory. */
  public final Backend backend() {
    return backend;
  }

  /** The device this memory lives on. */
  public final Device device() {
    return backend.device();
  }

  /** The element type. */
  public final DType dtype() {
    return dtype;
  }

  /** The number of elements. */
  public final int size() {
    return size;
  }

  /** The number of in-place writes so far (autograd's version counter). */
  public final int version() {
    return version;
  }

  /** Records an in-place write. */
  public final void bumpVersion() {
    version++;
  }

  /** Whether the memory was returned to the backend (its scope closed). */
  public final boolean isReleased() {
    return released;
  }

  /** Adds a reference (a tensor in a scope now uses this storage). */
  public final synchronized void retain() {
    if (released) {
      throw new IllegalStateException("storage was already released");
    }
    refs++;
  }

  /**
   * Marks the storage as used by a tensor outside any scope: it is then never returned by
   * reference counting, only reclaimed with its last reference by the garbage collector.
   */
  public final synchronized void pin() {
    pinned = true;
  }

  /** Drops a reference; the last one returns the memory to the backend unless pinned. */
  public final synchronized void release() {
    if (released || --refs > 0 || pinned) {
      return;
    }
    released = true;
    backend.free(this);
  }
}
