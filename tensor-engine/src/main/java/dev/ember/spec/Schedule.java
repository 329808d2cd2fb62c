package dev.ember.spec;

import dev.ember.optim.Stateful;

/**
 * A learning-rate schedule attached to an optimizer, stepped by the training loop at two points:
 * after every optimizer step and after every epoch. Each schedule acts at one of them (a one-cycle
 * schedule per batch, the others per epoch) and ignores the other, so a loop calls both always.
 * Its state (the scheduler's PyTorch-style state dict) goes into checkpoints.
 *
 * <p>Resuming follows PyTorch's order: build the optimizer and the schedule (building sets the
 * optimizer's rates to the schedule's start), then load the optimizer's state, then the
 * schedule's.
 */
public interface Schedule extends Stateful {

  /** Called after each optimizer step. */
  void afterBatch();

  /**
   * Called after each epoch.
   *
   * @param validationLoss the epoch's validation loss, or NaN when there is no validation data
   * @throws IllegalArgumentException for a schedule that steps on the validation loss (plateau)
   *     when it is NaN
   */
  void afterEpoch(double validationLoss);
}
