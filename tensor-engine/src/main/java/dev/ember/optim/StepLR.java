package dev.ember.optim;

import java.util.Map;

/**
 * Decays each group's learning rate by {@code gamma} every {@code stepSize} epochs, like {@code
 * torch.optim.lr_scheduler.StepLR}: {@code lr = initial_lr * gamma^floor(epoch / stepSize)}.
 */
public final class StepLR extends LRScheduler {
  private int stepSize;
  private double gamma;

  /** A StepLR with gamma 0.1. */
  public StepLR(Optimizer optimizer, int stepSize) {
    this(optimizer, stepSize, 0.1, -1);
  }

  /** A StepLR with the given decay factor. */
  public StepLR(Optimizer optimizer, int stepSize, double gamma) {
    this(optimizer, stepSize, gamma, -1);
  }

  /**
   * A StepLR resuming after epoch {@code lastEpoch} (-1 for a new schedule).
   *
   * @throws IllegalArgumentException if {@code stepSize < 1}, or as {@link LRScheduler}
   */
  public StepLR(Optimizer optimizer, int stepSize, double gamma, int lastEpoch) {
    super(optimizer, lastEpoch);
    if (stepSize < 1) {
      throw new IllegalArgumentException("StepLR: stepSize must be >= 1, got " + stepSize);
    }
    this.stepSize = stepSize;
    this.gamma = gamma;
    initialStep();
  }

  @Override
  protected double[] computeLr() {
    double[] lrs = groupLrs();
    if (lastEpoch == 0 || lastEpoch % stepSize != 0) {
      return lrs;
    }
    for (int i = 0; i < lrs.length; i++) {
      lrs[i] *= gamma;
    }
    return lrs;
  }

  @Override
  protected double[] closedFormLr() {
    double[] lrs = baseLrs.clone();
    for (int i = 0; i < lrs.length; i++) {
      lrs[i] = baseLrs[i] * Math.pow(gamma, Math.floorDiv(lastEpoch, stepSize));
    }
    return lrs;
  }

  @Override
  public Map<String, Object> stateDict() {
    Map<String, Object> d = super.stateDict();
    d.put("step_size", stepSize);
    d.put("gamma", gamma);
    return d;
  }

  @Override
  public void loadStateDict(Map<String, Object> stateDict) {
    int s = integer(stateDict, "step_size");
    double g = number(stateDict, "gamma");
    super.loadStateDict(stateDict);
    stepSize = s;
    gamma = g;
  }
}
