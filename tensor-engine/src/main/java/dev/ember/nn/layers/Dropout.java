package dev.ember.nn.layers;

import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * In training mode, zeroes each element with probability {@code p} and scales the others by
 * {@code 1 / (1 - p)}; the identity in evaluation mode. As {@code torch.nn.Dropout}.
 */
public class Dropout extends Module {
  private final double p;
  private final Generator gen;

  /** Dropout with p = 0.5 from the default generator. */
  public Dropout() {
    this(0.5);
  }

  /** Dropout with probability {@code p} from the default generator. */
  public Dropout(double p) {
    this(p, null);
  }

  /**
   * Dropout drawing its masks from {@code gen} (null: the default generator at each call).
   *
   * @throws IllegalArgumentException unless {@code 0 <= p <= 1}
   */
  public Dropout(double p, Generator gen) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException(
          "dropout probability has to be between 0 and 1, but got " + p);
    }
    this.p = p;
    this.gen = gen;
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.dropout(input, p, isTraining(), gen != null ? gen : Generator.getDefault());
  }

  @Override
  protected String extraRepr() {
    return "p=" + p;
  }
}
