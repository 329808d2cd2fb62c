package dev.ember.data.transforms;

import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * Mirrors the image top to bottom with probability {@code p} (torchvision's {@code
 * RandomVerticalFlip}); one uniform draw per call. Input: (..., H, W).
 */
public final class RandomVerticalFlip implements Transform<Tensor, Tensor> {
  private final double p;

  /** Flips with probability 0.5. */
  public RandomVerticalFlip() {
    this(0.5);
  }

  /**
   * Flips with probability {@code p}.
   *
   * @throws IllegalArgumentException if {@code p} is not in [0, 1]
   */
  public RandomVerticalFlip(double p) {
    Draw.checkProbability("RandomVerticalFlip", p);
    this.p = p;
  }

  @Override
  public Tensor apply(Tensor img, Generator gen) {
    return Draw.bernoulli(gen, p) ? Functional.vflip(img) : img;
  }
}
