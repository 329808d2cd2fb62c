package dev.ember.data;

import java.util.Arrays;
import java.util.PrimitiveIterator;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The order in which a loader visits dataset indices, epoch by epoch (PyTorch's {@code Sampler}).
 *
 * <p>{@link #indices(int)} is a pure function of the epoch (and the sampler's seed): random
 * samplers reshuffle every epoch and give the same sequence of orders on every run with the same
 * seed. Iterating the sampler itself ({@link #iterator()}) visits epoch 0, then 1, and so on, like
 * iterating a PyTorch sampler repeatedly; {@link #setEpoch} moves that counter (as {@code
 * DistributedSampler.set_epoch}). A {@link DataLoader} asks for its own epoch's indices directly.
 */
public abstract class Sampler implements Iterable<Integer> {
  private final AtomicInteger nextEpoch = new AtomicInteger();

  /** The number of indices per epoch. */
  public abstract int size();

  /**
   * The indices of {@code epoch}, {@link #size()} of them.
   *
   * @throws IllegalArgumentException if {@code epoch} is negative
   */
  public abstract int[] indices(int epoch);

  /** The epoch the next {@link #iterator()} visits. */
  public final int nextEpoch() {
    return nextEpoch.get();
  }

  /**
   * Sets the epoch the next {@link #iterator()} visits.
   *
   * @throws IllegalArgumentException if {@code epoch} is negative
   */
  public final void setEpoch(int epoch) {
    checkEpoch(epoch);
    nextEpoch.set(epoch);
  }

  /** The indices of the next epoch; each call advances the epoch. */
  @Override
  public PrimitiveIterator.OfInt iterator() {
    return Arrays.stream(indices(nextEpoch.getAndIncrement())).iterator();
  }

  static void checkEpoch(int epoch) {
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be non-negative, got " + epoch);
    }
  }

  static int[] toInts(long[] values) {
    int[] out = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (int) values[i];
    }
    return out;
  }
}
