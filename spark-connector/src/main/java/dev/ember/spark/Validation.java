package dev.ember.spark;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.nn.Module;
import dev.ember.nn.Reduction;
import dev.ember.nn.loss.Loss;
import dev.ember.spec.LossSpec;
import dev.ember.tensor.Device;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.io.Serializable;
import java.util.Iterator;

/**
 * The validation of the averaged model after an epoch: each partition's loss sums and metric
 * counts, combined by {@link #merge} (exact sums, so the result does not depend on the order in
 * which Spark combines them).
 */
final class Validation implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Validation ZERO = new Validation(ExactSum.zeros(1), ExactSum.zeros(1),
      ExactSum.zeros(1), 0, 0, 0);

  private final long[] lossSum;
  private final long[] weightSum;
  private final long[] squaredErrorSum;
  private final long correct;
  private final long rows;
  private final long elements;

  private Validation(long[] lossSum, long[] weightSum, long[] squaredErrorSum, long correct,
      long rows, long elements) {
    this.lossSum = lossSum;
    this.weightSum = weightSum;
    this.squaredErrorSum = squaredErrorSum;
    this.correct = correct;
    this.rows = rows;
    this.elements = elements;
  }

  /** The identity of {@link #merge}. */
  static Validation zero() {
    return ZERO;
  }

  /** The sum of two partitions' validations (pure, exactly associative and commutative). */
  static Validation merge(Validation a, Validation b) {
    return new Validation(ExactSum.sum(a.lossSum, b.lossSum),
        ExactSum.sum(a.weightSum, b.weightSum),
        ExactSum.sum(a.squaredErrorSum, b.squaredErrorSum), a.correct + b.correct,
        a.rows + b.rows, a.elements + b.elements);
  }

  /** The rows validated. */
  long rows() {
    return rows;
  }

  /** The weighted mean loss, as in training. */
  double loss() {
    return ExactSum.toDouble(lossSum, 0) / ExactSum.toDouble(weightSum, 0);
  }

  /** The fraction of rows whose arg-max output is their label. */
  double accuracy() {
    return (double) correct / rows;
  }

  /** The root of the mean squared error over all label values. */
  double rmse() {
    return Math.sqrt(ExactSum.toDouble(squaredErrorSum, 0) / elements);
  }

  /**
   * Evaluates the model state {@code model} on one partition's blocks, in mini-batches of the
   * config's batch size, in evaluation mode.
   *
   * @throws IllegalArgumentException for a bad label or weight (naming the row)
   * @throws IllegalStateException if the loss is not finite
   */
  static Validation evaluate(TrainConfig config, StateLayout layout, double[] state, Device device,
      int partition, Iterator<Block> blocks) {
    PartitionRows rows = new PartitionRows(blocks, partition);
    int n = rows.rows();
    if (n == 0) {
      return ZERO;
    }
    Module model = TaskModels.forTask(config, device, null);
    model.eval();
    try (Scope s = Tensor.scope()) {
      model.loadStateDict(layout.tensors(state, false));
    }
    LossSpec lossSpec = TaskModels.lossSpec(config);
    Loss loss = lossSpec.build(TaskModels.classWeights(config), Reduction.NONE);
    boolean classIndex = lossSpec.classIndexTargets();
    int[] sampleShape = TaskModels.sampleShape(config, rows.featureSize());
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i;
    }
    float[] cw = config.classWeights();
    int fs = rows.featureSize();
    int ls = rows.labelSize();
    long[] lossSum = ExactSum.zeros(1);
    long[] weightSum = ExactSum.zeros(1);
    long[] sqSum = ExactSum.zeros(1);
    long correct = 0;
    long elements = 0;
    for (int from = 0; from < n; from += config.batchSize()) {
      int count = Math.min(config.batchSize(), n - from);
      float[] w = rows.weights(ids, from, count);
      long[] classes = config.isClassification()
          ? rows.classes(ids, from, count, config.numClasses()) : null;
      float[] yf = new float[count * ls];
      rows.labels(ids, from, count, yf);
      double denominator = 0;
      for (int i = 0; i < count; i++) {
        denominator += classIndex && cw != null ? (double) w[i] * cw[(int) classes[i]] : w[i];
      }
      try (Scope s = Tensor.scope(); GradMode g = Autograd.noGrad()) {
        float[] xf = new float[count * fs];
        rows.features(ids, from, count, xf);
        Tensor x = Tensor.of(xf, TaskModels.batchShape(count, sampleShape));
        Tensor y = classIndex ? Tensor.of(classes, count) : Tensor.of(yf, count, ls);
        Tensor wt = Tensor.of(w, count);
        if (!device.isCpu()) {
          x = x.to(device);
          y = y.to(device);
          wt = wt.to(device);
        }
        Tensor out = model.forward(x);
        if (!classIndex && out.numel() == y.numel() && out.dim() != 2) {
          out = out.reshape(count, ls);
        }
        double batchLoss = PartitionTrainer.perSample(loss.forward(out, y), count).mul(wt).sum()
            .item();
        if (!Double.isFinite(batchLoss)) {
          throw new IllegalStateException("Ember fit: the validation loss is " + batchLoss
              + " on partition " + partition + ", rows " + from + ".." + (from + count - 1));
        }
        ExactSum.addScaled(lossSum, 0, batchLoss, 1);
        ExactSum.addScaled(weightSum, 0, denominator, 1);
        if (classes != null) {
          correct += countCorrect(out, classes, count, lossSpec.type().equals("bce") ? 0.5 : 0);
        } else {
          float[] o = out.reshape(count, out.numel() / count).toFloatArray();
          if (o.length != yf.length) {
            throw new IllegalStateException("the network outputs " + o.length / count
                + " values per row but the labels have " + ls);
          }
          double sq = 0;
          for (int i = 0; i < o.length; i++) {
            double d = (double) o[i] - yf[i];
            sq += d * d;
          }
          ExactSum.addScaled(sqSum, 0, sq, 1);
          elements += o.length;
        }
      }
    }
    return new Validation(lossSum, weightSum, sqSum, correct, n, elements);
  }

  /**
   * Rows predicted right: the arg-max of the outputs (N, C), or for one output per row, class 1
   * above {@code threshold} (0 for logits, 0.5 for the probabilities that bce takes).
   */
  private static long countCorrect(Tensor out, long[] classes, int count, double threshold) {
    Tensor flat = out.reshape(count, out.numel() / count);
    long[] predicted;
    if (flat.size(1) == 1) {
      float[] v = flat.toFloatArray();
      predicted = new long[count];
      for (int i = 0; i < count; i++) {
        predicted[i] = v[i] > threshold ? 1 : 0;
      }
    } else {
      predicted = flat.argmax(1, false).toLongArray();
    }
    long c = 0;
    for (int i = 0; i < count; i++) {
      c += predicted[i] == classes[i] ? 1 : 0;
    }
    return c;
  }
}
