package dev.ember.nn.conv;

import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * 2-D convolution (cross-correlation), as {@code torch.nn.Conv2d}.
 *
 * <pre>
 * input (N, C_in, H, W) or (C_in, H, W)    output (N, C_out, H_out, W_out)
 * weight (C_out, C_in / groups, kH, kW)    bias (C_out)
 * H_out = floor((H + 2 padding[0] - dilation[0] (kH - 1) - 1) / stride[0]) + 1, W_out alike
 * </pre>
 */
public class Conv2d extends Module {
  private final int in;
  private final int out;
  private final int[] kernel;
  private final int[] stride;
  private final int[] padding;
  private final int[] dilation;
  private final int groups;

  /** A square kernel, stride 1, no padding, with bias, default generator. */
  public Conv2d(int inChannels, int outChannels, int kernelSize) {
    this(inChannels, outChannels, kernelSize, 1, 0);
  }

  /** A square kernel with the given stride and padding, with bias, default generator. */
  public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding) {
    this(inChannels, outChannels, ConvInit.pair(kernelSize), ConvInit.pair(stride),
        ConvInit.pair(padding), ConvInit.pair(1), 1, true, Generator.getDefault());
  }

  /**
   * The full form: {kH, kW}, {sH, sW}, {pH, pW}, {dH, dW}.
   *
   * @throws IllegalArgumentException if the channels are not divisible by {@code groups}
   */
  public Conv2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding,
      int[] dilation, int groups, boolean bias, Generator gen) {
    ConvInit.checkChannels("Conv2d", inChannels, outChannels, groups);
    this.in = inChannels;
    this.out = outChannels;
    this.kernel = kernelSize.clone();
    this.stride = stride.clone();
    this.padding = padding.clone();
    this.dilation = dilation.clone();
    this.groups = groups;
    Tensor w = registerParameter("weight",
        Tensor.empty(outChannels, inChannels / groups, kernelSize[0], kernelSize[1]));
    Tensor b = registerParameter("bias", bias ? Tensor.empty(outChannels) : null);
    ConvInit.reset(w, b, gen);
  }

  /** The weight, (C_out, C_in / groups, kH, kW). */
  public Tensor weight() {
    return parameter("weight");
  }

  /** The bias, (C_out), or null. */
  public Tensor bias() {
    return parameter("bias");
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.conv2d(input, weight(), bias(), stride, padding, dilation, groups);
  }

  /**
   * {@code relu(forward(input))} as one {@link F#conv2dRelu} (a GPU applies the ReLU as the
   * product stores its tiles); {@link dev.ember.nn.Sequential} uses it for this layer followed by
   * a {@code ReLU}.
   */
  public Tensor forwardRelu(Tensor input) {
    return F.conv2dRelu(input, weight(), bias(), stride, padding, dilation, groups);
  }

  @Override
  protected String extraRepr() {
    return in + ", " + out + ", kernel_size=" + ConvInit.str(kernel) + ", stride="
        + ConvInit.str(stride)
        + (padding[0] != 0 || padding[1] != 0 ? ", padding=" + ConvInit.str(padding) : "")
        + (dilation[0] != 1 || dilation[1] != 1 ? ", dilation=" + ConvInit.str(dilation) : "")
        + (groups != 1 ? ", groups=" + groups : "") + (bias() == null ? ", bias=false" : "");
  }
}
