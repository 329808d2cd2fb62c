package dev.ember.nn.recurrent;

import dev.ember.nn.F;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * One GRU step, as {@code torch.nn.GRUCell}, on the fused cell of {@link F#gruCell}: {@code r, z =
 * sigmoid(.)}, {@code n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn))}, {@code h' = (1 - z) n + z
 * h}. Parameters as in {@link RNNCellBase} with 3H rows (r, z, n).
 *
 * <pre>
 * input (N, inputSize) or (inputSize)     h, h' (N, H) or (H)
 * </pre>
 */
public class GRUCell extends RNNCellBase {

  /** A cell with bias, from the default generator. */
  public GRUCell(int inputSize, int hiddenSize) {
    this(inputSize, hiddenSize, true, Generator.getDefault());
  }

  /**
   * A cell initialized from {@code gen}.
   *
   * @throws IllegalArgumentException for a hidden size below 1 or a negative input size
   */
  public GRUCell(int inputSize, int hiddenSize, boolean bias, Generator gen) {
    super(3, inputSize, hiddenSize, bias, gen);
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
    return unbatch(F.gruCell(x, batchedState("hx", hx, input, x), weightIh(), weightHh(),
        biasIh(), biasHh()), input);
  }
}
