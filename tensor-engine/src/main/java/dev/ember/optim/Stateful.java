package dev.ember.optim;

import java.util.Map;

/**
 * Something whose state is a PyTorch-style state dict (maps, lists, tensors, numbers, booleans,
 * strings): optimizers and learning-rate schedulers, so that checkpoints can hold any of them.
 */
public interface Stateful {
  /** The state, as PyTorch structures it. */
  Map<String, Object> stateDict();

  /**
   * Restores a state from {@link #stateDict()}; on an invalid dict nothing changes.
   *
   * @throws IllegalArgumentException naming what does not match
   */
  void loadStateDict(Map<String, Object> stateDict);
}
