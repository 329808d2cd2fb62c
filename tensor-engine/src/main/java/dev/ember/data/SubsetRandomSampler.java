package dev.ember.data;

import dev.ember.tensor.Tensor;

/**
 * The given indices in a random order, reshuffled every epoch (PyTorch's {@code
 * SubsetRandomSampler}): epoch e yields {@code indices[randperm(len)[i]]}, the permutation drawn
 * from {@link Seeds#forShuffle}{@code (seed, e)}.
 */
public final class SubsetRandomSampler extends Sampler {
  private final int[] indices;
  private final long seed;

  /** A sampler over {@code indices}, seeded from the default generator. */
  public SubsetRandomSampler(int[] indices) {
    this(indices, Seeds.fromDefault());
  }

  /** A sampler over {@code indices}. */
  public SubsetRandomSampler(int[] indices, long seed) {
    this.indices = indices.clone();
    this.seed = seed;
  }

  @Override
  public int size() {
    return indices.length;
  }

  @Override
  public int[] indices(int epoch) {
    checkEpoch(epoch);
    long[] perm = Tensor.randperm(indices.length, Seeds.forShuffle(seed, epoch)).toLongArray();
    int[] out = new int[indices.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = indices[(int) perm[i]];
    }
    return out;
  }
}
