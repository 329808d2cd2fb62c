package dev.ember.optim;

import java.util.Arrays;
import java.util.Map;

/**
 * Decays each group's learning rate by {@code gamma} at each milestone epoch, like {@code
 * torch.optim.lr_scheduler.MultiStepLR}: {@code lr = initial_lr * gamma^(number of milestones <=
 * epoch)}. A milestone listed twice decays twice.
 */
public final class MultiStepLR extends LRScheduler {
  private int[] milestones;
  private double gamma;

  /** A MultiStepLR with gamma 0.1. */
  public MultiStepLR(Optimizer optimizer, int[] milestones) {
    this(optimizer, milestones, 0.1, -1);
  }

  /** A MultiStepLR with the given decay factor. */
  public MultiStepLR(Optimizer optimizer, int[] milestones, double gamma) {
    this(optimizer, milestones, gamma, -1);
  }

  /** A MultiStepLR resuming after epoch {@code lastEpoch} (-1 for a new schedule). */
  public MultiStepLR(Optimizer optimizer, int[] milestones, double gamma, int lastEpoch) {
    super(optimizer, lastEpoch);
    this.milestones = milestones.clone();
    Arrays.sort(this.milestones);
    this.gamma = gamma;
    initialStep();
  }

  private int count(int epoch) {
    int c = 0;
    for (int m : milestones) {
      if (m == epoch) {
        c++;
      }
    }
    return c;
  }

  @Override
  protected double[] computeLr() {
    double[] lrs = groupLrs();
    int c = count(lastEpoch);
    if (c == 0) {
      return lrs;
    }
    for (int i = 0; i < lrs.length; i++) {
      lrs[i] *= Math.pow(gamma, c);
    }
    return lrs;
  }

  @Override
  protected double[] closedFormLr() {
    int passed = 0;
    for (int m : milestones) {
      if (m <= lastEpoch) {
        passed++;
      }
    }
    double[] lrs = baseLrs.clone();
    for (int i = 0; i < lrs.length; i++) {
      lrs[i] = baseLrs[i] * Math.pow(gamma, passed);
    }
    return lrs;
  }

  @Override
  public Map<String, Object> stateDict() {
    Map<String, Object> d = super.stateDict();
    d.put("milestones", toList(milestones));
    d.put("gamma", gamma);
    return d;
  }

  @Override
  public void loadStateDict(Map<String, Object> stateDict) {
    int[] m = ints(stateDict, "milestones");
    double g = number(stateDict, "gamma");
    super.loadStateDict(stateDict);
    Arrays.sort(m);
    milestones = m;
    gamma = g;
  }
}
