package dev.ember.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reduces the learning rates by {@code factor} when a metric has stopped improving for more than
 * {@code patience} epochs, like {@code torch.optim.lr_scheduler.ReduceLROnPlateau}.
 *
 * <p>A metric is an improvement on the best so far when (mode, threshold mode):
 * <ul>
 *   <li>min, rel: {@code metric < best * (1 - threshold)}; min, abs: {@code metric < best -
 *       threshold}
 *   <li>max, rel: {@code metric > best * (1 + threshold)}; max, abs: {@code metric > best +
 *       threshold}
 * </ul>
 * After more than {@code patience} epochs without one, each group's lr becomes {@code max(lr *
 * factor, min_lr)} (unless that changes it by at most {@code eps}), and {@code cooldown} epochs
 * follow in which bad epochs are not counted.
 *
 * <pre>{@code
 * var plateau = new ReduceLROnPlateau(opt, ReduceLROnPlateau.options().patience(3).factor(0.5));
 * for (...) { train(); plateau.step(validationLoss); }
 * }</pre>
 */
public final class ReduceLROnPlateau implements Stateful {

  /** Whether the metric should go down (a loss) or up (an accuracy). */
  public enum Mode {
    /** Lower is better. */
    MIN,
    /** Higher is better. */
    MAX
  }

  /** How {@code threshold} measures a significant improvement. */
  public enum ThresholdMode {
    /** Relative to the best value: {@code best * (1 -/+ threshold)}. */
    REL,
    /** An absolute margin: {@code best -/+ threshold}. */
    ABS
  }

  /** Settings of {@link ReduceLROnPlateau}, with PyTorch's defaults. */
  public static final class Options {
    private Mode mode = Mode.MIN;
    private double factor = 0.1;
    private int patience = 10;
    private double threshold = 1e-4;
    private ThresholdMode thresholdMode = ThresholdMode.REL;
    private int cooldown;
    private double[] minLr = {0};
    private double eps = 1e-8;

    private Options() {}

    /** Minimize (default) or maximize the metric. */
    public Options mode(Mode mode) {
      this.mode = mode;
      return this;
    }

    /** The factor applied to the learning rate (default 0.1; must be below 1). */
    public Options factor(double factor) {
      this.factor = factor;
      return this;
    }

    /** The number of epochs without improvement tolerated (default 10). */
    public Options patience(int patience) {
      this.patience = patience;
      return this;
    }

    /** The size of a significant improvement (default 1e-4). */
    public Options threshold(double threshold) {
      this.threshold = threshold;
      return this;
    }

    /** Relative (default) or absolute threshold. */
    public Options thresholdMode(ThresholdMode thresholdMode) {
      this.thresholdMode = thresholdMode;
      return this;
    }

    /** The number of epochs after a reduction in which bad epochs are not counted (default 0). */
    public Options cooldown(int cooldown) {
      this.cooldown = cooldown;
      return this;
    }

    /** The lowest learning rate: one value, or one per group (default 0). */
    public Options minLr(double... minLr) {
      this.minLr = minLr.clone();
      return this;
    }

    /** Reductions smaller than this are skipped (default 1e-8). */
    public Options eps(double eps) {
      this.eps = eps;
      return this;
    }
  }

  /** New settings with PyTorch's defaults. */
  public static Options options() {
    return new Options();
  }

  private final Optimizer optimizer;
  private Mode mode;
  private double factor;
  private int patience;
  private double threshold;
  private ThresholdMode thresholdMode;
  private int cooldown;
  private double[] minLrs;
  private double eps;
  private double best;
  private int numBadEpochs;
  private int cooldownCounter;
  private int lastEpoch;
  private double[] lastLr;

  /** A scheduler with PyTorch's defaults (min mode, factor 0.1, patience 10). */
  public ReduceLROnPlateau(Optimizer optimizer) {
    this(optimizer, options());
  }

  /**
   * A scheduler with the given settings.
   *
   * @throws IllegalArgumentException if {@code factor >= 1} ({@code "Factor should be < 1.0."}),
   *     if minLr has neither one value nor one per group, or patience or cooldown is negative
   */
  public ReduceLROnPlateau(Optimizer optimizer, Options o) {
    if (!(o.factor < 1.0)) {
      throw new IllegalArgumentException("Factor should be < 1.0.");
    }
    int groups = optimizer.paramGroups().size();
    if (o.minLr.length != 1 && o.minLr.length != groups) {
      throw new IllegalArgumentException("expected " + groups + " min_lrs, got "
          + o.minLr.length);
    }
    if (o.patience < 0 || o.cooldown < 0) {
      throw new IllegalArgumentException("patience and cooldown must be >= 0, got "
          + o.patience + " and " + o.cooldown);
    }
    this.optimizer = optimizer;
    this.mode = o.mode;
    this.factor = o.factor;
    this.patience = o.patience;
    this.threshold = o.threshold;
    this.thresholdMode = o.thresholdMode;
    this.cooldown = o.cooldown;
    this.minLrs = new double[groups];
    for (int i = 0; i < groups; i++) {
      minLrs[i] = o.minLr.length == 1 ? o.minLr[0] : o.minLr[i];
    }
    this.eps = o.eps;
    reset();
  }

  private void reset() {
    best = worst();
    cooldownCounter = 0;
    numBadEpochs = 0;
  }

