package dev.ember.data;

import dev.ember.tensor.Generator;
import dev.ember.tensor.Philox;

/**
 * Deterministic derivation of independent random streams from one seed, so that shuffles and
 * augmentations depend on (seed, epoch, index) only, never on thread timing or the number of
 * workers.
 *
 * <p>{@code derive(seed, p1, p2, ...)} chains Philox4x32-10 as a keyed pseudo-random function:
 * starting from {@code k = seed}, each path element {@code p} maps {@code k} to the first two
 * 32-bit words of Philox block {@code p} under key {@code k} ({@code k = w0 << 32 | w1}). The
 * result seeds a fresh {@link Generator} at offset 0. The first path element names the stream, so
 * that the streams below never share a key by construction:
 *
 * <table>
 *   <caption>streams</caption>
 *   <tr><th>stream</th><th>path</th><th>used by</th></tr>
 *   <tr><td>shuffle</td><td>{@code (1, epoch)}</td><td>{@link RandomSampler}, {@link
 *       SubsetRandomSampler}, {@link WeightedRandomSampler}</td></tr>
 *   <tr><td>sample</td><td>{@code (2, epoch, index)}</td><td>per-sample random transforms in a
 *       {@link DataLoader}</td></tr>
 *   <tr><td>partition</td><td>{@code (3, epoch, partition)}</td><td>{@link
 *       PartitionSampler}</td></tr>
 * </table>
 */
public final class Seeds {
  static final long SHUFFLE = 1;
  static final long SAMPLE = 2;
  static final long PARTITION = 3;

  private Seeds() {}

  /** The seed derived from {@code seed} along {@code path} (see the class comment). */
  public static long derive(long seed, long... path) {
    long k = seed;
    int[] w = new int[4];
    for (long p : path) {
      Philox.block(k, p, w);
      k = ((long) w[0] << 32) | (w[1] & 0xFFFFFFFFL);
    }
    return k;
  }

  /** The generator of a sampler's shuffle in {@code epoch}: path {@code (1, epoch)}. */
  public static Generator forShuffle(long seed, int epoch) {
    return new Generator(derive(seed, SHUFFLE, epoch));
  }

  /**
   * The generator that random transforms of dataset item {@code index} draw from in {@code epoch}:
   * path {@code (2, epoch, index)}.
   */
  public static Generator forSample(long seed, int epoch, int index) {
    return new Generator(derive(seed, SAMPLE, epoch, index));
  }

  /** The generator of a partition's shuffle in {@code epoch}: path (3, epoch, partition). */
  public static Generator forPartition(long seed, int epoch, int partition) {
    return new Generator(derive(seed, PARTITION, epoch, partition));
  }

  /**
   * 64 random bits drawn from {@link Generator#getDefault()}: the seed of a sampler or loader built
   * without one, so {@link Generator#manualSeed} before building makes a run reproducible.
   */
  public static long fromDefault() {
    return Generator.getDefault().nextLong();
  }
}
