package dev.ember.nn.conv;

import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.tensor.Tensor;

/**
 * The mean over windows chosen so that the output is {@code outputSize}, as {@code
 * torch.nn.AdaptiveAvgPool2d}: window i spans {@code [floor(i H / oH), ceil((i + 1) H / oH))}.
 */
public class AdaptiveAvgPool2d extends Module {
  private final int[] outputSize;

  /** A square output. */
  public AdaptiveAvgPool2d(int outputSize) {
    this(ConvInit.pair(outputSize));
  }

  /** An output of {oH, oW}. */
  public AdaptiveAvgPool2d(int[] outputSize) {
    this.outputSize = outputSize.clone();
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.adaptiveAvgPool2d(input, outputSize);
  }

  @Override
  protected String extraRepr() {
    return "output_size=" + ConvInit.str(outputSize);
  }
}
