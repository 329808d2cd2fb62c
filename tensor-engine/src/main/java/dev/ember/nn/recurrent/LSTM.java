package dev.ember.nn.recurrent;

import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * A multi-layer long short-term memory network, as {@code torch.nn.LSTM}. Each layer computes, for
 * every step t of the sequence,
 *
 * <pre>
 * i = sigmoid(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)
 * f = sigmoid(W_if x_t + b_if + W_hf h_{t-1} + b_hf)
 * g = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)
 * o = sigmoid(W_io x_t + b_io + W_ho h_{t-1} + b_ho)
 * c_t = f * c_{t-1} + i * g        h_t = o * tanh(c_t)
 * </pre>
 *
 * <p>The input of layer k > 0 is the output of layer k - 1 (with dropout in training, if set).
 * {@code weight_ih_lk} stacks (W_ii | W_if | W_ig | W_io) as (4H, in), {@code weight_hh_lk} the
 * W_h* as (4H, H), and the biases likewise (see {@link RNNBase} for every name and the
 * initialization).
 *
 * <pre>
 * input   (L, N, inputSize), or (N, L, inputSize) with batchFirst, or (L, inputSize) unbatched
 * h0, c0  (D * numLayers, N, H), or (D * numLayers, H) unbatched; null for zeros
 * output  (L, N, D * H) (batch first as the input); hN, cN as h0      (D = 2 if bidirectional)
 * </pre>
 *
 * <p>Not supported: {@code proj_size} (LSTM with projections) and packed sequences.
 */
public class LSTM extends RNNBase {

  /** One layer, with bias, from the default generator. */
  public LSTM(int inputSize, int hiddenSize) {
    this(inputSize, hiddenSize, 1);
  }

  /** {@code numLayers} stacked layers, with bias, from the default generator. */
  public LSTM(int inputSize, int hiddenSize, int numLayers) {
    this(inputSize, hiddenSize, numLayers, true, false, 0, false);
  }

  /** Every option, in PyTorch's order, initialized from the default generator. */
  public LSTM(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst,
      double dropout, boolean bidirectional) {
    this(inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional,
        Generator.getDefault());
  }

  /**
   * Every option, in PyTorch's order, with the parameters initialized from {@code gen}.
   *
   * @throws IllegalArgumentException for a hidden size or number of layers below 1, a negative
   *     input size, or a dropout outside [0, 1]
   */
  public LSTM(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst,
      double dropout, boolean bidirectional, Generator gen) {
    super(Mode.LSTM, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional,
        gen);
  }

  /**
   * Runs the layers from the initial states {@code h0} and {@code c0} (either null: zeros).
   *
   * @throws IllegalArgumentException naming the shapes when the input or a state does not fit
   */
  public RnnOutput forward(Tensor input, Tensor h0, Tensor c0) {
    return run(input, h0, c0);
  }
}
