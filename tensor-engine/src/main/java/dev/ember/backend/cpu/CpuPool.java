package dev.ember.backend.cpu;

import dev.ember.tensor.DType;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A cache of freed arrays by exact (dtype, length), the CPU side of the caching allocator: a
 * training step allocates the same shapes every iteration, and an array that comes back from the
 * cache is neither allocated nor zeroed by the JVM again (zeroing costs a full write pass).
 *
 * <p>Only arrays that scopes return explicitly enter the cache (tensors outside scopes are left to
 * the garbage collector). Small arrays are not cached: the JVM allocates them faster than a
 * concurrent queue hands them out. The cache holds at most {@code ember.cpu.poolBytes} bytes
 * (default: a quarter of the maximum heap); beyond that, freed arrays are dropped.
 */
final class CpuPool {
  /** Arrays below this size in bytes are not cached. */
  static final int MIN_BYTES = 16 * 1024;

  private record Key(DType dtype, int length) {}

  private final Map<Key, ConcurrentLinkedDeque<Object>> free = new ConcurrentHashMap<>();
  private final AtomicLong cachedBytes = new AtomicLong();
  private final long capacity;

  CpuPool(long capacity) {
    this.capacity = capacity;
  }

  static long defaultCapacity() {
    String prop = System.getProperty("ember.cpu.poolBytes");
    if (prop != null && !prop.isBlank()) {
      long v = Long.parseLong(prop.trim());
      if (v < 0) {
        throw new IllegalArgumentException("ember.cpu.poolBytes must be >= 0, got " + v);
      }
      return v;
    }
    return Runtime.getRuntime().maxMemory() / 4;
  }

  private static long bytes(DType dtype, int length) {
    return (long) dtype.itemSize() * length;
  }

  /** A cached array of exactly this dtype and length with unspecified contents, or null. */
  Object take(DType dtype, int length) {
    if (bytes(dtype, length) < MIN_BYTES) {
      return null;
    }
    ConcurrentLinkedDeque<Object> q = free.get(new Key(dtype, length));
    Object a = q == null ? null : q.pollFirst();
    if (a != null) {
      cachedBytes.addAndGet(-bytes(dtype, length));
    }
    return a;
  }

  /** Offers a freed array to the cache (dropped if small or the cache is full). */
  void give(DType dtype, Object array, int length) {
    long b = bytes(dtype, length);
    if (b < MIN_BYTES) {
      return;
    }
    if (cachedBytes.addAndGet(b) > capacity) {
      cachedBytes.addAndGet(-b);
      return;
    }
    free.computeIfAbsent(new Key(dtype, length), k -> new ConcurrentLinkedDeque<>())
        .addFirst(Objects.requireNonNull(array));
  }

  /** Bytes held by cached arrays. */
  long cachedBytes() {
    return cachedBytes.get();
  }

  /** Drops every cached array (they become garbage). */
  void clear() {
    for (ConcurrentLinkedDeque<Object> q : free.values()) {
      Object a;
      while ((a = q.pollFirst()) != null) {
        cachedBytes.addAndGet(-bytes(dtypeOf(a), java.lang.reflect.Array.getLength(a)));
      }
    }
  }

  private static DType dtypeOf(Object a) {
    if (a instanceof float[]) {
      return DType.FLOAT32;
    } else if (a instanceof double[]) {
      return DType.FLOAT64;
    } else if (a instanceof long[]) {
      return DType.INT64;
    } else if (a instanceof int[]) {
      return DType.INT32;
    }
    return DType.BOOL;
  }
}
