package dev.ember.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The base of the epoch-based learning-rate schedulers, like PyTorch 1.13's {@code
 * torch.optim.lr_scheduler._LRScheduler}: each {@link #step()} advances {@code last_epoch} by one
 * and writes a new {@code lr} into every parameter group of the optimizer.
 *
 * <p>Call {@code scheduler.step()} after {@code optimizer.step()}, once per epoch (or per batch,
 * for per-iteration schedules such as {@link OneCycleLR}). As in PyTorch:
 * <ul>
 *   <li>a new scheduler with {@code lastEpoch == -1} stores each group's {@code lr} as {@code
 *       "initial_lr"} (unless already there) and uses those as its base learning rates; with
 *       another {@code lastEpoch} (resuming) every group must already have {@code "initial_lr"};
 *   <li>the constructor performs the initial step: {@code last_epoch} becomes {@code lastEpoch +
 *       1} (0 for a new scheduler) and the learning rates for that epoch are set;
 *   <li>schedules are computed in the recursive ("chainable") form from the groups' current
 *       learning rates, so several schedulers can act on one optimizer.
 * </ul>
 *
 * <p>Subclasses compute the rates in {@link #computeLr()} and end their constructor with {@link
 * #initialStep()} (Java cannot call the subclass before its fields are set).
 */
public abstract class LRScheduler implements Stateful {
  /** The optimizer whose learning rates this scheduler sets. */
  protected final Optimizer optimizer;
  /** The index of the last epoch (step) taken; 0 after construction. */
  protected int lastEpoch;
  /** The base learning rates, one per group ({@code "initial_lr"}). */
  protected double[] baseLrs;
  /** The number of steps taken, the initial one included. */
  protected int stepCount;
  private double[] lastLr;

  /**
   * Attaches to {@code optimizer}; see the class comment for {@code lastEpoch}.
   *
   * @throws IllegalArgumentException if resuming ({@code lastEpoch != -1}) and a group has no
   *     {@code "initial_lr"}, or if {@code lastEpoch < -1}
   */
  protected LRScheduler(Optimizer optimizer, int lastEpoch) {
    this.optimizer = optimizer;
    if (lastEpoch < -1) {
      throw new IllegalArgumentException("lastEpoch must be >= -1, got " + lastEpoch);
    }
    List<ParamGroup> groups = optimizer.paramGroups();
    baseLrs = new double[groups.size()];
    for (int i = 0; i < groups.size(); i++) {
      ParamGroup g = groups.get(i);
      if (lastEpoch == -1) {
        if (!g.has("initial_lr")) {
          g.set("initial_lr", g.lr());
        }
      } else if (!g.has("initial_lr")) {
        throw new IllegalArgumentException("param 'initial_lr' is not specified in param_groups["
            + i + "] when resuming an optimizer");
      }
      baseLrs[i] = g.get("initial_lr");
    }
    this.lastEpoch = lastEpoch;
  }

  /** For the composite schedulers, which keep no base rates of their own. */
  LRScheduler(Optimizer optimizer) {
    this.optimizer = optimizer;
    this.baseLrs = new double[0];
  }

  /** The optimizer this scheduler drives. */
  public Optimizer optimizer() {
    return optimizer;
  }

  /** The index of the last epoch taken ({@code last_epoch}). */
  public int lastEpoch() {
    return lastEpoch;
  }

  /** Resets the step count and performs the first step; the end of every subclass constructor. */
  protected final void initialStep() {
    stepCount = 0;
    step();
  }

  /** Advances one epoch and sets the new learning rates. */
  public void step() {
    stepCount++;
    lastEpoch++;
    apply(computeLr());
  }

  /**
   * Jumps to {@code epoch}, using the closed form of the schedule where there is one (PyTorch's
   * deprecated {@code step(epoch)}); {@link SequentialLR} uses it at its milestones.
   */
  void stepTo(int epoch) {
    stepCount++;
    lastEpoch = epoch;
    double[] closed = closedFormLr();
    apply(closed != null ? closed : computeLr());
  }

  private void apply(double[] lrs) {
    List<ParamGroup> groups = optimizer.paramGroups();
    for (int i = 0; i < groups.size(); i++) {
      groups.get(i).setLr(lrs[i]);
    }
    setLastLrFromGroups();
  }

  /** Records the groups' current learning rates as the last ones. */
  final void setLastLrFromGroups() {
    List<ParamGroup> groups = optimizer.paramGroups();
    lastLr = new double[groups.size()];
    for (int i = 0; i < lastLr.length; i++) {
      lastLr[i] = groups.get(i).lr();
    }
  }

  final void setLastLr(double[] lrs) {
    lastLr = lrs.clone();
  }

  /**
   * The learning rates for {@link #lastEpoch}, one per group, from the groups' current rates (the
   * recursive form of the schedule, PyTorch's {@code get_lr}).
   */
  protected abstract double[] computeLr();

  /** The learning rates for {@link #lastEpoch} from the base rates alone, or null if none. */
  protected double[] closedFormLr() {
    return null;
  }

  /** The learning rates set by the last step, one per group (a copy). */
  public double[] getLastLr() {
    return lastLr.clone();
  }

  /** The current learning rates of the optimizer's groups. */
  final double[] groupLrs() {
    List<ParamGroup> groups = optimizer.paramGroups();
    double[] lrs = new double[groups.size()];
    for (int i = 0; i < lrs.length; i++) {
      lrs[i] = groups.get(i).lr();
    }
    return lrs;
  }

  /**
   * The scheduler's state with PyTorch's keys ({@code last_epoch}, {@code base_lrs}, {@code
   * _step_count}, {@code _last_lr} and the schedule's own settings), as Integer, Double, Boolean,
   * String, lists and maps. The optimizer is not part of it.
   */
  @Override
  public Map<String, Object> stateDict() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("base_lrs", toList(baseLrs));
    d.put("last_epoch", lastEpoch);
    d.put("_step_count", stepCount);
    d.put("_last_lr", lastLr == null ? null : toList(lastLr));
    return d;
  }

  /**
   * Restores a state from {@link #stateDict()}; like PyTorch, settings in the dict (gamma, step
   * size, ...) replace the constructor's.
   *
   * @throws IllegalArgumentException if a key is missing or has the wrong type or length
   */
  @Override
  public void loadStateDict(Map<String, Object> stateDict) {
    baseLrs = doubles(stateDict, "base_lrs", optimizer.paramGroups().size());
    lastEpoch = integer(stateDict, "last_epoch");
    stepCount = integer(stateDict, "_step_count");
    Object last = stateDict.get("_last_lr");
    lastLr = last == null ? null : doubles(stateDict, "_last_lr", optimizer.paramGroups().size());
  }

  // ---------------------------------------------------------------------------------------------
  // State-dict helpers

  static List<Double> toList(double[] values) {
    List<Double> out = new ArrayList<>(values.length);
    for (double v : values) {
      out.add(v);
    }
    return out;
  }

  static List<Integer> toList(int[] values) {
    List<Integer> out = new ArrayList<>(values.length);
    for (int v : values) {
      out.add(v);
    }
    return out;
  }

  static Object require(Map<String, Object> d, String key) {
    if (!d.containsKey(key)) {
      throw new IllegalArgumentException("scheduler state dict has no '" + key + "' (keys "
          + d.keySet() + ")");
    }
    return d.get(key);
  }

  static int integer(Map<String, Object> d, String key) {
    Object v = require(d, key);
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new IllegalArgumentException("scheduler state '" + key + "' must be an integer, got "
          + v);
    }
    return n.intValue();
  }

  static double number(Map<String, Object> d, String key) {
    Object v = require(d, key);
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException("scheduler state '" + key + "' must be a number, got "
          + v);
    }
    return n.doubleValue();
  }

  static boolean bool(Map<String, Object> d, String key) {
    Object v = require(d, key);
    if (!(v instanceof Boolean b)) {
      throw new IllegalArgumentException("scheduler state '" + key + "' must be a boolean, got "
          + v);
    }
    return b;
  }

  /** A list of numbers of the given length (-1: any). */
  static double[] doubles(Map<String, Object> d, String key, int length) {
    Object v = require(d, key);
    if (!(v instanceof List<?> list) || length >= 0 && list.size() != length) {
      throw new IllegalArgumentException("scheduler state '" + key + "' must be a list of "
          + (length >= 0 ? length + " " : "") + "numbers, got " + v);
    }
    double[] out = new double[list.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(list.get(i) instanceof Number n)) {
        throw new IllegalArgumentException("scheduler state '" + key + "' must be a list of"
            + " numbers, got " + v);
      }
      out[i] = n.doubleValue();
    }
    return out;
  }

  static int[] ints(Map<String, Object> d, String key) {
    double[] v = doubles(d, key, -1);
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      if (v[i] != Math.rint(v[i])) {
        throw new IllegalArgumentException("scheduler state '" + key
            + "' must be a list of integers, got " + d.get(key));
      }
      out[i] = (int) v[i];
    }
    return out;
  }
}
