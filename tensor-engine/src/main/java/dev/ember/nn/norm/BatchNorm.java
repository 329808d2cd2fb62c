package dev.ember.nn.norm;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.tensor.Tensor;

/**
 * Batch normalization over the channel dim (1), the shared part of {@link BatchNorm1d} and
 * {@link BatchNorm2d}: {@code y = (x - mean) / sqrt(var + eps) * weight + bias}. In training the
 * batch's statistics normalize and update {@code running_mean}/{@code running_var} with {@code
 * momentum} (or, with a null momentum, the cumulative average over {@code num_batches_tracked});
 * in evaluation the running statistics normalize. Weight starts at 1, bias at 0.
 */
public abstract class BatchNorm extends Module {
  private final int numFeatures;
  private final double eps;
  private final Double momentum;
  private final boolean affine;
  private final boolean trackRunningStats;

  /**
   * @param numFeatures channels C
   * @param eps added to the variance
   * @param momentum running-statistics factor, or null for a cumulative average
   * @param affine whether to learn weight and bias
   * @param trackRunningStats whether to keep running statistics (without them, batch statistics
   *     are used in evaluation too)
   */
  protected BatchNorm(int numFeatures, double eps, Double momentum, boolean affine,
      boolean trackRunningStats) {
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    registerParameter("weight", affine ? Tensor.ones(numFeatures) : null);
    registerParameter("bias", affine ? Tensor.zeros(numFeatures) : null);
    registerBuffer("running_mean", trackRunningStats ? Tensor.zeros(numFeatures) : null);
    registerBuffer("running_var", trackRunningStats ? Tensor.ones(numFeatures) : null);
    registerBuffer("num_batches_tracked",
        trackRunningStats ? Tensor.scalar(0L) : null);
  }

  /** Checks the input's number of dims, naming what this layer expects. */
  protected abstract void checkInputDim(Tensor input);

  @Override
  public Tensor forward(Tensor input) {
    checkInputDim(input);
    if (input.size(1) != numFeatures) {
      throw new IllegalArgumentException(
          getClass().getSimpleName() + ": expected " + numFeatures + " channels (dim 1), got "
              + input.describe());
    }
    double factor = momentum == null ? 0.0 : momentum;
    boolean useBatch = isTraining() || !trackRunningStats;
    if (isTraining() && trackRunningStats) {
      Tensor n = buffer("num_batches_tracked");
      try (GradMode ng = Autograd.noGrad()) {
        n.add_(1);
      }
      if (momentum == null) {
        factor = 1.0 / n.item();
      }
    }
    Tensor rm = isTraining() && !trackRunningStats ? null : buffer("running_mean");
    Tensor rv = isTraining() && !trackRunningStats ? null : buffer("running_var");
    return F.batchNorm(input, rm, rv, parameter("weight"), parameter("bias"), useBatch, factor,
        eps);
  }

  @Override
  protected String extraRepr() {
    return numFeatures + ", eps=" + eps + ", momentum=" + momentum + ", affine=" + affine
        + ", track_running_stats=" + trackRunningStats;
  }

}
