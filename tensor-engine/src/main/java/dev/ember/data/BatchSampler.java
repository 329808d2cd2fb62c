package dev.ember.data;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Groups the indices of a {@link Sampler} into batches of {@code batchSize} (PyTorch's {@code
 * BatchSampler}); the last batch is smaller, or dropped with {@code dropLast}.
 *
 * <p>Iterating it visits epoch 0, then 1, and so on, like {@link Sampler}; a {@link DataLoader}
 * asks for its own epoch's batches with {@link #batches(int)}.
 */
public final class BatchSampler implements Iterable<int[]> {
  private final Sampler sampler;
  private final int batchSize;
  private final boolean dropLast;
  private final AtomicInteger nextEpoch = new AtomicInteger();

  /**
   * Batches of {@code sampler}'s indices.
   *
   * @throws IllegalArgumentException if {@code batchSize} is not positive
   */
  public BatchSampler(Sampler sampler, int batchSize, boolean dropLast) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException(
          "batch_size should be a positive integer value, but got batch_size=" + batchSize);
    }
    this.sampler = sampler;
    this.batchSize = batchSize;
    this.dropLast = dropLast;
  }

  /** The sampler whose indices are batched. */
  public Sampler sampler() {
    return sampler;
  }

  /** The batch size. */
  public int batchSize() {
    return batchSize;
  }

  /** Whether a last, smaller batch is dropped. */
  public boolean dropLast() {
    return dropLast;
  }

  /** The number of batches per epoch. */
  public int size() {
    int n = sampler.size();
    return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
  }

  /** The batches of {@code epoch}. */
  public List<int[]> batches(int epoch) {
    int[] idx = sampler.indices(epoch);
    int count = dropLast ? idx.length / batchSize : (idx.length + batchSize - 1) / batchSize;
    List<int[]> out = new ArrayList<>(count);
    for (int b = 0; b < count; b++) {
      int from = b * batchSize;
      int to = Math.min(idx.length, from + batchSize);
      int[] batch = new int[to - from];
      System.arraycopy(idx, from, batch, 0, batch.length);
      out.add(batch);
    }
    return out;
  }

  /** The epoch the next {@link #iterator()} visits. */
  public int nextEpoch() {
    return nextEpoch.get();
  }

  /** Sets the epoch the next {@link #iterator()} visits. */
  public void setEpoch(int epoch) {
    Sampler.checkEpoch(epoch);
    nextEpoch.set(epoch);
  }

  /** The batches of the next epoch; each call advances the epoch. */
  @Override
  public Iterator<int[]> iterator() {
    return batches(nextEpoch.getAndIncrement()).iterator();
  }
}
