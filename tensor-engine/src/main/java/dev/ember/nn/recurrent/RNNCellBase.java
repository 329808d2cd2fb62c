package dev.ember.nn.recurrent;

import dev.ember.nn.Init;
import dev.ember.nn.Module;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * What {@link RNNCell}, {@link LSTMCell} and {@link GRUCell} share, as PyTorch's {@code
 * RNNCellBase}: the parameters {@code weight_ih} (G H, inputSize), {@code weight_hh} (G H, H) and,
 * with bias, {@code bias_ih}, {@code bias_hh} (G H), all from U(-1/sqrt(H), 1/sqrt(H)) drawn in
 * that order from the generator given (G = 1, 4 or 3 as in {@link RNNBase}); and the checks of
 * input and state. Input (N, inputSize) or (inputSize) unbatched; states (N, H) or (H).
 */
public abstract class RNNCellBase extends Module {
  private final int inputSize;
  private final int hiddenSize;
  private final boolean bias;

  RNNCellBase(int gates, int inputSize, int hiddenSize, boolean bias, Generator gen) {
    String name = getClass().getSimpleName();
    if (inputSize < 0) {
      throw new IllegalArgumentException(name + ": inputSize must be >= 0, got " + inputSize);
    }
    if (hiddenSize <= 0) {
      throw new IllegalArgumentException(
          name + ": hiddenSize must be greater than zero, got " + hiddenSize);
    }
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = bias;
    double k = 1 / Math.sqrt(hiddenSize);
    Init.uniform_(registerParameter("weight_ih", Tensor.empty(gates * hiddenSize, inputSize)),
        -k, k, gen);
    Init.uniform_(registerParameter("weight_hh", Tensor.empty(gates * hiddenSize, hiddenSize)),
        -k, k, gen);
    Tensor bIh = registerParameter("bias_ih", bias ? Tensor.empty(gates * hiddenSize) : null);
    Tensor bHh = registerParameter("bias_hh", bias ? Tensor.empty(gates * hiddenSize) : null);
    if (bias) {
      Init.uniform_(bIh, -k, k, gen);
      Init.uniform_(bHh, -k, k, gen);
    }
  }

  /** The number of input features. */
  public int inputSize() {
    return inputSize;
  }

  /** The number of features of the hidden state. */
  public int hiddenSize() {
    return hiddenSize;
  }

  /** Whether the cell has biases. */
  public boolean hasBias() {
    return bias;
  }

  /** {@code weight_ih}. */
  public Tensor weightIh() {
    return parameter("weight_ih");
  }

  /** {@code weight_hh}. */
  public Tensor weightHh() {
    return parameter("weight_hh");
  }

  /** {@code bias_ih}, or null. */
  public Tensor biasIh() {
    return parameter("bias_ih");
  }

  /** {@code bias_hh}, or null. */
  public Tensor biasHh() {
    return parameter("bias_hh");
  }

  /** The input as (N, inputSize), checked. */
  Tensor batchedInput(Tensor input) {
    String name = getClass().getSimpleName();
    if (input.dim() != 1 && input.dim() != 2) {
      throw new IllegalArgumentException(name + ": expected input to be 1-D or 2-D but received "
          + input.dim() + "-D tensor " + input.describe());
    }
    if (input.size(-1) != inputSize) {
      throw new IllegalArgumentException(name + ": input has inconsistent inputSize: got "
          + input.size(-1) + ", expected " + inputSize + " (input " + input.describe() + ")");
    }
    if (input.dtype() != weightIh().dtype()) {
      throw new IllegalArgumentException(name + ": input must have the type "
          + weightIh().dtype() + " (the parameters'), got " + input.describe());
    }
    return input.dim() == 1 ? input.unsqueeze(0) : input;
  }

  /** A state as (N, H) for a batched input (N, inputSize), checked; null stays null. */
  Tensor batchedState(String what, Tensor state, Tensor input, Tensor batched) {
    if (state == null) {
      return null;
    }
    String name = getClass().getSimpleName();
    if (state.dim() != input.dim()) {
      throw new IllegalArgumentException(name + ": " + what + " must be " + input.dim()
          + "-D like the input " + input.describe() + ", got " + state.describe());
    }
    Tensor s = input.dim() == 1 ? state.unsqueeze(0) : state;
    if (s.size(0) != batched.size(0)) {
      throw new IllegalArgumentException(name + ": input batch size " + batched.size(0)
          + " doesn't match " + what + " batch size " + s.size(0));
    }
    if (s.size(1) != hiddenSize) {
      throw new IllegalArgumentException(name + ": " + what + " has inconsistent hiddenSize: got "
          + s.size(1) + ", expected " + hiddenSize);
    }
    return s;
  }

  /** A result (N, H) back in the input's batchedness. */
  static Tensor unbatch(Tensor result, Tensor input) {
    return input.dim() == 1 ? result.squeeze(0) : result;
  }

  @Override
  protected String extraRepr() {
    return inputSize + ", " + hiddenSize + (bias ? "" : ", bias=false");
  }
}
