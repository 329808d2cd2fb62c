package dev.ember.tensor;

import java.util.function.Function;

/**
 * A seedable source of random numbers for tensor creation (rand, randn, randint, bernoulli,
 * randperm), dropout and initialization.
 *
 * <p>Two engines ({@link Engine}):
 *
 * <ul>
 *   <li>{@link Engine#PHILOX}, the default: counter based (Philox4x32-10, as PyTorch's CUDA
 *       generator). The state is a 64-bit seed and a 64-bit offset counting the 128-bit blocks
 *       consumed, so every backend draws the same numbers for the same state, on the device.
 *   <li>{@link Engine#MT19937}: PyTorch's CPU generator, the Mersenne Twister, seeded as {@code
 *       torch.manual_seed} seeds it. {@code rand}, {@code uniform_} (so every default
 *       initialization), {@code randint}, {@code randperm}, {@code bernoulli_(p)} and dropout
 *       draw the same numbers as PyTorch 1.13 on the CPU for the same seed, bit for bit; {@code
 *       randn} and {@code normal_} run its algorithm on the same uniforms and agree to a few
 *       float ulps (PyTorch's vectorized log/sin/cos round differently). Other draws ({@code
 *       bernoulli()} of a probability tensor, random transforms) take this engine's numbers
 *       through Ember's own algorithms. Draws are made on
 *       the host and copied to the tensor's device, so they too are the same on every backend.
 *       Use it to start from the weights and shuffles a PyTorch script draws for a seed.
 * </ul>
 *
 * <p>Thread-safe: every draw takes its numbers under the generator's lock.
 */
public final class Generator {
  /** The algorithm behind a generator's numbers. */
  public enum Engine {
    /** Philox4x32-10, counter based; drawn on the device. */
    PHILOX,
    /** PyTorch's CPU Mersenne Twister; drawn on the host. */
    MT19937
  }

  private static final Generator DEFAULT = new Generator(defaultSeed());

  private long seed;
  private long offset;
  /** The Mersenne Twister's state; null for a Philox generator. */
  private Mt19937 mt;

  /** A Philox generator with the given seed. */
  public Generator(long seed) {
    this.seed = seed;
  }

  /** A generator with the given engine and seed. */
  public Generator(long seed, Engine engine) {
    seed(seed, engine);
  }

  /**
   * A generator drawing what PyTorch's CPU generator draws after {@code torch.manual_seed(seed)}
   * (see {@link Engine#MT19937}).
   */
  public static Generator mt19937(long seed) {
    return new Generator(seed, Engine.MT19937);
  }

  private static long defaultSeed() {
    String prop = System.getProperty("ember.seed");
    return prop == null ? 67280421310721L : Long.parseLong(prop.trim());
  }

  /** The global generator used when none is given. */
  public static Generator getDefault() {
    return DEFAULT;
  }

  /**
   * Seeds the global generator (like {@code torch.manual_seed}), keeping its engine, and returns
   * it.
   */
  public static Generator manualSeed(long seed) {
    return DEFAULT.seed(seed);
  }

  /** Seeds the global generator with {@code engine} and returns it. */
  public static Generator manualSeed(long seed, Engine engine) {
    return DEFAULT.seed(seed, engine);
  }

  /** Resets this generator to {@code seed}, keeping its engine; returns this. */
  public synchronized Generator seed(long seed) {
    return seed(seed, engine());
  }

  /** Resets this generator to {@code seed} with {@code engine}; returns this. */
  public synchronized Generator seed(long seed, Engine engine) {
    this.seed = seed;
    this.offset = 0;
    this.mt = switch (engine) {
      case PHILOX -> null;
      case MT19937 -> new Mt19937(seed);
    };
    return this;
  }

  /** This generator's engine. */
  public synchronized Engine engine() {
    return mt == null ? Engine.PHILOX : Engine.MT19937;
  }

  /** The seed this generator was last seeded with. */
  public synchronized long initialSeed() {
    return seed;
  }

  /**
   * The full state, for checkpoints: {@code {seed, offset}} for Philox; for the Mersenne Twister
   * {@code {seed, left, next, hasNormal, normal bits}} followed by its 624 words.
   */
  public synchronized long[] state() {
    return mt == null ? new long[] {seed, offset} : mt.state();
  }

  /**
   * Whether {@code state} is a state {@link #state()} can return: two longs with a non-negative
   * offset, or a Mersenne Twister state.
   */
  public static boolean isValidState(long[] state) {
    return state != null
        && ((state.length == 2 && state[1] >= 0) || Mt19937.isValidState(state));
  }

  /**
   * Restores a state from {@link #state()}, with its engine.
   *
   * @throws IllegalArgumentException if {@link #isValidState} is false for it
   */
  public synchronized void setState(long[] state) {
    if (!isValidState(state)) {
      throw new IllegalArgumentException(
          "a generator state is {seed, offset >= 0} (Philox) or the " + Mt19937.STATE_LENGTH
              + " longs of a Mersenne Twister state, got "
              + (state == null ? "null" : state.length + " longs"));
    }
    if (state.length == 2) {
      this.seed = state[0];
      this.offset = state[1];
      this.mt = null;
    } else {
      this.mt = Mt19937.fromState(state);
      this.seed = mt.seed();
      this.offset = 0;
    }
  }

  /**
   * Reserves {@code blocks} 128-bit Philox blocks and returns {@code {seed, firstBlock}}; the
   * caller draws from blocks {@code firstBlock .. firstBlock + blocks - 1}.
   *
   * @throws IllegalStateException on a Mersenne Twister generator, which has no blocks
   */
  public synchronized long[] reserve(long blocks) {
    if (mt != null) {
      throw new IllegalStateException("reserve: this generator is " + Engine.MT19937
          + ", which draws on the host and has no Philox blocks");
    }
    long[] r = {seed, offset};
    offset += blocks;
    return r;
  }

  /**
   * Runs {@code draw} on this generator's Mersenne Twister under its lock; null for a Philox
   * generator (the caller then reserves blocks).
   */
  synchronized <T> T withMt(Function<Mt19937, T> draw) {
    return mt == null ? null : draw.apply(mt);
  }

  /**
   * A uniformly distributed double in [0, 1) (53 random bits): one Philox block, or {@code
   * torch.rand((), dtype=float64)} for the Mersenne Twister.
   */
  public synchronized double nextDouble() {
    if (mt != null) {
      return mt.uniformDouble(0, 1);
    }
    long[] r = reserve(1);
    int[] w = Philox.block(r[0], r[1]);
    return Philox.toDouble(w[0], w[1]);
  }

  /**
   * 64 random bits: the first two words of one Philox block (the first word high), or two
   * Mersenne Twister outputs ({@code random64}).
   */
  public synchronized long nextLong() {
    if (mt != null) {
      return mt.random64();
    }
    long[] r = reserve(1);
    int[] w = Philox.block(r[0], r[1]);
    return ((long) w[0] << 32) | (w[1] & 0xFFFFFFFFL);
  }
}
