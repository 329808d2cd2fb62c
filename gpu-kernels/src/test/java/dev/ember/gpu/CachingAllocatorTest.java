package dev.ember.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The caching allocator over a runtime that only hands out and takes back slabs. */
class CachingAllocatorTest {

  /** A runtime with a memory limit that records the slabs it allocates and frees. */
  private static final class SlabRuntime implements GpuRuntime {
    final long total;
    final List<Slab> live = new ArrayList<>();
    int allocations;
    int frees;

    SlabRuntime(long total) {
      this.total = total;
    }

    @Override
    public Device device() {
      return Device.of("opencl", 7);
    }

    @Override
    public String describe() {
      return "opencl:7 (test)";
    }

    @Override
    public long totalMemory() {
      return total;
    }

    @Override
    public int maxLocalSize() {
      return 256;
    }

    @Override
    public Slab allocate(DType dtype, int elements) {
      long used = live.stream().mapToLong(Slab::bytes).sum();
      if (used + (long) elements * dtype.itemSize() > total) {
        throw new GpuOutOfMemoryError("test runtime is full");
      }
      Slab s = new Slab(new Object(), dtype, elements);
      live.add(s);
      allocations++;
      return s;
    }

    @Override
    public void free(Slab slab) {
      assertTrue(live.remove(slab), "freed a slab twice or one never allocated");
      frees++;
    }

    @Override
    public void write(Slab slab, int offset, Object src, int srcOffset, int count) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void read(Slab slab, int offset, Object dst, int dstOffset, int count) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void launch(String family, String kernel, int global, int local, Object... args) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void synchronize() {}
  }

  @Test
  void smallBlocksShareASlabAndRoundUpToAPowerOfTwo() {
    SlabRuntime rt = new SlabRuntime(1L << 30);
    CachingAllocator a = new CachingAllocator(rt);
    CachingAllocator.Block b1 = a.allocate(DType.FLOAT32, 100);
    CachingAllocator.Block b2 = a.allocate(DType.FLOAT32, 1);
    CachingAllocator.Block b3 = a.allocate(DType.FLOAT32, 0);
    assertEquals(128, b1.capacity());
    assertEquals(CachingAllocator.MIN_BLOCK, b2.capacity());
    assertEquals(CachingAllocator.MIN_BLOCK, b3.capacity());
    assertSame(b1.slab(), b2.slab());
    assertEquals(128, b2.offset());
    assertEquals(1, rt.allocations);
    assertEquals((128 + 64 + 64) * 4L, a.memoryAllocated());
    assertEquals(CachingAllocator.SMALL_SLAB * 4L, a.memoryReserved());
  }

  @Test
  void aFreedBlockIsReusedByTheNextRequestOfItsClass() {
    CachingAllocator a = new CachingAllocator(new SlabRuntime(1L << 30));
    CachingAllocator.Block b = a.allocate(DType.INT64, 1000);
    a.free(b);
    assertEquals(0, a.memoryAllocated());
    CachingAllocator.Block again = a.allocate(DType.INT64, 600);
    assertEquals(b, again);
    assertNotSame(b.slab(), a.allocate(DType.FLOAT64, 600).slab(), "slabs hold one dtype");
  }

  /**
   * A small block of the largest class (2^17 + 1 .. 2^18 elements: capacity 2^18, as a large
   * block of 2^18 has) goes back to its class when freed, not to the large cache as a whole slab
   * that other live blocks share: once that handed the shared slab out to two large tensors at
   * once, and an LSTM over a batch of 1,000 on OpenCL computed garbage.
   */
  @Test
  void aFreedSmallBlockOfTheLargestClassStaysInItsSharedSlab() {
    CachingAllocator a = new CachingAllocator(new SlabRuntime(1L << 32));
    CachingAllocator.Block neighbour = a.allocate(DType.FLOAT32, 1000);
    CachingAllocator.Block top = a.allocate(DType.FLOAT32, (1 << 17) + 1);
    assertEquals(CachingAllocator.SMALL_LIMIT, top.capacity());
    assertSame(neighbour.slab(), top.slab());
    a.free(top);
    int large = CachingAllocator.SMALL_SLAB - 1000;
    CachingAllocator.Block first = a.allocate(DType.FLOAT32, large);
    CachingAllocator.Block second = a.allocate(DType.FLOAT32, large);
    assertNotSame(neighbour.slab(), first.slab(), "a shared slab handed out as a large block");
    assertNotSame(first.slab(), second.slab(), "two live large blocks in one slab");
    assertEquals(top, a.allocate(DType.FLOAT32, (1 << 17) + 5), "the freed block is reused");
  }

