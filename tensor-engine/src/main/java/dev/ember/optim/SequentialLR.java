package dev.ember.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs schedulers one after another, switching at milestone epochs, like {@code
 * torch.optim.lr_scheduler.SequentialLR} (e.g. a {@link LinearLR} warm-up, then {@link
 * CosineAnnealingLR}):
 *
 * <pre>{@code
 * var warmup = new LinearLR(opt, 0.1, 1.0, 5);
 * var decay = new CosineAnnealingLR(opt, 95);
 * var sched = new SequentialLR(opt, List.of(warmup, decay), new int[] {5});
 * }</pre>
 *
 * <p>As in PyTorch 1.13: construction resets every group's lr to its {@code "initial_lr"} and
 * restarts the first scheduler; at a milestone the next scheduler restarts from epoch 0 in its
 * closed form ({@code step(0)}), otherwise the current scheduler steps normally.
 */
public final class SequentialLR extends LRScheduler {
  private final List<LRScheduler> schedulers;
  private int[] milestones;

  /** Switches at {@code milestones} (one fewer than schedulers). */
  public SequentialLR(Optimizer optimizer, List<LRScheduler> schedulers, int[] milestones) {
    this(optimizer, schedulers, milestones, -1);
  }

  /**
   * Switches at {@code milestones}, resuming after epoch {@code lastEpoch} (-1 for new).
   *
   * @throws IllegalArgumentException if a scheduler drives another optimizer, is itself a {@link
   *     SequentialLR} or {@link ChainedScheduler}, if there is not exactly one milestone fewer than
   *     schedulers, or if the milestones are not increasing
   */
  public SequentialLR(Optimizer optimizer, List<LRScheduler> schedulers, int[] milestones,
      int lastEpoch) {
    super(optimizer);
    if (schedulers.isEmpty()) {
      throw new IllegalArgumentException("SequentialLR needs at least one scheduler");
    }
    for (int i = 0; i < schedulers.size(); i++) {
      LRScheduler s = schedulers.get(i);
      if (s.optimizer() != optimizer) {
        throw new IllegalArgumentException("Sequential Schedulers expects all schedulers to"
            + " belong to the same optimizer, but got schedulers at index " + i + " to be"
            + " different than the optimizer passed in.");
      }
      if (s instanceof SequentialLR || s instanceof ChainedScheduler) {
        throw new IllegalArgumentException("SequentialLR cannot restart a composite scheduler"
            + " (index " + i + ", " + s.getClass().getSimpleName() + ") at a milestone");
      }
    }
    if (milestones.length != schedulers.size() - 1) {
      throw new IllegalArgumentException("Sequential Schedulers expects number of schedulers"
          + " provided to be one more than the number of milestone points, but got number of"
          + " schedulers " + schedulers.size() + " and the number of milestones to be equal to "
          + milestones.length);
    }
    for (int i = 1; i < milestones.length; i++) {
      if (milestones[i] < milestones[i - 1]) {
        throw new IllegalArgumentException("SequentialLR milestones must be increasing, got "
            + Arrays.toString(milestones));
      }
    }
    this.schedulers = new ArrayList<>(schedulers);
    this.milestones = milestones.clone();
    this.lastEpoch = lastEpoch + 1;
    for (ParamGroup g : optimizer.paramGroups()) {
      g.setLr(g.get("initial_lr"));
    }
    for (LRScheduler s : this.schedulers) {
      s.lastEpoch -= 1;
    }
    this.schedulers.get(0).initialStep();
    setLastLr(this.schedulers.get(0).getLastLr());
  }

  /** The schedulers, in order (unmodifiable). */
  public List<LRScheduler> schedulers() {
    return Collections.unmodifiableList(schedulers);
  }

  @Override
  public void step() {
    lastEpoch++;
    int idx = bisectRight(milestones, lastEpoch);
    LRScheduler s = schedulers.get(idx);
    if (idx > 0 && milestones[idx - 1] == lastEpoch) {
      s.stepTo(0);
    } else {
      s.step();
    }
    setLastLr(s.getLastLr());
  }

  private static int bisectRight(int[] a, int x) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (x < a[mid]) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /** Not used: a SequentialLR delegates every step to one of its schedulers. */
  @Override
  protected double[] computeLr() {
    return groupLrs();
  }

  /** {@code last_epoch}, {@code _milestones}, {@code _last_lr} and {@code _schedulers}. */
  @Override
  public Map<String, Object> stateDict() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("_milestones", toList(milestones));
    d.put("last_epoch", lastEpoch);
    d.put("_last_lr", toList(getLastLr()));
    List<Object> subs = new ArrayList<>();
    for (LRScheduler s : schedulers) {
      subs.add(s.stateDict());
    }
    d.put("_schedulers", subs);
    return d;
  }

  @Override
  public void loadStateDict(Map<String, Object> stateDict) {
    int[] m = ints(stateDict, "_milestones");
    int last = integer(stateDict, "last_epoch");
    double[] lastLr = doubles(stateDict, "_last_lr", optimizer.paramGroups().size());
    List<Map<String, Object>> subs = subStates(stateDict, schedulers.size());
    if (m.length != schedulers.size() - 1) {
      throw new IllegalArgumentException("scheduler state '_milestones' has " + m.length
          + " milestones for " + schedulers.size() + " schedulers");
    }
    for (int i = 0; i < subs.size(); i++) {
      schedulers.get(i).loadStateDict(subs.get(i));
    }
    milestones = m;
    lastEpoch = last;
    setLastLr(lastLr);
  }

  static List<Map<String, Object>> subStates(Map<String, Object> d, int n) {
    Object v = require(d, "_schedulers");
    if (!(v instanceof List<?> list) || list.size() != n) {
      throw new IllegalArgumentException("scheduler state '_schedulers' must be a list of " + n
          + " state dicts, got " + v);
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof Map<?, ?>)) {
        throw new IllegalArgumentException("an entry of '_schedulers' is not a map: " + o);
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) o;
      out.add(m);
    }
    return out;
  }
}
