package dev.ember.data;

import dev.ember.tensor.Tensor;
import java.lang.ref.Cleaner;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Batches of a {@link Dataset}, epoch after epoch, like PyTorch's {@code DataLoader}: batching,
 * seeded shuffling (a new order every epoch), samplers, collation, and background workers.
 *
 * <pre>{@code
 * var loader = DataLoader.builder(new TensorDataset(images, labels))
 *     .batchSize(128).shuffle(true).seed(1).numWorkers(2).build();
 * for (int epoch = 0; epoch < 5; epoch++) {
 *   for (Tensor[] batch : loader) {   // each for-each is the next epoch
 *     Tensor x = batch[0], y = batch[1];
 *     ...
 *   }
 * }
 * }</pre>
 *
 * <p><b>Epochs.</b> Every {@link #iterator()} starts the next epoch (0, 1, 2, ...; {@link
 * #setEpoch} moves the counter, e.g. to resume). The batches of epoch e are a pure function of
 * (seed, e): the sampler's order for e, and for each item the generator {@link
 * Seeds#forSample}{@code (seed, e, index)} that its random transforms draw from. So a rerun with
 * the same seed sees the same batches, and the number of workers changes nothing but speed.
 *
 * <p><b>Collation.</b> By default items are collated by {@link Collate#defaultCollate} into a
 * {@code Tensor[]}; when the dataset {@linkplain Dataset#supportsBatchFetch() offers a batch
 * fetch} (a {@link TensorDataset} does), the loader calls {@link Dataset#getBatch} instead, which
 * never stacks per-item tensors. A custom collate ({@link Builder#collate}) receives the items.
 *
 * <p><b>Workers.</b> With {@code numWorkers > 0}, each iterator runs that many daemon threads
 * which fetch and collate batches ahead of the consumer, at most {@code numWorkers *
 * prefetchFactor} batches in flight, delivered in order. A failure in a worker is rethrown by
 * {@link Iterator#next()} as a {@link DataLoaderException} naming the batch, epoch, indices and
 * thread. The threads stop when the epoch is exhausted, when the iterator is {@linkplain
 * BatchIterator#close() closed} (use try-with-resources to stop an epoch early), and, as a safety
 * net, when an abandoned iterator is garbage collected. Batches made by workers belong to no
 * {@link dev.ember.tensor.Scope} (the garbage collector frees them); with {@code numWorkers = 0}
 * they belong to the scope open on the consumer's thread at {@code next()}.
 *
 * @param <T> the item type of the dataset
 * @param <B> the batch type
 */
public final class DataLoader<T, B> implements Iterable<B> {
  private static final Cleaner CLEANER = Cleaner.create();
  private static final AtomicInteger IDS = new AtomicInteger();
  private static final int MAX_INDICES_SHOWN = 16;

  private final Dataset<T> dataset;
  private final BatchSampler batchSampler;
  private final Function<? super List<T>, ? extends B> collate;
  private final Function<int[], ? extends B> batchFetch;
  private final int numWorkers;
  private final int prefetchFactor;
  private final long seed;
  private final int id = IDS.incrementAndGet();
  private final AtomicInteger nextEpoch = new AtomicInteger();

  private DataLoader(Builder<T, B> b, BatchSampler batchSampler, long seed) {
    this.dataset = b.dataset;
    this.batchSampler = batchSampler;
    this.collate = b.collate;
    this.batchFetch = b.batchFetch;
    this.numWorkers = b.numWorkers;
    this.prefetchFactor = b.prefetchFactor == null ? 2 : b.prefetchFactor;
    this.seed = seed;
  }

  /**
   * A builder for a loader over {@code dataset} with PyTorch's defaults: batch size 1, no
   * shuffle, default collation into {@code Tensor[]}, no workers, prefetch factor 2.
   */
  public static <T> Builder<T, Tensor[]> builder(Dataset<T> dataset) {
    Function<int[], Tensor[]> fetch = dataset.supportsBatchFetch() ? dataset::getBatch : null;
    return new Builder<>(dataset, Collate::defaultCollate, fetch);
  }

  /** The dataset. */
  public Dataset<T> dataset() {
    return dataset;
  }

  /** The batch sampler that gives each epoch's batches of indices. */
  public BatchSampler batchSampler() {
    return batchSampler;
  }

  /** The number of worker threads (0: batches are made on the consumer's thread). */
  public int numWorkers() {
    return numWorkers;
  }

  /** The batches each worker may have in flight. */
  public int prefetchFactor() {
    return prefetchFactor;
  }

  /** The seed of the shuffle and of the per-sample generators. */
  public long seed() {
    return seed;
  }

  /** The number of batches per epoch (PyTorch's {@code len(loader)}). */
  public int numBatches() {
    return batchSampler.size();
  }

  /** The number of batches per epoch; the same as {@link #numBatches()}. */
  public int len() {
    return numBatches();
  }

  /** The epoch the next {@link #iterator()} starts. */
  public int nextEpoch() {
    return nextEpoch.get();
  }

  /**
   * Sets the epoch the next {@link #iterator()} starts.
   *
   * @throws IllegalArgumentException if {@code epoch} is negative
   */
  public void setEpoch(int epoch) {
    Sampler.checkEpoch(epoch);
    nextEpoch.set(epoch);
  }

  /** Starts the next epoch: an iterator over its batches. */
  @Override
  public BatchIterator<B> iterator() {
    return new BatchIterator<>(this, nextEpoch.getAndIncrement());
  }

  /** The prefix of this loader's worker thread names (tests look for leaked threads by it). */
  String threadPrefix() {
    return "ember-data-" + id + "-";
  }

  /** Batch {@code indices} of {@code epoch}, on the calling thread. */
  B fetch(int[] indices, int epoch) {
    if (batchFetch != null) {
      return batchFetch.apply(indices);
    }
    List<T> items = new ArrayList<>(indices.length);
    for (int i : indices) {
      items.add(dataset.get(i, Seeds.forSample(seed, epoch, i)));
    }
    return collate.apply(items);
  }

  static String describe(int batch, int epoch, int[] indices) {
    StringBuilder sb = new StringBuilder();
    sb.append("batch ").append(batch).append(" of epoch ").append(epoch);
    sb.append(" (dataset indices [");
    for (int i = 0; i < Math.min(indices.length, MAX_INDICES_SHOWN); i++) {
      sb.append(i == 0 ? "" : ", ").append(indices[i]);
    }
    if (indices.length > MAX_INDICES_SHOWN) {
      sb.append(", ... ").append(indices.length - MAX_INDICES_SHOWN).append(" more");
    }
    return sb.append("])").toString();
  }

  /** Fetches a batch, wrapping a failure in an exception that names it and the thread. */
  static <B> B fetchNamed(DataLoader<?, B> loader, int[] indices, int epoch, int batch) {
    try {
      return loader.fetch(indices, epoch);
    } catch (RuntimeException | Error e) {
      throw new DataLoaderException(
          describe(batch, epoch, indices) + " failed in thread " + Thread.currentThread().getName()
              + ": " + e,
          e);
    }
  }

  /**
   * The batches of one epoch, in order. Closing it (or exhausting it) stops its worker threads.
   *
   * @param <B> the batch type
   */
  public static final class BatchIterator<B> implements Iterator<B>, AutoCloseable {
    private final DataLoader<?, B> loader;
    private final int epoch;
    private final List<int[]> batches;
    private final ExecutorService pool;
    /** The pool's threads, so that close() can wait until every one has ended. */
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final Cleaner.Cleanable cleanable;
    private final ArrayDeque<Future<B>> inFlight = new ArrayDeque<>();
    private int position;
    private int submitted;
    private boolean closed;

    BatchIterator(DataLoader<?, B> loader, int epoch) {
      this.loader = loader;
      this.epoch = epoch;
      this.batches = loader.batchSampler.batches(epoch);
      if (loader.numWorkers > 0 && !batches.isEmpty()) {
        pool = newPool(loader.threadPrefix() + "e" + epoch + "-w", loader.numWorkers, threads);
        // The cleaning action holds the pool only, so an abandoned iterator stays collectable.
        cleanable = CLEANER.register(this, new Shutdown(pool));
        int window = loader.numWorkers * loader.prefetchFactor;
        while (submitted < batches.size() && submitted < window) {
          submitNext();
        }
      } else {
        pool = null;
        cleanable = null;
      }
    }

    private static ExecutorService newPool(String prefix, int size, List<Thread> threads) {
      AtomicInteger count = new AtomicInteger();
      ThreadFactory factory = r -> {
        Thread t = new Thread(r, prefix + count.getAndIncrement());
        t.setDaemon(true);
        threads.add(t);
        return t;
      };
      return new ThreadPoolExecutor(
          size, size, 0L, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), factory);
    }

    private void submitNext() {
      inFlight.add(pool.submit(task(loader, batches.get(submitted), epoch, submitted)));
      submitted++;
    }

    /** A task that references the loader, never this iterator. */
    private static <B> Callable<B> task(
        DataLoader<?, B> loader, int[] indices, int epoch, int batch) {
      return () -> fetchNamed(loader, indices, epoch, batch);
    }

    /** The epoch this iterator visits. */
    public int epoch() {
      return epoch;
    }

    /** The number of batches of this epoch. */
    public int size() {
      return batches.size();
    }

    @Override
    public boolean hasNext() {
      return !closed && position < batches.size();
    }

    /**
     * The next batch.
     *
     * @throws NoSuchElementException if the epoch is exhausted or the iterator closed
     * @throws DataLoaderException if the batch could not be made (the iterator is then closed)
     */
    @Override
    public B next() {
      if (!hasNext()) {
        throw new NoSuchElementException(
            closed && position < batches.size()
                ? "the iterator of epoch " + epoch + " was closed"
                : "epoch " + epoch + " has no more batches (" + batches.size() + ")");
      }
      int batch = position;
      B out;
      try {
        if (pool == null) {
          out = fetchNamed(loader, batches.get(batch), epoch, batch);
        } else {
          out = await(inFlight.poll(), batch);
          if (submitted < batches.size()) {
            submitNext();
          }
        }
      } catch (RuntimeException | Error e) {
        close();
        throw e;
      }
      position++;
      if (position == batches.size()) {
        close();
      }
      return out;
    }

    private B await(Future<B> future, int batch) {
      try {
        return future.get();
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof DataLoaderException) {
          // A new exception, so that the consumer's stack is in the trace too; the worker's is in
          // the cause.
          throw new DataLoaderException(cause.getMessage(), cause.getCause());
        }
        throw new DataLoaderException(
            describe(batch, epoch, batches.get(batch)) + " failed: " + cause, cause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DataLoaderException(
            "interrupted while waiting for " + describe(batch, epoch, batches.get(batch)), e);
      }
    }

    /**
     * Stops this epoch: its workers are interrupted and this method waits until their threads
     * have ended (a worker finishes the batch it is making first). Idempotent.
     */
    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      inFlight.clear();
      if (pool != null) {
        cleanable.clean();
        // Joined rather than awaitTermination: the pool terminates a moment before its last
        // thread has returned, and no thread may outlive close().
        for (Thread t : threads) {
          try {
            t.join();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }
  }

  /** The cleaning action of an iterator: stops its pool. */
  private static final class Shutdown implements Runnable {
    private final ExecutorService pool;

    Shutdown(ExecutorService pool) {
      this.pool = pool;
    }

    @Override
    public void run() {
      pool.shutdownNow();
    }
  }

  /**
   * Configures a {@link DataLoader}; every option has PyTorch's name and default.
   *
   * @param <T> the item type
   * @param <B> the batch type
   */
  public static final class Builder<T, B> {
    private final Dataset<T> dataset;
    private final Function<? super List<T>, ? extends B> collate;
    private final Function<int[], ? extends B> batchFetch;
    private Integer batchSize;
    private boolean shuffle;
    private Long seed;
    private Sampler sampler;
    private BatchSampler batchSampler;
    private boolean dropLast;
    private int numWorkers;
    private Integer prefetchFactor;

    Builder(
        Dataset<T> dataset,
        Function<? super List<T>, ? extends B> collate,
        Function<int[], ? extends B> batchFetch) {
      this.dataset = dataset;
      this.collate = collate;
      this.batchFetch = batchFetch;
    }

    /** Items per batch (default 1). */
    public Builder<T, B> batchSize(int batchSize) {
      if (batchSize <= 0) {
        throw new IllegalArgumentException(
            "batch_size should be a positive integer value, but got batch_size=" + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    /** Whether to visit the items in a new random order every epoch (default false). */
    public Builder<T, B> shuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    /**
     * The seed of the shuffle and of per-sample random transforms (default: 64 bits drawn from
     * {@link dev.ember.tensor.Generator#getDefault()} when the loader is built).
     */
    public Builder<T, B> seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The order of indices, instead of {@code shuffle} (mutually exclusive with it). */
    public Builder<T, B> sampler(Sampler sampler) {
      this.sampler = sampler;
      return this;
    }

    /**
     * The batches of indices, instead of {@code batchSize}, {@code shuffle}, {@code sampler} and
     * {@code dropLast} (mutually exclusive with all of them).
     */
    public Builder<T, B> batchSampler(BatchSampler batchSampler) {
      this.batchSampler = batchSampler;
      return this;
    }

    /** Whether to drop a last batch smaller than the batch size (default false). */
    public Builder<T, B> dropLast(boolean dropLast) {
      this.dropLast = dropLast;
      return this;
    }

    /**
     * Worker threads that prefetch batches (default 0: batches are made on the consumer's
     * thread).
     */
    public Builder<T, B> numWorkers(int numWorkers) {
      if (numWorkers < 0) {
        throw new IllegalArgumentException(
            "num_workers option should be non-negative; use num_workers=0 to disable workers, got "
                + numWorkers);
      }
      this.numWorkers = numWorkers;
      return this;
    }

    /** Batches in flight per worker (default 2; only with workers). */
    public Builder<T, B> prefetchFactor(int prefetchFactor) {
      if (prefetchFactor < 1) {
        throw new IllegalArgumentException(
            "prefetch_factor must be positive, got " + prefetchFactor);
      }
      this.prefetchFactor = prefetchFactor;
      return this;
    }

    /**
     * A custom collate function that turns the list of a batch's items into a batch. The dataset's
     * batch fetch is then not used.
     */
    public <C> Builder<T, C> collate(Function<? super List<T>, ? extends C> collate) {
      Builder<T, C> b = new Builder<>(dataset, collate, null);
      b.batchSize = batchSize;
      b.shuffle = shuffle;
      b.seed = seed;
      b.sampler = sampler;
      b.batchSampler = batchSampler;
      b.dropLast = dropLast;
      b.numWorkers = numWorkers;
      b.prefetchFactor = prefetchFactor;
      return b;
    }

    /**
     * The loader.
     *
     * @throws IllegalArgumentException if options conflict (as in PyTorch: {@code batchSampler}
     *     with {@code batchSize}, {@code shuffle}, {@code sampler} or {@code dropLast}; {@code
     *     sampler} with {@code shuffle}; {@code prefetchFactor} without workers), or shuffling an
     *     empty dataset
     */
    public DataLoader<T, B> build() {
      if (batchSampler != null
          && ((batchSize != null && batchSize != 1) || shuffle || sampler != null || dropLast)) {
        throw new IllegalArgumentException(
            "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and"
                + " drop_last");
      }
      if (sampler != null && shuffle) {
        throw new IllegalArgumentException("sampler option is mutually exclusive with shuffle");
      }
      if (prefetchFactor != null && numWorkers == 0) {
        throw new IllegalArgumentException(
            "prefetch_factor option could only be specified with workers: let num_workers > 0");
      }
      long s = seed != null ? seed : Seeds.fromDefault();
      BatchSampler bs = batchSampler;
      if (bs == null) {
        int n = dataset.size();
        Sampler smp = sampler != null
            ? sampler
            : shuffle ? new RandomSampler(n, false, n, s) : new SequentialSampler(n);
        bs = new BatchSampler(smp, batchSize == null ? 1 : batchSize, dropLast);
      }
      return new DataLoader<>(this, bs, s);
    }
  }
}
