package dev.ember.backend.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;

/**
 * The CPU backend's thread pool and its one loop primitive, {@link #forRange}.
 *
 * <p>The number of threads defaults to the available processors and can be set with the system
 * property {@code ember.cpu.threads} or {@link #setNumThreads(int)}. Work smaller than the grain
 * runs on the calling thread, so small tensors never pay for a hand-off.
 */
public final class Parallel {

  /** A body of work over the half-open range {@code [start, end)}. */
  @FunctionalInterface
  public interface RangeBody {
    /** Runs the work for indices {@code start} (inclusive) to {@code end} (exclusive). */
    void run(int start, int end);
  }

  private static volatile ForkJoinPool pool;
  private static volatile int numThreads = defaultThreads();

  private Parallel() {}

  private static int defaultThreads() {
    String prop = System.getProperty("ember.cpu.threads");
    if (prop != null && !prop.isBlank()) {
      int n = Integer.parseInt(prop.trim());
      if (n < 1) {
        throw new IllegalArgumentException("ember.cpu.threads must be >= 1, got " + n);
      }
      return n;
    }
    return Runtime.getRuntime().availableProcessors();
  }

  /** The number of threads CPU kernels use. */
  public static int numThreads() {
    return numThreads;
  }

  /**
   * Sets the number of threads CPU kernels use (like {@code torch.set_num_threads}).
   *
   * @throws IllegalArgumentException if {@code n < 1}
   */
  public static synchronized void setNumThreads(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("number of threads must be >= 1, got " + n);
    }
    if (n != numThreads) {
      ForkJoinPool old = pool;
      pool = null;
      numThreads = n;
      if (old != null) {
        old.shutdown();
      }
    }
  }

  private static ForkJoinPool pool() {
    ForkJoinPool p = pool;
    if (p == null) {
      synchronized (Parallel.class) {
        p = pool;
        if (p == null) {
          p = new ForkJoinPool(numThreads, Parallel::newThread, null, false);
          pool = p;
        }
      }
    }
    return p;
  }

  private static ForkJoinWorkerThread newThread(ForkJoinPool p) {
    ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
    t.setName("ember-cpu-" + t.getPoolIndex());
    t.setDaemon(true);
    return t;
  }

  /**
   * Runs {@code body} over {@code [0, n)} split into at most {@link #numThreads()} contiguous
   * chunks of at least {@code grain} indices each; returns when all chunks are done.
   *
   * <p>Called from inside a pool thread (nested parallelism), the whole range runs on the caller.
   */
  public static void forRange(int n, int grain, RangeBody body) {
    if (n <= 0) {
      return;
    }
    int threads = numThreads;
    int chunks = (int) Math.min(threads, Math.max(1L, (long) n / Math.max(1, grain)));
    if (chunks <= 1 || ForkJoinTask.inForkJoinPool() && isOurs()) {
      body.run(0, n);
      return;
    }
    ForkJoinPool p = pool();
    List<ForkJoinTask<?>> tasks = new ArrayList<>(chunks - 1);
    long per = (long) n / chunks;
    long rem = (long) n % chunks;
    int start = 0;
    int[] bounds = new int[chunks + 1];
    for (int c = 0; c < chunks; c++) {
      bounds[c] = start;
      start += (int) (per + (c < rem ? 1 : 0));
    }
    bounds[chunks] = n;
    for (int c = 1; c < chunks; c++) {
      final int s = bounds[c];
      final int e = bounds[c + 1];
      tasks.add(p.submit(() -> body.run(s, e)));
    }
    RuntimeException first = null;
    try {
      body.run(bounds[0], bounds[1]);
    } catch (RuntimeException ex) {
      first = ex;
    }
    for (ForkJoinTask<?> t : tasks) {
      try {
        t.join();
      } catch (RuntimeException ex) {
        if (first == null) {
          first = ex;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private static boolean isOurs() {
    return Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == pool;
  }
}
