package dev.ember.nn.recurrent;

import dev.ember.nn.F;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * One Elman RNN step, as {@code torch.nn.RNNCell}: {@code h' = act(x W_ih^T + b_ih + h W_hh^T +
 * b_hh)} with act tanh (default) or relu ({@link F#rnnCell}). Parameters as in {@link
 * RNNCellBase} with H rows.
 *
 * <pre>
 * input (N, inputSize) or (inputSize)     h, h' (N, H) or (H)
 * </pre>
 */
public class RNNCell extends RNNCellBase {
  private final boolean relu;

  /** A tanh cell with bias, from the default generator. */
  public RNNCell(int inputSize, int hiddenSize) {
    this(inputSize, hiddenSize, true, "tanh", Generator.getDefault());
  }

  /**
   * A cell initialized from {@code gen}.
   *
   * @param nonlinearity {@code "tanh"} or {@code "relu"}
   * @throws IllegalArgumentException for another nonlinearity, a hidden size below 1 or a negative
   *     input size
   */
  public RNNCell(int inputSize, int hiddenSize, boolean bias, String nonlinearity, Generator gen) {
    super(1, inputSize, hiddenSize, bias, checked(nonlinearity, gen));
    this.relu = "relu".equals(nonlinearity);
  }

  private static Generator checked(String nonlinearity, Generator gen) {
    if (!"tanh".equals(nonlinearity) && !"relu".equals(nonlinearity)) {
      throw new IllegalArgumentException("RNNCell: unknown nonlinearity '" + nonlinearity
          + "'; expected \"tanh\" or \"relu\"");
    }
    return gen;
  }

  /** h' from a zero state. */
  @Override
  public Tensor forward(Tensor input) {
    return forward(input, null);
  }

  /**
   * One step from the state {@code hx} (null: zeros).
   *
   * @throws IllegalArgumentException naming the shapes when the input or the state does not fit
   */
  public Tensor forward(Tensor input, Tensor hx) {
    Tensor x = batchedInput(input);
    return unbatch(F.rnnCell(x, batchedState("hx", hx, input, x), weightIh(), weightHh(),
        biasIh(), biasHh(), relu), input);
  }

  @Override
  protected String extraRepr() {
    return super.extraRepr() + (relu ? ", nonlinearity=relu" : "");
  }
}
