package dev.ember.transformers.feature;

import java.io.Serializable;

/**
 * {@code (x - mean[c]) / std[c]} over the channels of a sample laid out channel-first, in float32
 * with torchvision's order of operations ({@code Normalize}: subtract, then divide), so that a
 * tensor column matches what torchvision computes from the same values.
 */
final class Normalizer implements Serializable {
  private static final long serialVersionUID = 1L;

  private final float[] mean;
  private final float[] std;
  private final int channels;
  private final int planeSize;

  private Normalizer(float[] mean, float[] std, int channels, int planeSize) {
    this.mean = mean;
    this.std = std;
    this.channels = channels;
    this.planeSize = planeSize;
  }

  /**
   * The normalization of samples of {@code channels} planes of {@code planeSize} values, or null
   * when {@code mean} and {@code std} are both empty (no normalization). Call {@link #check}
   * first.
   */
  static Normalizer of(double[] mean, double[] std, int channels, int planeSize) {
    if (mean.length == 0 && std.length == 0) {
      return null;
    }
    return new Normalizer(perChannel(mean, channels), perChannel(std, channels), channels,
        planeSize);
  }

  /**
   * Checks that {@code mean} and {@code std} are both empty, or each has 1 or {@code channels}
   * values.
   *
   * @param owner the stage, for the message
   * @throws IllegalArgumentException naming the param, its length and the channel count
   */
  static void check(String owner, double[] mean, double[] std, int channels) {
    checkPaired(owner, mean, std);
    if (mean.length == 0) {
      return;
    }
    checkLength(owner, "mean", mean, channels);
    checkLength(owner, "std", std, channels);
  }

  /**
   * Checks that {@code mean} and {@code std} are both empty or both set.
   *
   * @throws IllegalArgumentException naming the one that is missing
   */
  static void checkPaired(String owner, double[] mean, double[] std) {
    if ((mean.length == 0) != (std.length == 0)) {
      throw new IllegalArgumentException(owner + ": set both mean and std to normalize (mean has "
          + mean.length + " values, std has " + std.length + ")");
    }
  }

  private static void checkLength(String owner, String name, double[] v, int channels) {
    if (v.length != 1 && v.length != channels) {
      throw new IllegalArgumentException(owner + ": " + name + " has " + v.length
          + " values; expected 1 or one per channel (" + channels + ")");
    }
  }

  private static float[] perChannel(double[] v, int channels) {
    float[] out = new float[channels];
    for (int c = 0; c < channels; c++) {
      out[c] = (float) (v.length == 1 ? v[0] : v[c]);
    }
    return out;
  }

  /** Normalizes {@code values} ({@code channels * planeSize} floats) in place. */
  void apply(float[] values) {
    for (int c = 0; c < channels; c++) {
      float m = mean[c];
      float s = std[c];
      int base = c * planeSize;
      for (int k = base; k < base + planeSize; k++) {
        values[k] = (values[k] - m) / s;
      }
    }
  }
}
