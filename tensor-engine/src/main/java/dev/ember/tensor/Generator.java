package dev.ember.tensor;

/**
 * A seedable source of random numbers for tensor creation (rand, randn, randint, bernoulli,
 * randperm), dropout and initialization.
 *
 * <p>Counter based (Philox4x32-10, as PyTorch's CUDA generator): the state is a 64-bit seed and a
 * 64-bit offset counting the 128-bit blocks consumed, so every backend draws the same numbers for
 * the same state and the state is two longs ({@link #state()}, {@link #setState}). Thread-safe:
 * each draw reserves its blocks atomically.
 */
public final class Generator {
  private static final Generator DEFAULT = new Generator(defaultSeed());

  private long seed;
  private long offset;

  /** A generator with the given seed. */
  public Generator(long seed) {
    this.seed = seed;
  }

  private static long defaultSeed() {
    String prop = System.getProperty("ember.seed");
    return prop == null ? 67280421310721L : Long.parseLong(prop.trim());
  }

  /** The global generator used when none is given. */
  public static Generator getDefault() {
    return DEFAULT;
  }

  /** Seeds the global generator (like {@code torch.manual_seed}) and returns it. */
  public static Generator manualSeed(long seed) {
    return DEFAULT.seed(seed);
  }

  /** Resets this generator to {@code seed} at offset 0; returns this. */
  public synchronized Generator seed(long seed) {
    this.seed = seed;
    this.offset = 0;
    return this;
  }

  /** The seed this generator was last seeded with. */
  public synchronized long initialSeed() {
    return seed;
  }

  /** The full state, {@code {seed, offset}}, for checkpoints. */
  public synchronized long[] state() {
    return new long[] {seed, offset};
  }

  /**
   * Restores a state from {@link #state()}.
   *
   * @throws IllegalArgumentException if the array is not two longs with a non-negative offset
   */
  public synchronized void setState(long[] state) {
    if (state == null || state.length != 2 || state[1] < 0) {
      throw new IllegalArgumentException("a generator state is {seed, offset >= 0}");
    }
    this.seed = state[0];
    this.offset = state[1];
  }

  /**
   * Reserves {@code blocks} 128-bit Philox blocks and returns {@code {seed, firstBlock}}; the
   * caller draws from blocks {@code firstBlock .. firstBlock + blocks - 1}.
   */
  public synchronized long[] reserve(long blocks) {
    long[] r = {seed, offset};
    offset += blocks;
    return r;
  }

  /** A uniformly distributed double in [0, 1) (53 random bits); consumes one block. */
  public double nextDouble() {
    long[] r = reserve(1);
    int[] w = Philox.block(r[0], r[1]);
    return Philox.toDouble(w[0], w[1]);
  }
}
