package dev.ember.spark;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Objects;

/**
 * What the partitions of one training round add up to: the sample-weighted sums of their model
 * states and optimizer states, the number of samples, the loss and loss-weight sums and the batch
 * counts. The driver divides ({@link #averageModel()}) to get the next state.
 *
 * <p>{@link #merge} is the one combine function of the aggregate (Spark's {@code treeAggregate}
 * uses it as both {@code seqOp} and {@code combOp}): pure, exactly associative and commutative,
 * with {@link #zero()} as its identity. The sums are exact ({@link ExactSum}, 192-bit fixed
 * point), so the average does not depend on the order in which Spark combines results: the same
 * partition results give the same model bit for bit, whichever task finishes first.
 *
 * <p>One partition's result is stored as its values and its sample count {@code n} (what goes over
 * the network: one double per value); merging turns results into exact sums of {@code n * value}.
 */
public final class RoundResult implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final RoundResult ZERO = new RoundResult(0, null, null, null, null, null,
      ExactSum.zeros(1), ExactSum.zeros(1), 0, 0);

  private final long samples;
  private final StateLayout optimizerLayout;
  // One partition: its values (multiplied by `samples` when merged). Merged: exact sums.
  // Serialized by writeObject, as floats where that is exact.
  private transient double[] model;
  private transient double[] optimizer;
  private final long[] modelSum;
  private final long[] optimizerSum;
  private final long[] lossSum;
  private final long[] weightSum;
  private final long batches;
  private final int maxBatches;

  private RoundResult(long samples, StateLayout optimizerLayout, double[] model,
      double[] optimizer, long[] modelSum, long[] optimizerSum, long[] lossSum, long[] weightSum,
      long batches, int maxBatches) {
    this.samples = samples;
    this.optimizerLayout = optimizerLayout;
    this.model = model;
    this.optimizer = optimizer;
    this.modelSum = modelSum;
    this.optimizerSum = optimizerSum;
    this.lossSum = lossSum;
    this.weightSum = weightSum;
    this.batches = batches;
    this.maxBatches = maxBatches;
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    out.defaultWriteObject();
    PackedValues.write(out, model);
    PackedValues.write(out, optimizer);
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    model = PackedValues.read(in);
    optimizer = PackedValues.read(in);
  }

  /** The identity of {@link #merge}: no samples. */
  public static RoundResult zero() {
    return ZERO;
  }

  /**
   * One partition's result (the arrays are not copied and must not change afterwards).
   *
   * @param samples the rows trained on, {@code >= 1}: the weight of this partition's state
   * @param model the model state after training, flat ({@link StateLayout})
   * @param optimizerLayout the optimizer state's layout, or null when it is not averaged
   * @param optimizer the optimizer state after training, flat, or null with {@code
   *     optimizerLayout}
   * @param lossSum the sum over batches of the batch's weighted mean loss times its weight sum
   * @param weightSum the sum of the loss weights of the rows trained on
   * @param batches the number of batches trained
   * @throws IllegalArgumentException if {@code samples < 1}, a value is not finite (naming it),
   *     or the optimizer arrays do not match
   */
  static RoundResult of(long samples, double[] model, StateLayout optimizerLayout,
      double[] optimizer, double lossSum, double weightSum, int batches) {
    if (samples < 1) {
      throw new IllegalArgumentException("a partition result has >= 1 samples, got " + samples);
    }
    Objects.requireNonNull(model, "model");
    if ((optimizerLayout == null) != (optimizer == null)
        || (optimizer != null && optimizer.length != optimizerLayout.size())) {
      throw new IllegalArgumentException("optimizer state and layout do not match");
    }
    checkFinite("model state", model);
    if (optimizer != null) {
      checkFinite("optimizer state", optimizer);
    }
    if (!Double.isFinite(lossSum) || !Double.isFinite(weightSum)) {
      throw new IllegalArgumentException("loss sum " + lossSum + ", weight sum " + weightSum);
    }
    long[] loss = ExactSum.zeros(1);
    ExactSum.addScaled(loss, 0, lossSum, 1);
    long[] weight = ExactSum.zeros(1);
    ExactSum.addScaled(weight, 0, weightSum, 1);
    return new RoundResult(samples, optimizerLayout, model, optimizer, null, null, loss, weight,
        batches, batches);
  }

  private static void checkFinite(String what, double[] v) {
    for (int i = 0; i < v.length; i++) {
      if (!Double.isFinite(v[i])) {
        throw new IllegalArgumentException(what + " value " + i + " is " + v[i]);
      }
    }
  }

  /**
   * The combination of two results: sums of samples, of sample-weighted states, of losses,
   * weights and batches, and the larger of the per-partition batch counts. Neither argument
   * changes. Exactly associative and commutative; {@code merge(zero(), a)} is {@code a}.
   *
   * @throws IllegalStateException if the two results hold states of different sizes or optimizer
   *     layouts (partitions that built different networks or optimizers)
   * @throws ArithmeticException if a sum leaves the exact range ({@code |sum| >= 2^63})
   */
  public static RoundResult merge(RoundResult a, RoundResult b) {
    if (a.samples == 0) {
      return b;
    }
    if (b.samples == 0) {
      return a;
    }
    if (a.modelSize() != b.modelSize()) {
      throw new IllegalStateException("partitions returned model states of " + a.modelSize()
          + " and " + b.modelSize() + " values; every task must build the same network");
    }
    if (!Objects.equals(a.optimizerLayout, b.optimizerLayout)) {
      throw new IllegalStateException("partitions returned different optimizer states: "
          + a.optimizerLayout + " and " + b.optimizerLayout);
    }
    long[] m = sums(a.model, a.modelSum, a.samples, b.model, b.modelSum, b.samples);
    long[] o = a.optimizerLayout == null ? null
        : sums(a.optimizer, a.optimizerSum, a.samples, b.optimizer, b.optimizerSum, b.samples);
    return new RoundResult(Math.addExact(a.samples, b.samples), a.optimizerLayout, null, null, m,
        o, ExactSum.sum(a.lossSum, b.lossSum), ExactSum.sum(a.weightSum, b.weightSum),
        a.batches + b.batches, Math.max(a.maxBatches, b.maxBatches));
  }

  private int modelSize() {
    return model != null ? model.length : ExactSum.size(modelSum);
  }

  /** The exact sum of two results' weighted values (each given as values or as sums). */
  private static long[] sums(double[] aValues, long[] aSums, long aSamples, double[] bValues,
      long[] bSums, long bSamples) {
    long[] acc = aValues != null ? weighted(aValues, aSamples) : aSums.clone();
    if (bValues != null) {
      for (int i = 0; i < bValues.length; i++) {
        ExactSum.addScaled(acc, i, bValues[i], bSamples);
      }
    } else {
      ExactSum.addInto(acc, bSums);
    }
    return acc;
  }

  private static long[] weighted(double[] values, long n) {
    long[] acc = ExactSum.zeros(values.length);
    for (int i = 0; i < values.length; i++) {
      ExactSum.addScaled(acc, i, values[i], n);
    }
    return acc;
  }

  /** The rows trained on, over all merged partitions. */
  public long samples() {
    return samples;
  }

  /** The batches trained, over all merged partitions. */
  public long batches() {
    return batches;
  }

  /** The most batches one partition trained in this round. */
  public int maxBatches() {
    return maxBatches;
  }

  /** The sum of the batches' weighted mean losses times their weight sums. */
  public double lossSum() {
    return ExactSum.toDouble(lossSum, 0);
  }

  /** The sum of the loss weights of the rows trained on. */
  public double weightSum() {
    return ExactSum.toDouble(weightSum, 0);
  }

  /** The weighted mean training loss, {@code lossSum / weightSum} (NaN without samples). */
  public double meanLoss() {
    return lossSum() / weightSum();
  }

  /**
   * The sample-weighted mean of the model states, {@code sum(n_p * state_p) / sum(n_p)}.
   *
   * @throws IllegalStateException if there are no samples
   */
  public double[] averageModel() {
    return average(model, modelSum);
  }

  /**
   * The sample-weighted mean of the optimizer states, or null if they are not averaged.
   *
   * @throws IllegalStateException if there are no samples
   */
  public double[] averageOptimizer() {
    return optimizerLayout == null ? null : average(optimizer, optimizerSum);
  }

  /** The layout of the averaged optimizer state, or null. */
  StateLayout optimizerLayout() {
    return optimizerLayout;
  }

  private double[] average(double[] values, long[] sums) {
    if (samples == 0) {
      throw new IllegalStateException("no partition trained on any row in this round");
    }
    // A single partition's values go through the same exact sum as merged ones, so that k
    // identical replicas average to exactly what one replica does.
    long[] s = values != null ? weighted(values, samples) : sums;
    double[] out = new double[ExactSum.size(s)];
    double n = samples;
    for (int i = 0; i < out.length; i++) {
      out[i] = ExactSum.toDouble(s, i) / n;
    }
    return out;
  }
}
