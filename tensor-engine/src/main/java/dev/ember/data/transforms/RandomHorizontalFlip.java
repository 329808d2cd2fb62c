package dev.ember.data.transforms;

import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * Mirrors the image left to right with probability {@code p} (torchvision's {@code
 * RandomHorizontalFlip}); one uniform draw per call. Input: (..., H, W).
 */
public final class RandomHorizontalFlip implements Transform<Tensor, Tensor> {
  private final double p;

  /** Flips with probability 0.5. */
  public RandomHorizontalFlip() {
    this(0.5);
  }

  /**
   * Flips with probability {@code p}.
   *
   * @throws IllegalArgumentException if {@code p} is not in [0, 1]
   */
  public RandomHorizontalFlip(double p) {
    Draw.checkProbability("RandomHorizontalFlip", p);
    this.p = p;
  }

  @Override
  public Tensor apply(Tensor img, Generator gen) {
    return Draw.bernoulli(gen, p) ? Functional.hflip(img) : img;
  }
}
