package dev.ember.nn.conv;

import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.tensor.Tensor;

/**
 * The mean over each window, as {@code torch.nn.AvgPool2d}; stride defaults to the kernel, and
 * zero padding counts in the divisor unless {@code countIncludePad} is false.
 */
public class AvgPool2d extends Module {
  private final int[] kernel;
  private final int[] stride;
  private final int[] padding;
  private final boolean ceilMode;
  private final boolean countIncludePad;
  private final int divisorOverride;

  /** A square window with stride equal to it. */
  public AvgPool2d(int kernelSize) {
    this(ConvInit.pair(kernelSize), ConvInit.pair(kernelSize), ConvInit.pair(0), false, true, 0);
  }

  /** The full form; {@code divisorOverride} 0 for none. */
  public AvgPool2d(int[] kernelSize, int[] stride, int[] padding, boolean ceilMode,
      boolean countIncludePad, int divisorOverride) {
    this.kernel = kernelSize.clone();
    this.stride = stride.clone();
    this.padding = padding.clone();
    this.ceilMode = ceilMode;
    this.countIncludePad = countIncludePad;
    this.divisorOverride = divisorOverride;
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.avgPool2d(input, kernel, stride, padding, ceilMode, countIncludePad,
        divisorOverride);
  }

  @Override
  protected String extraRepr() {
    return "kernel_size=" + ConvInit.str(kernel) + ", stride=" + ConvInit.str(stride)
        + ", padding=" + ConvInit.str(padding);
  }
}
