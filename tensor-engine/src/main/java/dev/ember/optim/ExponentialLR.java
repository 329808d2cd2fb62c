package dev.ember.optim;

import java.util.Map;

/**
 * Decays each group's learning rate by {@code gamma} every epoch, like {@code
 * torch.optim.lr_scheduler.ExponentialLR}: {@code lr = initial_lr * gamma^epoch}.
 */
public final class ExponentialLR extends LRScheduler {
  private double gamma;

  /** An ExponentialLR with decay factor {@code gamma}. */
  public ExponentialLR(Optimizer optimizer, double gamma) {
    this(optimizer, gamma, -1);
  }

  /** An ExponentialLR resuming after epoch {@code lastEpoch} (-1 for a new schedule). */
  public ExponentialLR(Optimizer optimizer, double gamma, int lastEpoch) {
    super(optimizer, lastEpoch);
    this.gamma = gamma;
    initialStep();
  }

  @Override
  protected double[] computeLr() {
    double[] lrs = groupLrs();
    if (lastEpoch == 0) {
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
      lrs[i] = baseLrs[i] * Math.pow(gamma, lastEpoch);
    }
    return lrs;
  }

  @Override
  public Map<String, Object> stateDict() {
    Map<String, Object> d = super.stateDict();
    d.put("gamma", gamma);
    return d;
  }

  @Override
  public void loadStateDict(Map<String, Object> stateDict) {
    double g = number(stateDict, "gamma");
    super.loadStateDict(stateDict);
    gamma = g;
  }
}
