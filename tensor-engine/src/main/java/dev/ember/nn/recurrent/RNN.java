package dev.ember.nn.recurrent;

import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * A multi-layer Elman recurrent network, as {@code torch.nn.RNN}: each layer computes, for every
 * step t of the sequence,
 *
 * <pre>
 * h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)        act = tanh (default) or relu
 * </pre>
 *
 * <p>See {@link RNNBase} for the parameter names ({@code weight_ih_l0}, ...), shapes (H rows each)
 * and initialization.
 *
 * <pre>
 * input   (L, N, inputSize), or (N, L, inputSize) with batchFirst, or (L, inputSize) unbatched
 * h0      (D * numLayers, N, H), or (D * numLayers, H) unbatched; null for zeros
 * output  (L, N, D * H) (batch first as the input); hN as h0      (D = 2 if bidirectional)
 * </pre>
 */
public class RNN extends RNNBase {

  /** One tanh layer, with bias, from the default generator. */
  public RNN(int inputSize, int hiddenSize) {
    this(inputSize, hiddenSize, 1);
  }

  /** {@code numLayers} stacked tanh layers, with bias, from the default generator. */
  public RNN(int inputSize, int hiddenSize, int numLayers) {
    this(inputSize, hiddenSize, numLayers, "tanh", true, false, 0, false);
  }

  /** Every option, in PyTorch's order, initialized from the default generator. */
  public RNN(int inputSize, int hiddenSize, int numLayers, String nonlinearity, boolean bias,
      boolean batchFirst, double dropout, boolean bidirectional) {
    this(inputSize, hiddenSize, numLayers, nonlinearity, bias, batchFirst, dropout, bidirectional,
        Generator.getDefault());
  }

  /**
   * Every option, in PyTorch's order, with the parameters initialized from {@code gen}.
   *
   * @param nonlinearity {@code "tanh"} or {@code "relu"}
   * @throws IllegalArgumentException for another nonlinearity, a hidden size or number of layers
   *     below 1, a negative input size, or a dropout outside [0, 1]
   */
  public RNN(int inputSize, int hiddenSize, int numLayers, String nonlinearity, boolean bias,
      boolean batchFirst, double dropout, boolean bidirectional, Generator gen) {
    super(mode(nonlinearity), inputSize, hiddenSize, numLayers, bias, batchFirst, dropout,
        bidirectional, gen);
  }

  private static Mode mode(String nonlinearity) {
    if ("tanh".equals(nonlinearity)) {
      return Mode.RNN_TANH;
    }
    if ("relu".equals(nonlinearity)) {
      return Mode.RNN_RELU;
    }
    throw new IllegalArgumentException(
        "RNN: unknown nonlinearity '" + nonlinearity + "'; expected \"tanh\" or \"relu\"");
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
