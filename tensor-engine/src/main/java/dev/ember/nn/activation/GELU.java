package dev.ember.nn.activation;

import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.tensor.Tensor;

/** Gaussian error linear unit {@code x Phi(x)}, exact or tanh-approximated, as {@code torch.nn.GELU}. */
public class GELU extends Module {
  private final String approximate;

  /** The exact GELU. */
  public GELU() {
    this("none");
  }

  /**
   * {@code "none"} (exact) or {@code "tanh"}.
   *
   * @throws IllegalArgumentException for another value
   */
  public GELU(String approximate) {
    if (!approximate.equals("none") && !approximate.equals("tanh")) {
      throw new IllegalArgumentException(
          "GELU: approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
    }
    this.approximate = approximate;
  }

  /** {@code "none"} (exact) or {@code "tanh"}. */
  public String approximate() {
    return approximate;
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.gelu(input, approximate);
  }

  @Override
  protected String extraRepr() {
    return "approximate='" + approximate + "'";
  }
}
