package dev.ember.optim;

import java.util.Map;

/**
 * Cosine annealing (Loshchilov and Hutter, 2017, "SGDR"), like {@code
 * torch.optim.lr_scheduler.CosineAnnealingLR}, in PyTorch's recursive form:
 *
 * <pre>
 * lr_t = eta_min + (lr_{t-1} - eta_min) * (1 + cos(pi * t / T_max))
 *                                        / (1 + cos(pi * (t - 1) / T_max))
 * </pre>
 *
 * which, with no other scheduler acting, equals {@code eta_min + (initial_lr - eta_min) * (1 +
 * cos(pi * t / T_max)) / 2}; beyond {@code T_max} the rate rises again (a cosine, not a restart).
 */
public final class CosineAnnealingLR extends LRScheduler {
  private int tMax;
  private double etaMin;

  /** Annealing to 0 over {@code tMax} epochs. */
  public CosineAnnealingLR(Optimizer optimizer, int tMax) {
    this(optimizer, tMax, 0, -1);
  }

  /** Annealing to {@code etaMin} over {@code tMax} epochs. */
  public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) {
    this(optimizer, tMax, etaMin, -1);
  }

  /**
   * Annealing resuming after epoch {@code lastEpoch} (-1 for a new schedule).
   *
   * @throws IllegalArgumentException if {@code tMax < 1}, or as {@link LRScheduler}
   */
  public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin, int lastEpoch) {
    super(optimizer, lastEpoch);
    if (tMax < 1) {
      throw new IllegalArgumentException("CosineAnnealingLR: tMax must be >= 1, got " + tMax);
    }
    this.tMax = tMax;
    this.etaMin = etaMin;
    initialStep();
  }

  @Override
  protected double[] computeLr() {
    double[] lrs = groupLrs();
    if (lastEpoch == 0) {
      return lrs;
    }
    for (int i = 0; i < lrs.length; i++) {
      if (stepCount == 1 && lastEpoch > 0) {
        lrs[i] = etaMin + (baseLrs[i] - etaMin) * (1 + Math.cos(lastEpoch * Math.PI / tMax)) / 2;
      } else if (Math.floorMod(lastEpoch - 1 - tMax, 2 * tMax) == 0) {
        lrs[i] = lrs[i] + (baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2;
      } else {
        lrs[i] = (1 + Math.cos(Math.PI * lastEpoch / tMax))
            / (1 + Math.cos(Math.PI * (lastEpoch - 1) / tMax)) * (lrs[i] - etaMin) + etaMin;
      }
    }
    return lrs;
  }

  @Override
  protected double[] closedFormLr() {
    double[] lrs = baseLrs.clone();
    for (int i = 0; i < lrs.length; i++) {
      lrs[i] = etaMin + (baseLrs[i] - etaMin) * (1 + Math.cos(Math.PI * lastEpoch / tMax)) / 2;
    }
    return lrs;
  }

  @Override
  public Map<String, Object> stateDict() {
    Map<String, Object> d = super.stateDict();
    d.put("T_max", tMax);
    d.put("eta_min", etaMin);
    return d;
  }

  @Override
  public void loadStateDict(Map<String, Object> stateDict) {
    int t = integer(stateDict, "T_max");
    double e = number(stateDict, "eta_min");
    super.loadStateDict(stateDict);
    tMax = t;
    etaMin = e;
  }
}
