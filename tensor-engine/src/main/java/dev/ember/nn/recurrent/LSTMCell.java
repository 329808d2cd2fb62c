package dev.ember.nn.recurrent;

import dev.ember.nn.F;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * One LSTM step, as {@code torch.nn.LSTMCell}, on the fused cell of {@link F#lstmCell}: gates (i,
 * f, g, o) from {@code x W_ih^T + b_ih + h W_hh^T + b_hh}, {@code c' = f c + i g}, {@code h' = o
 * tanh(c')}. Parameters as in {@link RNNCellBase} with 4H rows.
 *
 * <pre>
 * input (N, inputSize) or (inputSize)     h, c, h', c' (N, H) or (H)
 * </pre>
 */
public class LSTMCell extends RNNCellBase {

  /** A cell with bias, from the default generator. */
  public LSTMCell(int inputSize, int hiddenSize) {
    this(inputSize, hiddenSize, true, Generator.getDefault());
  }

  /**
   * A cell initialized from {@code gen}.
   *
   * @throws IllegalArgumentException for a hidden size below 1 or a negative input size
   */
  public LSTMCell(int inputSize, int hiddenSize, boolean bias, Generator gen) {
    super(4, inputSize, hiddenSize, bias, gen);
  }

  /** h' from zero states. */
  @Override
  public Tensor forward(Tensor input) {
    return forward(input, null, null)[0];
  }

  /**
   * One step from the states {@code hx}, {@code cx} (either null: zeros).
   *
   * @return {@code {h', c'}}
   * @throws IllegalArgumentException naming the shapes when the input or a state does not fit
   */
  public Tensor[] forward(Tensor input, Tensor hx, Tensor cx) {
    Tensor x = batchedInput(input);
    Tensor[] hc = F.lstmCell(x, batchedState("hx", hx, input, x), batchedState("cx", cx, input, x),
        weightIh(), weightHh(), biasIh(), biasHh());
    return new Tensor[] {unbatch(hc[0], input), unbatch(hc[1], input)};
  }
}
