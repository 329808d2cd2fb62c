package dev.ember.nn.norm;

import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.tensor.Tensor;
import java.util.Arrays;

/**
 * Normalizes over the last dims ({@code normalizedShape}) of each sample, as {@code
 * torch.nn.LayerNorm}: {@code (x - mean) / sqrt(var + eps) * weight + bias}, biased variance;
 * weight starts at 1, bias at 0.
 *
 * <pre>
 * input (*, normalizedShape)   output: same shape   weight, bias: normalizedShape
 * </pre>
 */
public class LayerNorm extends Module {
  private final int[] normalizedShape;
  private final double eps;

  /** eps 1e-5, with learned weight and bias. */
  public LayerNorm(int... normalizedShape) {
    this(normalizedShape, 1e-5, true);
  }

  /** The given eps; {@code elementwiseAffine} turns the learned weight and bias on. */
  public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine) {
    if (normalizedShape.length == 0) {
      throw new IllegalArgumentException("LayerNorm: normalizedShape must not be empty");
    }
    this.normalizedShape = normalizedShape.clone();
    this.eps = eps;
    registerParameter("weight", elementwiseAffine ? Tensor.ones(normalizedShape) : null);
    registerParameter("bias", elementwiseAffine ? Tensor.zeros(normalizedShape) : null);
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.layerNorm(input, normalizedShape, parameter("weight"), parameter("bias"), eps);
  }

  @Override
  protected String extraRepr() {
    return "(" + Arrays.toString(normalizedShape).replaceAll("[\\[\\]]", "") + ",), eps=" + eps
        + ", elementwise_affine=" + (parameter("weight") != null);
  }
}
