package dev.ember.gpu;

import dev.ember.tensor.DType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A device's caching allocator, PyTorch's design in small: memory is taken from the runtime in
 * large slabs and never given back on {@code free}, only cached for the next allocation, until
 * {@link #emptyCache()}.
 *
 * <ul>
 *   <li>Small storages (under {@value #SMALL_LIMIT} elements) are rounded up to a power of two (at
 *       least {@value #MIN_BLOCK}) and carved from shared slabs of {@value #SMALL_SLAB} elements;
 *       a freed block goes to the free list of its size class.
 *   <li>Large storages get a slab of their own, rounded up to a multiple of {@value #LARGE_ROUND}
 *       elements; a freed one is reused by a later request of up to its size and at least half
 *       of it.
 *   <li>When the runtime is out of memory the cache is emptied and the allocation retried once;
 *       then a {@link GpuOutOfMemoryError} names the bytes requested, allocated and reserved.
 * </ul>
 *
 * Slabs hold one dtype each (Aparapi binds typed Java arrays); the statistics are in bytes.
 * Thread-safe.
 */
public final class CachingAllocator {
  static final int MIN_BLOCK = 64;
  static final int SMALL_LIMIT = 1 << 18;
  static final int SMALL_SLAB = 1 << 22;
  static final int LARGE_ROUND = 1 << 16;
  private static final int CLASSES = Integer.numberOfTrailingZeros(SMALL_LIMIT) + 1;

  /**
   * A piece of a slab handed out for one storage; {@code shared} when carved from a slab of small
   * blocks (its capacity alone does not tell: a small block of 2^17 + 1 .. 2^18 elements and a
   * large one of 2^18 have the same).
   */
  public record Block(Slab slab, int offset, int capacity, boolean shared) {}

  private final GpuRuntime runtime;
  private final Map<DType, List<ArrayDeque<Block>>> smallFree = new EnumMap<>(DType.class);
  private final Map<DType, Slab> bumpSlab = new EnumMap<>(DType.class);
  private final Map<DType, Integer> bumpNext = new EnumMap<>(DType.class);
  private final List<Slab> smallSlabs = new ArrayList<>();
  private final Map<DType, TreeMap<Integer, ArrayDeque<Slab>>> largeFree = new EnumMap<>(DType.class);
  private long allocated;
  private long reserved;
  private long maxAllocated;

  /** An allocator over {@code runtime}'s buffers. */
  public CachingAllocator(GpuRuntime runtime) {
    this.runtime = runtime;
  }

  /** A block of at least {@code elements} elements of {@code dtype}. */
  public synchronized Block allocate(DType dtype, int elements) {
    if (elements < 0) {
      throw new IllegalArgumentException("storage size must be >= 0, got " + elements);
    }
    Block b = elements < SMALL_LIMIT ? small(dtype, elements) : large(dtype, elements);
    b.slab().live++;
    allocated += (long) b.capacity() * dtype.itemSize();
    maxAllocated = Math.max(maxAllocated, allocated);
    return b;
  }

  /** Returns a block to the cache. */
  public synchronized void free(Block b) {
    Slab s = b.slab();
    s.live--;
    allocated -= (long) b.capacity() * s.dtype().itemSize();
    if (b.shared()) {
      classes(s.dtype()).get(classOf(b.capacity())).push(b);
    } else {
      largeFree.computeIfAbsent(s.dtype(), d -> new TreeMap<>())
          .computeIfAbsent(s.capacity(), c -> new ArrayDeque<>()).push(s);
    }
  }

  /** Bytes in live storages (rounded up to their blocks), like {@code torch.cuda.memory_allocated}. */
  public synchronized long memoryAllocated() {
    return allocated;
  }

  /** Bytes held from the runtime, live or cached, like {@code torch.cuda.memory_reserved}. */
  public synchronized long memoryReserved() {
    return reserved;
  }

  /** The peak of {@link #memoryAllocated()} since the start or the last reset. */
  public synchronized long maxMemoryAllocated() {
    return maxAllocated;
  }

  /** Sets the peak to the current allocation. */
  public synchronized void resetPeak() {
    maxAllocated = allocated;
  }

  /** Gives every cached slab that holds no live storage back to the runtime. */
  public synchronized void emptyCache() {
    for (TreeMap<Integer, ArrayDeque<Slab>> bySize : largeFree.values()) {
      for (ArrayDeque<Slab> q : bySize.values()) {
        for (Slab s : q) {
          release(s);
        }
      }
      bySize.clear();
    }
    List<Slab> keep = new ArrayList<>();
    for (Slab s : smallSlabs) {
      if (s.live > 0) {
        keep.add(s);
        continue;
      }
      for (ArrayDeque<Block> q : classes(s.dtype())) {
        q.removeIf(b -> b.slab() == s);
      }
      if (bumpSlab.get(s.dtype()) == s) {
        bumpSlab.remove(s.dtype());
      }
      release(s);
    }
    smallSlabs.clear();
    smallSlabs.addAll(keep);
  }

  private Block small(DType dtype, int elements) {
    int cap = elements <= MIN_BLOCK ? MIN_BLOCK : Integer.highestOneBit(elements - 1) << 1;
    ArrayDeque<Block> free = classes(dtype).get(classOf(cap));
    if (!free.isEmpty()) {
      return free.pop();
    }
    Slab s = bumpSlab.get(dtype);
    int next = bumpNext.getOrDefault(dtype, 0);
    if (s == null || next + cap > s.capacity()) {
      s = obtain(dtype, SMALL_SLAB, (long) elements * dtype.itemSize());
      smallSlabs.add(s);
      bumpSlab.put(dtype, s);
      next = 0;
    }
    bumpNext.put(dtype, next + cap);
    return new Block(s, next, cap, true);
  }

  private Block large(DType dtype, int elements) {
    int cap = (int) Math.min(Integer.MAX_VALUE,
        ((long) elements + LARGE_ROUND - 1) / LARGE_ROUND * LARGE_ROUND);
    TreeMap<Integer, ArrayDeque<Slab>> bySize = largeFree.computeIfAbsent(dtype, d -> new TreeMap<>());
    Map.Entry<Integer, ArrayDeque<Slab>> e = bySize.ceilingEntry(cap);
    if (e != null && e.getKey() / 2 <= cap) {
      Slab s = e.getValue().pop();
      if (e.getValue().isEmpty()) {
        bySize.remove(e.getKey());
      }
      return new Block(s, 0, s.capacity(), false);
    }
    Slab s = obtain(dtype, cap, (long) elements * dtype.itemSize());
    return new Block(s, 0, cap, false);
  }

  /** A new slab from the runtime; on failure empties the cache and retries once. */
  private Slab obtain(DType dtype, int elements, long requestedBytes) {
    long bytes = (long) elements * dtype.itemSize();
    for (int attempt = 0; ; attempt++) {
      try {
        if (reserved + bytes > runtime.totalMemory()) {
          throw new GpuOutOfMemoryError("device memory exhausted");
        }
        Slab s = runtime.allocate(dtype, elements);
        reserved += s.bytes();
        return s;
      } catch (GpuOutOfMemoryError e) {
        if (attempt == 0) {
          emptyCache();
          continue;
        }
        throw new GpuOutOfMemoryError(runtime.device() + " is out of memory: tried to allocate "
            + mib(requestedBytes) + " (a " + mib(bytes) + " " + dtype + " buffer); "
            + mib(allocated) + " allocated in live tensors, " + mib(reserved)
            + " reserved by Ember's allocator, " + mib(runtime.totalMemory())
            + " total (" + e.getMessage() + ")");
      }
    }
  }

  private void release(Slab s) {
    reserved -= s.bytes();
    runtime.free(s);
  }

  private List<ArrayDeque<Block>> classes(DType dtype) {
    return smallFree.computeIfAbsent(dtype, d -> {
      List<ArrayDeque<Block>> l = new ArrayList<>(CLASSES);
      for (int i = 0; i < CLASSES; i++) {
        l.add(new ArrayDeque<>());
      }
      return l;
    });
  }

  private static int classOf(int capacity) {
    return Integer.numberOfTrailingZeros(capacity);
  }

  private static String mib(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.2f MiB", bytes / (1024.0 * 1024.0));
  }
}
