package dev.ember.nn.conv;

import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * 2-D transposed convolution (the gradient of {@link Conv2d} with respect to its input), as
 * {@code torch.nn.ConvTranspose2d}.
 *
 * <pre>
 * input (N, C_in, H, W) or (C_in, H, W)    output (N, C_out, H_out, W_out)
 * weight (C_in, C_out / groups, kH, kW)    bias (C_out)
 * H_out = (H - 1) stride[0] - 2 padding[0] + dilation[0] (kH - 1) + outputPadding[0] + 1
 * </pre>
 */
public class ConvTranspose2d extends Module {
  private final int in;
  private final int out;
  private final int[] kernel;
  private final int[] stride;
  private final int[] padding;
  private final int[] outputPadding;
  private final int[] dilation;
  private final int groups;

  /** A square kernel with the given stride, no padding, with bias, default generator. */
  public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride) {
    this(inChannels, outChannels, ConvInit.pair(kernelSize), ConvInit.pair(stride),
        ConvInit.pair(0), ConvInit.pair(0), 1, true, ConvInit.pair(1), Generator.getDefault());
  }

  /**
   * The full form, in PyTorch's argument order.
   *
   * @throws IllegalArgumentException if the channels are not divisible by {@code groups}
   */
  public ConvTranspose2d(int inChannels, int outChannels, int[] kernelSize, int[] stride,
      int[] padding, int[] outputPadding, int groups, boolean bias, int[] dilation,
      Generator gen) {
    ConvInit.checkChannels("ConvTranspose2d", inChannels, outChannels, groups);
    this.in = inChannels;
    this.out = outChannels;
    this.kernel = kernelSize.clone();
    this.stride = stride.clone();
    this.padding = padding.clone();
    this.outputPadding = outputPadding.clone();
    this.dilation = dilation.clone();
    this.groups = groups;
    Tensor w = registerParameter("weight",
        Tensor.empty(inChannels, outChannels / groups, kernelSize[0], kernelSize[1]));
    Tensor b = registerParameter("bias", bias ? Tensor.empty(outChannels) : null);
    ConvInit.reset(w, b, gen);
  }

  /** The weight, (C_in, C_out / groups, kH, kW). */
  public Tensor weight() {
    return parameter("weight");
  }

  /** The bias, (C_out), or null. */
  public Tensor bias() {
    return parameter("bias");
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.convTranspose2d(input, weight(), bias(), stride, padding, outputPadding, groups,
        dilation);
  }

  @Override
  protected String extraRepr() {
    return in + ", " + out + ", kernel_size=" + ConvInit.str(kernel) + ", stride="
        + ConvInit.str(stride)
        + (padding[0] != 0 || padding[1] != 0 ? ", padding=" + ConvInit.str(padding) : "")
        + (outputPadding[0] != 0 || outputPadding[1] != 0
            ? ", output_padding=" + ConvInit.str(outputPadding) : "")
        + (dilation[0] != 1 || dilation[1] != 1 ? ", dilation=" + ConvInit.str(dilation) : "")
        + (groups != 1 ? ", groups=" + groups : "") + (bias() == null ? ", bias=false" : "");
  }
}
