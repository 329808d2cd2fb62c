package dev.ember.spark;

import dev.ember.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The optimizer states that partitions keep in their executor between rounds under {@code
 * optimizerStatePolicy=keepLocal}, keyed by (fit, partition) and then by the round that wrote
 * them. A task of round {@code r} reads the newest state written before {@code r}, so a retried
 * task reads what its first attempt read. At most {@link #MAX_PARTITIONS} partitions' states are
 * kept per JVM (the oldest used are dropped), and a fit removes its own when it ends.
 */
final class LocalStates {
  static final int MAX_PARTITIONS = 256;

  private static final Map<String, NavigableMap<Integer, Map<String, Tensor>>> STATES =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(
            Map.Entry<String, NavigableMap<Integer, Map<String, Tensor>>> eldest) {
          return size() > MAX_PARTITIONS;
        }
      };

  private LocalStates() {}

  private static String key(String fitId, int partition) {
    return fitId + "/" + partition;
  }

  /**
   * The newest state that {@code partition} of fit {@code fitId} stored before {@code round}, or
   * null; older ones are dropped (no retry can need them any more).
   */
  static synchronized Map<String, Tensor> before(String fitId, int partition, int round) {
    NavigableMap<Integer, Map<String, Tensor>> rounds = STATES.get(key(fitId, partition));
    if (rounds == null) {
      return null;
    }
    Map.Entry<Integer, Map<String, Tensor>> e = rounds.lowerEntry(round);
    if (e == null) {
      return null;
    }
    rounds.headMap(e.getKey(), false).clear();
    return e.getValue();
  }

  /** Stores {@code state} (copies of the live tensors, outside every scope) for {@code round}. */
  static synchronized void put(String fitId, int partition, int round, Map<String, Tensor> state) {
    Map<String, Tensor> copy = new LinkedHashMap<>();
    state.forEach((k, v) -> copy.put(k, v.detach().clone().persist()));
    STATES.computeIfAbsent(key(fitId, partition), k -> new TreeMap<>()).put(round, copy);
  }

  /** Drops every state of fit {@code fitId} in this JVM. */
  static synchronized void remove(String fitId) {
    STATES.keySet().removeIf(k -> k.startsWith(fitId + "/"));
  }
}
