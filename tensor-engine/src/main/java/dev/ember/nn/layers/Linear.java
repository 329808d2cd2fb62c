package dev.ember.nn.layers;

import dev.ember.nn.F;
import dev.ember.nn.Init;
import dev.ember.nn.Module;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * {@code y = x W^T + b}, as {@code torch.nn.Linear}; W and b start from U(-k, k) with {@code k =
 * 1 / sqrt(inFeatures)} (PyTorch's kaiming_uniform with a = sqrt(5)).
 *
 * <pre>
 * input (*, inFeatures)   output (*, outFeatures)
 * weight (outFeatures, inFeatures)   bias (outFeatures)
 * </pre>
 */
public class Linear extends Module {
  private final int inFeatures;
  private final int outFeatures;

  /** A layer with a bias, initialized from the default generator. */
  public Linear(int inFeatures, int outFeatures) {
    this(inFeatures, outFeatures, true, Generator.getDefault());
  }

  /** A layer with or without bias, initialized from the default generator. */
  public Linear(int inFeatures, int outFeatures, boolean bias) {
    this(inFeatures, outFeatures, bias, Generator.getDefault());
  }

  /**
   * A layer initialized from {@code gen}.
   *
   * @throws IllegalArgumentException for negative sizes
   */
  public Linear(int inFeatures, int outFeatures, boolean bias, Generator gen) {
    if (inFeatures < 0 || outFeatures < 0) {
      throw new IllegalArgumentException(
          "Linear: sizes must be non-negative, got " + inFeatures + " -> " + outFeatures);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    Tensor w = registerParameter("weight", Tensor.empty(outFeatures, inFeatures));
    Init.kaimingUniform_(w, Math.sqrt(5), "fan_in", "leaky_relu", gen);
    Tensor b = registerParameter("bias", bias ? Tensor.empty(outFeatures) : null);
    if (b != null) {
      double k = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
      Init.uniform_(b, -k, k, gen);
    }
  }

  /** The weight, (outFeatures, inFeatures). */
  public Tensor weight() {
    return parameter("weight");
  }

  /** The bias, (outFeatures), or null. */
  public Tensor bias() {
    return parameter("bias");
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.linear(input, weight(), bias());
  }

  @Override
  protected String extraRepr() {
    return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias="
        + (bias() != null);
  }
}
