package dev.ember.nn.recurrent;

import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * A multi-layer gated recurrent unit network, as {@code torch.nn.GRU}. Each layer computes, for
 * every step t of the sequence (PyTorch's formula: the reset gate scales the recurrent term of the
 * candidate after its bias),
 *
 * <pre>
 * r = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
 * z = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
 * n = tanh(W_in x_t + b_in + r * (W_hn h_{t-1} + b_hn))
 * h_t = (1 - z) * n + z * h_{t-1}
 * </pre>
 *
 * <p>{@code weight_ih_lk} stacks (W_ir | W_iz | W_in) as (3H, in), {@code weight_hh_lk} the W_h*
 * as (3H, H), and the biases likewise (see {@link RNNBase} for every name and the
 * initialization).
 *
 * <pre>
 * input   (L, N, inputSize), or (N, L, inputSize) with batchFirst, or (L, inputSize) unbatched
 * h0      (D * numLayers, N, H), or (D * numLayers, H) unbatched; null for zeros
 * output  (L, N, D * H) (batch first as the input); hN as h0      (D = 2 if bidirectional)
 * </pre>
 */
public class GRU extends RNNBase {

  /** One layer, with bias, from the default generator. */
  public GRU(int inputSize, int hiddenSize) {
    this(inputSize, hiddenSize, 1);
  }

  /** {@code numLayers} stacked layers, with bias, from the default generator. */
  public GRU(int inputSize, int hiddenSize, int numLayers) {
    this(inputSize, hiddenSize, numLayers, true, false, 0, false);
  }

  /** Every option, in PyTorch's order, initialized from the default generator. */
  public GRU(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst,
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
  public GRU(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst,
      double dropout, boolean bidirectional, Generator gen) {
    super(Mode.GRU, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional,
        gen);
  }

  /**
   * Runs the layers from the initial state {@code h0} (null: zeros); {@link RnnOutput#cN()} is
   * null.
   *
   * @throws IllegalArgumentException naming the shapes when the input or the state does not fit
   */
  public RnnOutput forward(Tensor input, Tensor h0) {
    return run(input, h0, null);
  }
}