  private double worst() {
    return mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
  }

  /** The optimizer whose learning rates this scheduler sets. */
  public Optimizer optimizer() {
    return optimizer;
  }

  /** Records one epoch's metric and reduces the learning rates if it has plateaued. */
  public void step(double metric) {
    lastEpoch++;
    if (isBetter(metric, best)) {
      best = metric;
      numBadEpochs = 0;
    } else {
      numBadEpochs++;
    }
    if (cooldownCounter > 0) {
      cooldownCounter--;
      numBadEpochs = 0;
    }
    if (numBadEpochs > patience) {
      reduceLr();
      cooldownCounter = cooldown;
      numBadEpochs = 0;
    }
    lastLr = currentLrs();
  }

  private void reduceLr() {
    List<ParamGroup> groups = optimizer.paramGroups();
    for (int i = 0; i < groups.size(); i++) {
      ParamGroup g = groups.get(i);
      double old = g.lr();
      double lr = Math.max(old * factor, minLrs[i]);
      if (old - lr > eps) {
        g.setLr(lr);
      }
    }
  }

  private boolean isBetter(double a, double best) {
    if (mode == Mode.MIN) {
      return thresholdMode == ThresholdMode.REL ? a < best * (1. - threshold)
          : a < best - threshold;
    }
    return thresholdMode == ThresholdMode.REL ? a > best * (threshold + 1.)
        : a > best + threshold;
  }

  private double[] currentLrs() {
    List<ParamGroup> groups = optimizer.paramGroups();
    double[] lrs = new double[groups.size()];
    for (int i = 0; i < lrs.length; i++) {
      lrs[i] = groups.get(i).lr();
    }
    return lrs;
  }

  /** The learning rates after the last step (before any step: the groups' current rates). */
  public double[] getLastLr() {
    return lastLr != null ? lastLr.clone() : currentLrs();
  }

  /** The best metric so far (infinite before the first step). */
  public double best() {
    return best;
  }

  /** The number of epochs since the last improvement, as counted for patience. */
  public int numBadEpochs() {
    return numBadEpochs;
  }

  /** The number of epochs stepped ({@code last_epoch}). */
  public int lastEpoch() {
    return lastEpoch;
  }

  /**
   * The state with PyTorch's keys: {@code factor}, {@code min_lrs}, {@code patience}, {@code
   * cooldown}, {@code cooldown_counter}, {@code mode} ("min"/"max"), {@code threshold}, {@code
   * threshold_mode} ("rel"/"abs"), {@code best} (possibly infinite), {@code num_bad_epochs},
   * {@code mode_worse}, {@code eps}, {@code last_epoch}, {@code _last_lr} (after a step).
   */
  @Override
  public Map<String, Object> stateDict() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("factor", factor);
    d.put("min_lrs", LRScheduler.toList(minLrs));
    d.put("patience", patience);
    d.put("cooldown", cooldown);
    d.put("cooldown_counter", cooldownCounter);
    d.put("mode", mode.name().toLowerCase(Locale.ROOT));
    d.put("threshold", threshold);
    d.put("threshold_mode", thresholdMode.name().toLowerCase(Locale.ROOT));
    d.put("best", best);
    d.put("num_bad_epochs", numBadEpochs);
    d.put("mode_worse", worst());
    d.put("eps", eps);
    d.put("last_epoch", lastEpoch);
    if (lastLr != null) {
      d.put("_last_lr", LRScheduler.toList(lastLr));
    }
    return d;
  }

  /**
   * Restores a state from {@link #stateDict()}.
   *
   * @throws IllegalArgumentException if a key is missing or has the wrong type, or a mode is
   *     unknown
   */
  @Override
  public void loadStateDict(Map<String, Object> d) {
    int groups = optimizer.paramGroups().size();
    double f = LRScheduler.number(d, "factor");
    double[] mins = LRScheduler.doubles(d, "min_lrs", groups);
    int pat = LRScheduler.integer(d, "patience");
    int cool = LRScheduler.integer(d, "cooldown");
    int coolCounter = LRScheduler.integer(d, "cooldown_counter");
    Mode m = parse(Mode.class, "mode", LRScheduler.require(d, "mode"));
    double thr = LRScheduler.number(d, "threshold");
    ThresholdMode tm = parse(ThresholdMode.class, "threshold mode",
        LRScheduler.require(d, "threshold_mode"));
    double b = LRScheduler.number(d, "best");
    int bad = LRScheduler.integer(d, "num_bad_epochs");
    double e = LRScheduler.number(d, "eps");
    int last = LRScheduler.integer(d, "last_epoch");
    double[] lr = d.get("_last_lr") == null ? null : LRScheduler.doubles(d, "_last_lr", groups);
    factor = f;
    minLrs = mins;
    patience = pat;
    cooldown = cool;
    cooldownCounter = coolCounter;
    mode = m;
    threshold = thr;
    thresholdMode = tm;
    best = b;
    numBadEpochs = bad;
    eps = e;
    lastEpoch = last;
    lastLr = lr;
  }

  private static <E extends Enum<E>> E parse(Class<E> type, String what, Object v) {
    if (v instanceof String s) {
      for (E c : type.getEnumConstants()) {
        if (c.name().equalsIgnoreCase(s)) {
          return c;
        }
      }
    }
    throw new IllegalArgumentException(what + " " + v + " is unknown!");
  }
}
