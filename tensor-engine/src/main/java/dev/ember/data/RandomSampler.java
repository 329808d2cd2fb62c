package dev.ember.data;

import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * Random indices in {@code [0, n)}, reshuffled every epoch (PyTorch's {@code RandomSampler}).
 *
 * <p>Without replacement an epoch is {@code numSamples / n} full permutations followed by the
 * first {@code numSamples % n} indices of one more; with replacement, {@code numSamples}
 * independent uniform draws. Epoch e draws from {@link Seeds#forShuffle}{@code (seed, e)}.
 */
public final class RandomSampler extends Sampler {
  private final int n;
  private final boolean replacement;
  private final int numSamples;
  private final long seed;

  /** A permutation of {@code [0, n)} per epoch, seeded from the default generator. */
  public RandomSampler(int n) {
    this(n, false, n, Seeds.fromDefault());
  }

  /** A permutation of {@code [0, n)} per epoch. */
  public RandomSampler(int n, long seed) {
    this(n, false, n, seed);
  }

  /**
   * A sampler of {@code numSamples} indices in {@code [0, n)} per epoch.
   *
   * @throws IllegalArgumentException if {@code numSamples} is not positive or {@code n} is
   *     negative
   */
  public RandomSampler(int n, boolean replacement, int numSamples, long seed) {
    if (n < 0) {
      throw new IllegalArgumentException("RandomSampler: size must be non-negative, got " + n);
    }
    if (numSamples <= 0) {
      throw new IllegalArgumentException(
          "num_samples should be a positive integer value, but got num_samples=" + numSamples);
    }
    if (n == 0) {
      throw new IllegalArgumentException(
          "RandomSampler: cannot draw " + numSamples + " samples from an empty dataset");
    }
    this.n = n;
    this.replacement = replacement;
    this.numSamples = numSamples;
    this.seed = seed;
  }

  /** The seed the epochs' generators derive from. */
  public long seed() {
    return seed;
  }

  /** Whether indices are drawn with replacement. */
  public boolean replacement() {
    return replacement;
  }

  @Override
  public int size() {
    return numSamples;
  }

  @Override
  public int[] indices(int epoch) {
    checkEpoch(epoch);
    Generator gen = Seeds.forShuffle(seed, epoch);
    if (replacement) {
      return toInts(Tensor.randint(gen, 0, n, DType.INT64, Device.CPU, numSamples).toLongArray());
    }
    int[] out = new int[numSamples];
    int filled = 0;
    while (filled < numSamples) {
      long[] perm = Tensor.randperm(n, gen).toLongArray();
      int take = Math.min(n, numSamples - filled);
      for (int i = 0; i < take; i++) {
        out[filled + i] = (int) perm[i];
      }
      filled += take;
    }
    return out;
  }
}
