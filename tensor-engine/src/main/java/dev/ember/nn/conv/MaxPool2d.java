package dev.ember.nn.conv;

import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.tensor.Tensor;

/**
 * The maximum over each window, as {@code torch.nn.MaxPool2d}; stride defaults to the kernel.
 *
 * <pre>
 * input (N, C, H, W) or (C, H, W)    output (N, C, H_out, W_out)
 * H_out = floor_or_ceil((H + 2 padding[0] - dilation[0] (kH - 1) - 1) / stride[0]) + 1
 * </pre>
 */
public class MaxPool2d extends Module {
  private final int[] kernel;
  private final int[] stride;
  private final int[] padding;
  private final int[] dilation;
  private final boolean ceilMode;

  /** A square window with stride equal to it. */
  public MaxPool2d(int kernelSize) {
    this(ConvInit.pair(kernelSize), ConvInit.pair(kernelSize), ConvInit.pair(0),
        ConvInit.pair(1), false);
  }

  /** The full form: {kH, kW}, {sH, sW}, {pH, pW}, {dH, dW}, ceil mode. */
  public MaxPool2d(int[] kernelSize, int[] stride, int[] padding, int[] dilation,
      boolean ceilMode) {
    this.kernel = kernelSize.clone();
    this.stride = stride.clone();
    this.padding = padding.clone();
    this.dilation = dilation.clone();
    this.ceilMode = ceilMode;
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.maxPool2d(input, kernel, stride, padding, dilation, ceilMode);
  }

  @Override
  protected String extraRepr() {
    return "kernel_size=" + ConvInit.str(kernel) + ", stride=" + ConvInit.str(stride)
        + ", padding=" + ConvInit.str(padding) + ", dilation=" + ConvInit.str(dilation)
        + ", ceil_mode=" + ceilMode;
  }
}