  @Test
  void largeBlocksHaveTheirOwnSlabAndAreReusedUpToTwiceTheRequest() {
    SlabRuntime rt = new SlabRuntime(1L << 32);
    CachingAllocator a = new CachingAllocator(rt);
    int big = CachingAllocator.SMALL_LIMIT * 3;
    CachingAllocator.Block b = a.allocate(DType.FLOAT32, big);
    assertEquals(0, b.offset());
    assertEquals(big, b.slab().capacity());
    a.free(b);
    assertSame(b.slab(), a.allocate(DType.FLOAT32, big - 5).slab(), "reused");
    CachingAllocator.Block small = a.allocate(DType.FLOAT32, CachingAllocator.SMALL_LIMIT);
    assertNotSame(b.slab(), small.slab());
    a.free(small);
    assertNotSame(small.slab(), a.allocate(DType.FLOAT32, big * 3).slab(),
        "a cached slab under half the request is not handed out");
    assertEquals(3, rt.allocations);
  }

  @Test
  void emptyCacheFreesOnlySlabsWithoutLiveBlocks() {
    SlabRuntime rt = new SlabRuntime(1L << 32);
    CachingAllocator a = new CachingAllocator(rt);
    CachingAllocator.Block keep = a.allocate(DType.FLOAT32, 10);
    CachingAllocator.Block drop = a.allocate(DType.INT32, 10);
    CachingAllocator.Block large = a.allocate(DType.FLOAT32, CachingAllocator.SMALL_LIMIT);
    a.free(drop);
    a.free(large);
    a.emptyCache();
    assertEquals(List.of(keep.slab()), rt.live);
    assertEquals(keep.slab().bytes(), a.memoryReserved());
    assertEquals(keep.capacity() * 4L, a.memoryAllocated());
    assertEquals(2, rt.frees);
    CachingAllocator.Block again = a.allocate(DType.INT32, 10);
    assertNotSame(drop.slab(), again.slab(), "no block of a freed slab stays in the free lists");
  }

  @Test
  void outOfMemoryEmptiesTheCacheRetriesOnceThenNamesTheFigures() {
    long total = CachingAllocator.SMALL_LIMIT * 4L * 3;
    SlabRuntime rt = new SlabRuntime(total);
    CachingAllocator a = new CachingAllocator(rt);
    CachingAllocator.Block first = a.allocate(DType.FLOAT32, CachingAllocator.SMALL_LIMIT * 2);
    a.free(first);
    // Only fits once the cached slab is given back.
    CachingAllocator.Block second = a.allocate(DType.FLOAT32, CachingAllocator.SMALL_LIMIT * 2 + 7);
    assertEquals(1, rt.frees);
    GpuOutOfMemoryError e = assertThrows(GpuOutOfMemoryError.class,
        () -> a.allocate(DType.FLOAT32, CachingAllocator.SMALL_LIMIT * 2));
    assertTrue(e.getMessage().contains("opencl:7 is out of memory: tried to allocate 2.00 MiB"),
        e.getMessage());
    // The live block is the request rounded up to the large-block granule: 2.25 MiB.
    assertEquals(CachingAllocator.SMALL_LIMIT * 2 + CachingAllocator.LARGE_ROUND, second.capacity());
    assertTrue(e.getMessage().contains(
        "2.25 MiB allocated in live tensors, 2.25 MiB reserved by Ember's allocator, 3.00 MiB total"),
        e.getMessage());
  }

  @Test
  void peakTracksTheMostEverAllocated() {
    CachingAllocator a = new CachingAllocator(new SlabRuntime(1L << 30));
    CachingAllocator.Block b = a.allocate(DType.FLOAT64, 1024);
    a.free(b);
    a.allocate(DType.FLOAT64, 64);
    assertEquals(1024 * 8L, a.maxMemoryAllocated());
    a.resetPeak();
    assertEquals(64 * 8L, a.maxMemoryAllocated());
    assertThrows(IllegalArgumentException.class, () -> a.allocate(DType.FLOAT32, -1));
  }
}
