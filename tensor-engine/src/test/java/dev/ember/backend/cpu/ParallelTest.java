package dev.ember.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class ParallelTest {

  /** Runs {@code r} with {@code threads} kernel threads, restoring the count afterwards. */
  private static void withThreads(int threads, Runnable r) {
    int saved = Parallel.numThreads();
    try {
      Parallel.setNumThreads(threads);
      r.run();
    } finally {
      Parallel.setNumThreads(saved);
    }
  }

  @Test
  void everyIndexRunsOnceInFixedContiguousChunks() {
    withThreads(3, () -> {
      for (int n : new int[] {1, 2, 3, 7, 64, 100, 1001}) {
        AtomicIntegerArray seen = new AtomicIntegerArray(n);
        List<int[]> ranges = Collections.synchronizedList(new ArrayList<>());
        Parallel.forRange(n, 2, (s, e) -> {
          ranges.add(new int[] {s, e});
          for (int i = s; i < e; i++) {
            seen.incrementAndGet(i);
          }
        });
        for (int i = 0; i < n; i++) {
          assertEquals(1, seen.get(i), "n=" + n + ", index " + i);
        }
        // min(threads, n / grain) chunks; the first n % chunks of them one index longer.
        int chunks = Math.min(3, Math.max(1, n / 2));
        ranges.sort((a, b) -> Integer.compare(a[0], b[0]));
        assertEquals(chunks, ranges.size(), "n=" + n);
        int start = 0;
        for (int c = 0; c < chunks; c++) {
          int len = n / chunks + (c < n % chunks ? 1 : 0);
          assertArrayEquals(new int[] {start, start + len}, ranges.get(c), "n=" + n + ", chunk " + c);
          start += len;
        }
      }
    });
  }

  @Test
  void theFirstFailureIsRethrownAfterEveryChunkHasRun() {
    withThreads(2, () -> {
      IllegalArgumentException boom = new IllegalArgumentException("boom");
      AtomicIntegerArray ran = new AtomicIntegerArray(2);
      IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class,
          () -> Parallel.forRange(100, 1, (s, e) -> {
            ran.set(s == 0 ? 0 : 1, 1);
            if (s == 0) {
              throw boom;
            }
          }));
      assertSame(boom, thrown);
      assertEquals(1, ran.get(0));
      assertEquals(1, ran.get(1));
      AssertionError error = new AssertionError("an Error");
      assertSame(error, assertThrows(AssertionError.class,
          () -> Parallel.forRange(100, 1, (s, e) -> {
            throw error;
          })));
    });
  }

  /**
   * While every pool thread is busy, a call from another thread runs all its chunks itself rather
   * than waiting for a pool thread (a core the JIT compiler holds must not stall a GEMM).
   */
  @Test
  void theCallerRunsTheChunksThatNoPoolThreadHasClaimed() throws Exception {
    withThreads(2, () -> {
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch blocked = new CountDownLatch(2);
      // A call whose chunk on a pool thread blocks until released; its caller's chunk returns
      // once a pool thread holds the other chunk, so the caller cannot claim both.
      Supplier<Runnable> blockOne = () -> {
        CountDownLatch entered = new CountDownLatch(1);
        return () -> Parallel.forRange(2, 1, (s, e) -> {
          try {
            if (Thread.currentThread() instanceof ForkJoinWorkerThread) {
              entered.countDown();
              blocked.countDown();
              release.await();
            } else {
              entered.await();
            }
          } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
          }
        });
      };
      // Two outside threads each hand one chunk to the pool: its two threads end up blocked.
      Thread a = new Thread(blockOne.get());
      Thread b = new Thread(blockOne.get());
      try {
        a.start();
        b.start();
        assertTrue(blocked.await(30, TimeUnit.SECONDS), "the pool's two threads did not block");
        ConcurrentHashMap<Thread, Boolean> ranOn = new ConcurrentHashMap<>();
        assertTimeoutPreemptively(Duration.ofSeconds(30),
            () -> Parallel.forRange(1000, 1, (s, e) -> ranOn.put(Thread.currentThread(), true)));
        // assertTimeoutPreemptively calls from a thread of its own, outside the pool.
        assertEquals(1, ranOn.size(), "threads that ran chunks: " + ranOn.keySet());
        assertFalse(ranOn.keySet().iterator().next() instanceof ForkJoinWorkerThread,
            "a pool thread ran a chunk");
      } catch (InterruptedException ex) {
        throw new AssertionError(ex);
      } finally {
        release.countDown();
        try {
          a.join();
          b.join();
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
        }
      }
    });
  }
}
