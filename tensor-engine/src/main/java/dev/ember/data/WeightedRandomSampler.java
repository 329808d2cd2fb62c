package dev.ember.data;

import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.Arrays;

/**
 * Indices drawn with probability proportional to {@code weights} (PyTorch's {@code
 * WeightedRandomSampler}, i.e. {@code torch.multinomial(weights, numSamples, replacement)}); the
 * usual cure for imbalanced classes is weight {@code 1 / count(class of i)} for item i.
 *
 * <p>With replacement every draw is independent: index i with probability {@code w_i / sum(w)}
 * (inverse CDF over the running sums, one uniform per draw). Without replacement the result is
 * the sequential draw without replacement (each next index with probability proportional to the
 * weights of those not drawn yet), computed as the {@code numSamples} smallest keys {@code E_i /
 * w_i} with {@code E_i} standard exponential (the exponential-race form that PyTorch's CPU
 * multinomial also uses). Epoch e draws from {@link Seeds#forShuffle}{@code (seed, e)}.
 */
public final class WeightedRandomSampler extends Sampler {
  private final double[] weights;
  private final double[] cumulative;
  private final int numSamples;
  private final boolean replacement;
  private final long seed;

  /** A sampler with replacement, seeded from the default generator. */
  public WeightedRandomSampler(double[] weights, int numSamples) {
    this(weights, numSamples, true, Seeds.fromDefault());
  }

  /**
   * A sampler of {@code numSamples} indices per epoch.
   *
   * @throws IllegalArgumentException if {@code numSamples} is not positive, a weight is negative,
   *     infinite or NaN, all weights are zero, or (without replacement) fewer than {@code
   *     numSamples} weights are positive
   */
  public WeightedRandomSampler(double[] weights, int numSamples, boolean replacement, long seed) {
    if (numSamples <= 0) {
      throw new IllegalArgumentException(
          "num_samples should be a positive integer value, but got num_samples=" + numSamples);
    }
    double[] cum = new double[weights.length];
    double total = 0;
    int positive = 0;
    for (int i = 0; i < weights.length; i++) {
      double w = weights[i];
      if (!(w >= 0) || Double.isInfinite(w)) {
        throw new IllegalArgumentException(
            "invalid multinomial distribution: weight " + i + " is " + w
                + " (weights must be finite and non-negative)");
      }
      if (w > 0) {
        positive++;
      }
      total += w;
      cum[i] = total;
    }
    if (!(total > 0)) {
      throw new IllegalArgumentException(
          "invalid multinomial distribution (sum of probabilities <= 0): " + weights.length
              + " weights sum to " + total);
    }
    if (!replacement && numSamples > positive) {
      throw new IllegalArgumentException(
          "cannot sample num_samples=" + numSamples + " without replacement: only " + positive
              + " of " + weights.length + " weights are positive");
    }
    this.weights = weights.clone();
    this.cumulative = cum;
    this.numSamples = numSamples;
    this.replacement = replacement;
    this.seed = seed;
  }

  /** A sampler whose weights are the values of a 1-d tensor. */
  public WeightedRandomSampler(Tensor weights, int numSamples, boolean replacement, long seed) {
    this(oneD(weights).to(DType.FLOAT64).toDoubleArray(), numSamples, replacement, seed);
  }

  private static Tensor oneD(Tensor weights) {
    if (weights.dim() != 1) {
      throw new IllegalArgumentException(
          "WeightedRandomSampler: weights should be a 1-d sequence, got shape "
              + Arrays.toString(weights.shape()));
    }
    return weights;
  }

  /** The weights (not normalized). */
  public double[] weights() {
    return weights.clone();
  }

  @Override
  public int size() {
    return numSamples;
  }

  @Override
  public int[] indices(int epoch) {
    checkEpoch(epoch);
    Generator gen = Seeds.forShuffle(seed, epoch);
    int n = weights.length;
    double total = cumulative[n - 1];
    int[] out = new int[numSamples];
    if (replacement) {
      double[] u = Tensor.rand(gen, DType.FLOAT64, Device.CPU, numSamples).toDoubleArray();
      for (int s = 0; s < numSamples; s++) {
        double x = u[s] * total;
        // The first i with x < cumulative[i]: zero weights never qualify.
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
          int mid = (lo + hi) >>> 1;
          if (x < cumulative[mid]) {
            hi = mid;
          } else {
            lo = mid + 1;
          }
        }
        while (weights[lo] == 0) {
          // x rounded onto the last running sum: step back to the last positive weight.
          lo--;
        }
        out[s] = lo;
      }
      return out;
    }
    double[] u = Tensor.rand(gen, DType.FLOAT64, Device.CPU, n).toDoubleArray();
    double[] key = new double[n];
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      // -log(1 - u) is Exp(1) with u in [0, 1); weight 0 gives +inf, never among the smallest.
      key[i] = weights[i] == 0 ? Double.POSITIVE_INFINITY : -Math.log1p(-u[i]) / weights[i];
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(key[a], key[b]));
    for (int s = 0; s < numSamples; s++) {
      out[s] = order[s];
    }
    return out;
  }
}
