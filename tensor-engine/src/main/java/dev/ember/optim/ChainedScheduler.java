package dev.ember.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Steps several schedulers together, each applying its change on top of the others' (their
 * recursive forms compose), like {@code torch.optim.lr_scheduler.ChainedScheduler}:
 *
 * <pre>{@code
 * var sched = new ChainedScheduler(
 *     List.of(new LinearLR(opt, 0.1, 1.0, 5), new ExponentialLR(opt, 0.9)));
 * }</pre>
 *
 * <p>Construction performs no step (the schedulers already took their initial steps).
 */
public final class ChainedScheduler extends LRScheduler {
  private final List<LRScheduler> schedulers;

  /**
   * Chains {@code schedulers}, which must all drive one optimizer.
   *
   * @throws IllegalArgumentException if the list is empty or the optimizers differ
   */
  public ChainedScheduler(List<LRScheduler> schedulers) {
    super(first(schedulers).optimizer());
    for (int i = 1; i < schedulers.size(); i++) {
      if (schedulers.get(i).optimizer() != optimizer) {
        throw new IllegalArgumentException("ChainedScheduler expects all schedulers to belong to"
            + " the same optimizer, but got schedulers at index 0 and " + i + " to be different");
      }
    }
    this.schedulers = new ArrayList<>(schedulers);
    setLastLrFromGroups();
  }

  private static LRScheduler first(List<LRScheduler> schedulers) {
    if (schedulers.isEmpty()) {
      throw new IllegalArgumentException("ChainedScheduler needs at least one scheduler");
    }
    return schedulers.get(0);
  }

  /** The schedulers, in order (unmodifiable). */
  public List<LRScheduler> schedulers() {
    return Collections.unmodifiableList(schedulers);
  }

  @Override
  public void step() {
    for (LRScheduler s : schedulers) {
      s.step();
    }
    setLastLrFromGroups();
  }

  /** Not used: a ChainedScheduler steps its schedulers in turn. */
  @Override
  protected double[] computeLr() {
    return groupLrs();
  }

  /** {@code _last_lr} and {@code _schedulers}. */
  @Override
  public Map<String, Object> stateDict() {
    Map<String, Object> d = new LinkedHashMap<>();
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
    double[] lastLr = doubles(stateDict, "_last_lr", optimizer.paramGroups().size());
    List<Map<String, Object>> subs = SequentialLR.subStates(stateDict, schedulers.size());
    for (int i = 0; i < subs.size(); i++) {
      schedulers.get(i).loadStateDict(subs.get(i));
    }
    setLastLr(lastLr);
  }
}
