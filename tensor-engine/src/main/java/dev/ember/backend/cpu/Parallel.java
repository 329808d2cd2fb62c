package dev.ember.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

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
   * <p>The chunks are fixed by {@code n} and the thread count; which thread runs each is not.
   * The calling thread and the pool's threads claim chunks one at a time, so when a pool thread
   * is slow to start (on a small machine the JIT compiler or another process may hold its core)
   * the caller runs the chunk itself instead of waiting for it.
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
    Job job = new Job(n, chunks, body);
    ForkJoinPool p = pool();
    for (int c = 1; c < chunks; c++) {
      p.execute(job::claimAll);
    }
    job.claimAll();
    job.await();
  }

  /**
   * One {@link #forRange} call: its chunks, the next one to claim, the number finished, and the
   * first failure. The first {@code n % chunks} chunks have one index more than the others.
   */
  private static final class Job {
    private final int n;
    private final int chunks;
    private final RangeBody body;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger finished = new AtomicInteger();
    private final Thread caller = Thread.currentThread();
    private volatile Throwable failure;

    Job(int n, int chunks, RangeBody body) {
      this.n = n;
      this.chunks = chunks;
      this.body = body;
    }

    private int start(int c) {
      int per = n / chunks;
      int rem = n % chunks;
      return c * per + Math.min(c, rem);
    }

    /** Runs chunks until none is left to claim. */
    void claimAll() {
      for (int c; (c = next.getAndIncrement()) < chunks; ) {
        try {
          body.run(start(c), start(c + 1));
        } catch (Throwable t) {
          if (failure == null) {
            failure = t;
          }
        } finally {
          if (finished.incrementAndGet() == chunks && Thread.currentThread() != caller) {
            LockSupport.unpark(caller);
          }
        }
      }
    }

    /** Waits (on the caller) until every chunk has run; rethrows the first failure. */
    void await() {
      for (int spins = 0; finished.get() < chunks; spins++) {
        if (spins < 1000) {
          Thread.onSpinWait();
        } else {
          LockSupport.park(this);
        }
      }
      Throwable t = failure;
      if (t instanceof RuntimeException e) {
        throw e;
      } else if (t instanceof Error e) {
        throw e;
      } else if (t != null) {
        throw new IllegalStateException(t);
      }
    }
  }

  private static boolean isOurs() {
    return Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == pool;
  }
}
