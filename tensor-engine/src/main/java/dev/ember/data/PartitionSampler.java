package dev.ember.data;

import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * A partition's indices in a random order determined by (seed, epoch, partition): the same on
 * every run and every machine, different for each epoch and each partition. For data-parallel
 * training where each task owns one partition of the rows and must shuffle them reproducibly
 * without coordinating with the others.
 *
 * <p>Epoch e yields {@code indices[randperm(len)[i]]}, the permutation drawn from {@link
 * Seeds#forPartition}{@code (seed, e, partition)}.
 *
 * <p>With random transforms, give each partition's {@link DataLoader} its own seed too, e.g.
 * {@code .seed(Seeds.derive(seed, partition))}: the per-sample generators are keyed by the local
 * index, which repeats across partitions.
 */
public final class PartitionSampler extends Sampler {
  private final int[] indices;
  private final int partition;
  private final long seed;

  /**
   * A sampler over the local indices {@code 0 .. size - 1} of {@code partition}.
   *
   * @throws IllegalArgumentException if {@code size} or {@code partition} is negative
   */
  public PartitionSampler(int size, int partition, long seed) {
    this(range(size), partition, seed);
  }

  /**
   * A sampler over the given indices of {@code partition}.
   *
   * @throws IllegalArgumentException if {@code partition} is negative
   */
  public PartitionSampler(int[] indices, int partition, long seed) {
    if (partition < 0) {
      throw new IllegalArgumentException(
          "PartitionSampler: partition must be non-negative, got " + partition);
    }
    this.indices = indices.clone();
    this.partition = partition;
    this.seed = seed;
  }

  private static int[] range(int size) {
    if (size < 0) {
      throw new IllegalArgumentException(
          "PartitionSampler: size must be non-negative, got " + size);
    }
    int[] r = new int[size];
    for (int i = 0; i < size; i++) {
      r[i] = i;
    }
    return r;
  }

  /** The partition number. */
  public int partition() {
    return partition;
  }

  @Override
  public int size() {
    return indices.length;
  }

  @Override
  public int[] indices(int epoch) {
    checkEpoch(epoch);
    Generator gen = Seeds.forPartition(seed, epoch, partition);
    long[] perm = Tensor.randperm(indices.length, gen).toLongArray();
    int[] out = new int[indices.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = indices[(int) perm[i]];
    }
    return out;
  }
}
