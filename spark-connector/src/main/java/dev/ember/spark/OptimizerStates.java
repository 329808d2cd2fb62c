package dev.ember.spark;

import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Converts the {@code "state"} part of an optimizer's state dict ({@code {0: {"step": ...,
 * "exp_avg": tensor}, ...}}) to flat tensors named {@code <param>/<key>} and back, so that it can
 * be averaged, broadcast and checkpointed like a model state. Hyperparameters ({@code
 * param_groups}) are not part of it: every task rebuilds them from the config and the schedule.
 */
final class OptimizerStates {
  private static final String STEP = "step";

  private OptimizerStates() {}

  /**
   * The tensors of an optimizer state dict's {@code "state"}, named {@code <param>/<key>}; an
   * integer step count becomes a 0-d int64 tensor. The tensors are the live state (not copies).
   *
   * @throws IllegalArgumentException if the dict's structure is not an optimizer's
   */
  static Map<String, Tensor> flatten(Map<String, Object> stateDict) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    if (!(stateDict.get("state") instanceof Map<?, ?> state)) {
      throw new IllegalArgumentException("an optimizer state dict has a map \"state\", got keys "
          + stateDict.keySet());
    }
    for (Map.Entry<?, ?> p : state.entrySet()) {
      if (!(p.getValue() instanceof Map<?, ?> entries)) {
        throw new IllegalArgumentException("optimizer state of parameter " + p.getKey()
            + " is not a map");
      }
      for (Map.Entry<?, ?> e : entries.entrySet()) {
        String name = p.getKey() + "/" + e.getKey();
        Object v = e.getValue();
        if (v instanceof Tensor t) {
          out.put(name, t);
        } else if (v instanceof Long || v instanceof Integer) {
          out.put(name, Tensor.scalar(((Number) v).longValue()));
        } else if (v != null) {
          throw new IllegalArgumentException("optimizer state " + name + " is a "
              + v.getClass().getSimpleName() + "; only tensors and step counts can be averaged");
        }
      }
    }
    return out;
  }

  /**
   * Rounds the step counts of a flat optimizer state of {@code layout} to integers, in place
   * (averaging partitions that took different numbers of steps gives a fraction); returns {@code
   * values}.
   */
  static double[] roundSteps(StateLayout layout, double[] values) {
    for (StateLayout.Entry e : layout.entries()) {
      if (e.name().endsWith("/" + STEP)) {
        for (int i = e.offset(); i < e.offset() + e.numel(); i++) {
          values[i] = Math.rint(values[i]);
        }
      }
    }
    return values;
  }

  /**
   * An optimizer state dict with {@code flat}'s state and the given {@code param_groups}; step
   * counts (which averaging may have made fractional) are rounded, an int64 one becomes a Long.
   *
   * @throws IllegalArgumentException if a name is not {@code <param>/<key>}
   */
  static Map<String, Object> unflatten(Map<String, Tensor> flat, Object paramGroups) {
    Map<Integer, Map<String, Object>> state = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : flat.entrySet()) {
      String name = e.getKey();
      int slash = name.indexOf('/');
      int param;
      try {
        param = Integer.parseInt(name.substring(0, Math.max(slash, 0)));
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException("optimizer state name '" + name
            + "' is not <param index>/<key>", ex);
      }
      String key = name.substring(slash + 1);
      Tensor t = e.getValue();
      Object value = t;
      if (key.equals(STEP)) {
        double step = Math.rint(t.item());
        value = t.dtype() == DType.INT64 ? (Object) (long) step
            : Tensor.scalar(step, t.dtype());
      }
      state.computeIfAbsent(param, k -> new LinkedHashMap<>()).put(key, value);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("state", state);
    out.put("param_groups", paramGroups);
    return out;
  }
}
