package dev.ember.nn.conv;

import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * 1-D convolution (cross-correlation), as {@code torch.nn.Conv1d}.
 *
 * <pre>
 * input (N, C_in, L) or (C_in, L)    output (N, C_out, L_out)
 * weight (C_out, C_in / groups, K)   bias (C_out)
 * L_out = floor((L + 2 padding - dilation (K - 1) - 1) / stride) + 1
 * </pre>
 */
public class Conv1d extends Module {
  private final int in;
  private final int out;
  private final int kernel;
  private final int stride;
  private final int padding;
  private final int dilation;
  private final int groups;

  /** Stride 1, no padding, with bias, default generator. */
  public Conv1d(int inChannels, int outChannels, int kernelSize) {
    this(inChannels, outChannels, kernelSize, 1, 0, 1, 1, true, Generator.getDefault());
  }

  /**
   * The full form.
   *
   * @throws IllegalArgumentException if the channels are not divisible by {@code groups}
   */
  public Conv1d(int inChannels, int outChannels, int kernelSize, int stride, int padding,
      int dilation, int groups, boolean bias, Generator gen) {
    ConvInit.checkChannels("Conv1d", inChannels, outChannels, groups);
    this.in = inChannels;
    this.out = outChannels;
    this.kernel = kernelSize;
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
    this.groups = groups;
    Tensor w = registerParameter("weight", Tensor.empty(outChannels, inChannels / groups, kernelSize));
    Tensor b = registerParameter("bias", bias ? Tensor.empty(outChannels) : null);
    ConvInit.reset(w, b, gen);
  }

  /** The weight, (C_out, C_in / groups, K). */
  public Tensor weight() {
    return parameter("weight");
  }

  /** The bias, (C_out), or null. */
  public Tensor bias() {
    return parameter("bias");
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.conv1d(input, weight(), bias(), stride, padding, dilation, groups);
  }

  @Override
  protected String extraRepr() {
    return in + ", " + out + ", kernel_size=(" + kernel + ",), stride=(" + stride + ",)"
        + (padding != 0 ? ", padding=(" + padding + ",)" : "")
        + (dilation != 1 ? ", dilation=(" + dilation + ",)" : "")
        + (groups != 1 ? ", groups=" + groups : "") + (bias() == null ? ", bias=false" : "");
  }
}
