package dev.ember.spec;

import dev.ember.nn.Module;
import dev.ember.nn.recurrent.RnnOutput;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * The recurrent layers of a spec: PyTorch's {@code RNN}, {@code LSTM} and {@code GRU}, batch first,
 * with {@code forward} returning one tensor (the last hidden state or the whole output sequence)
 * so that they sit in a {@link dev.ember.nn.Sequential}.
 *
 * <p>They subclass the engine's layers instead of wrapping them so that their parameters are
 * their own: the state-dict keys of a spec's {@code lstm} at position 0 are {@code
 * 0.weight_ih_l0}, ..., exactly those of {@code torch.nn.Sequential(torch.nn.LSTM(...))}, and
 * weights move between the two without renaming. They keep the simple names {@code RNN}, {@code
 * LSTM} and {@code GRU}, so that printed models and error messages read as PyTorch's.
 *
 * <pre>
 * input   (N, L, input)
 * output  LAST: (N, D * hidden)    ALL: (N, L, D * hidden)     (D = 2 if bidirectional)
 * </pre>
 */
final class RecurrentLayers {
  private RecurrentLayers() {}

  static Module create(String type, int input, int hidden, int numLayers, boolean bidirectional,
      boolean last, Generator gen) {
    return switch (type) {
      case "rnn" -> new RNN(input, hidden, numLayers, bidirectional, last, gen);
      case "lstm" -> new LSTM(input, hidden, numLayers, bidirectional, last, gen);
      case "gru" -> new GRU(input, hidden, numLayers, bidirectional, last, gen);
      default -> throw new IllegalArgumentException("not a recurrent layer type: " + type);
    };
  }

  private static void checkBatched(String name, Tensor input) {
    if (input.dim() != 3) {
      throw new IllegalArgumentException(name + ": expected a batch of sequences (N, L, features),"
          + " got " + input.describe());
    }
  }

  /**
   * The top layer's final hidden state: for a bidirectional layer the forward direction's (after
   * the last step) and the reverse direction's (after the first step, having read the whole
   * sequence) side by side, as {@code torch.cat([h_n[-2], h_n[-1]], dim=1)}.
   */
  private static Tensor select(RnnOutput out, boolean last, boolean bidirectional) {
    if (!last) {
      return out.output();
    }
    Tensor h = out.hN();
    int n = h.size(0);
    return bidirectional ? Tensor.cat(1, h.select(0, n - 2), h.select(0, n - 1))
        : h.select(0, n - 1);
  }

  private static String repr(String base, boolean last) {
    return base + ", output=" + (last ? "last" : "all");
  }

  /** An Elman RNN (tanh) returning the last hidden state or the output sequence. */
  static final class RNN extends dev.ember.nn.recurrent.RNN {
    private final boolean last;

    RNN(int input, int hidden, int numLayers, boolean bidirectional, boolean last,
        Generator gen) {
      super(input, hidden, numLayers, "tanh", true, true, 0, bidirectional, gen);
      this.last = last;
    }

    @Override
    public Tensor forward(Tensor input) {
      checkBatched("RNN", input);
      return select(forward(input, null), last, bidirectional());
    }

    @Override
    protected String extraRepr() {
      return repr(super.extraRepr(), last);
    }
  }

  /** An LSTM returning the last hidden state or the output sequence. */
  static final class LSTM extends dev.ember.nn.recurrent.LSTM {
    private final boolean last;

    LSTM(int input, int hidden, int numLayers, boolean bidirectional, boolean last,
        Generator gen) {
      super(input, hidden, numLayers, true, true, 0, bidirectional, gen);
      this.last = last;
    }

    @Override
    public Tensor forward(Tensor input) {
      checkBatched("LSTM", input);
      return select(forward(input, null, null), last, bidirectional());
    }

    @Override
    protected String extraRepr() {
      return repr(super.extraRepr(), last);
    }
  }

  /** A GRU returning the last hidden state or the output sequence. */
  static final class GRU extends dev.ember.nn.recurrent.GRU {
    private final boolean last;

    GRU(int input, int hidden, int numLayers, boolean bidirectional, boolean last,
        Generator gen) {
      super(input, hidden, numLayers, true, true, 0, bidirectional, gen);
      this.last = last;
    }

    @Override
    public Tensor forward(Tensor input) {
      checkBatched("GRU", input);
      return select(forward(input, null), last, bidirectional());
    }

    @Override
    protected String extraRepr() {
      return repr(super.extraRepr(), last);
    }
  }
}
