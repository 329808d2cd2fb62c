package dev.ember.optim;

import java.util.Map;

/**
 * Scales each group's learning rate by a factor that moves linearly from {@code startFactor} to
 * {@code endFactor} over {@code totalIters} epochs (a warm-up), like {@code
 * torch.optim.lr_scheduler.LinearLR}: {@code lr = initial_lr * (start + (end - start) *
 * min(epoch, totalIters) / totalIters)}.
 */
public final class LinearLR extends LRScheduler {
  private double startFactor;
  private double endFactor;
  private int totalIters;

  /** PyTorch's defaults: from 1/3 to 1 over 5 epochs. */
  public LinearLR(Optimizer optimizer) {
    this(optimizer, 1.0 / 3, 1.0, 5, -1);
  }

  /** From {@code startFactor} to {@code endFactor} over {@code totalIters} epochs. */
  public LinearLR(Optimizer optimizer, double startFactor, double endFactor, int totalIters) {
    this(optimizer, startFactor, endFactor, totalIters, -1);
  }

  /**
   * A LinearLR resuming after epoch {@code lastEpoch} (-1 for a new schedule).
   *
   * @throws IllegalArgumentException if a factor is outside [0, 1] (PyTorch's messages) or
   *     {@code totalIters < 1}
   */
  public LinearLR(Optimizer optimizer, double startFactor, double endFactor, int totalIters,
      int lastEpoch) {
    super(optimizer, lastEpoch);
    if (startFactor > 1.0 || startFactor < 0 || Double.isNaN(startFactor)) {
      throw new IllegalArgumentException(
          "Starting multiplicative factor expected to be between 0 and 1.");
    }
    if (endFactor > 1.0 || endFactor < 0 || Double.isNaN(endFactor)) {
      throw new IllegalArgumentException(
          "Ending multiplicative factor expected to be between 0 and 1.");
    }
    if (totalIters < 1) {
      throw new IllegalArgumentException("LinearLR: totalIters must be >= 1, got " + totalIters);
    }
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    initialStep();
  }

  @Override
  protected double[] computeLr() {
    double[] lrs = groupLrs();
    for (int i = 0; i < lrs.length; i++) {
      if (lastEpoch == 0) {
        lrs[i] *= startFactor;
      } else if (lastEpoch <= totalIters) {
        lrs[i] *= 1. + (endFactor - startFactor)
            / (totalIters * startFactor + (lastEpoch - 1) * (endFactor - startFactor));
      }
    }
    return lrs;
  }

  @Override
  protected double[] closedFormLr() {
    double[] lrs = baseLrs.clone();
    for (int i = 0; i < lrs.length; i++) {
      lrs[i] = baseLrs[i] * (startFactor
          + (endFactor - startFactor) * Math.min(totalIters, lastEpoch) / totalIters);
    }
    return lrs;
  }

  @Override
  public Map<String, Object> stateDict() {
    Map<String, Object> d = super.stateDict();
    d.put("start_factor", startFactor);
    d.put("end_factor", endFactor);
    d.put("total_iters", totalIters);
    return d;
  }

  @Override
  public void loadStateDict(Map<String, Object> stateDict) {
    double s = number(stateDict, "start_factor");
    double e = number(stateDict, "end_factor");
    int t = integer(stateDict, "total_iters");
    super.loadStateDict(stateDict);
    startFactor = s;
    endFactor = e;
    totalIters = t;
  }
}
