package dev.ember.nn.conv;

import dev.ember.nn.Init;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/** PyTorch's default convolution initialization, shared by the convolution layers. */
final class ConvInit {
  private ConvInit() {}

  /**
   * Weight from kaiming_uniform with a = sqrt(5), i.e. U(-k, k) with {@code k = 1 /
   * sqrt(fan_in)}, and bias from the same U(-k, k); fan_in is the weight's dim 1 times the kernel
   * size (for a transposed convolution that is out / groups, as PyTorch computes it).
   */
  static void reset(Tensor weight, Tensor bias, Generator gen) {
    Init.kaimingUniform_(weight, Math.sqrt(5), "fan_in", "leaky_relu", gen);
    if (bias != null) {
      int fanIn = Init.fanIn(weight);
      double k = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      Init.uniform_(bias, -k, k, gen);
    }
  }

  static int[] pair(int v) {
    return new int[] {v, v};
  }

  static String str(int[] v) {
    return v.length == 1 ? "(" + v[0] + ",)" : "(" + v[0] + ", " + v[1] + ")";
  }

  static void checkChannels(String layer, int in, int out, int groups) {
    if (groups < 1 || in % groups != 0 || out % groups != 0) {
      throw new IllegalArgumentException(
          layer + ": in_channels " + in + " and out_channels " + out
              + " must be divisible by groups " + groups);
    }
  }
}
