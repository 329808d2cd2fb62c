package dev.ember.nn.recurrent;

import dev.ember.nn.F;
import dev.ember.nn.Init;
import dev.ember.nn.Module;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Recurrent;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What {@link RNN}, {@link LSTM} and {@link GRU} share, as PyTorch's {@code RNNBase}: the
 * parameters of every layer and direction, their initialization, the checks of input and states,
 * and the loop over layers with dropout between them.
 *
 * <p>Parameters, for layer {@code k} and the suffix {@code _reverse} on the backward direction of a
 * bidirectional layer, with G = 1 (RNN), 4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n):
 *
 * <pre>
 * weight_ih_lk[_reverse]  (G H, inputSize) for k = 0, else (G H, D H)
 * weight_hh_lk[_reverse]  (G H, H)
 * bias_ih_lk[_reverse]    (G H)      bias_hh_lk[_reverse]  (G H)      (when bias)
 * </pre>
 *
 * <p>All start from U(-1/sqrt(H), 1/sqrt(H)), drawn in that order from the generator given (the
 * default one otherwise). Dropout masks between layers come from the default generator at each
 * call, as PyTorch's come from its global one.
 */
public abstract class RNNBase extends Module {
  private static final System.Logger LOG = System.getLogger(RNNBase.class.getName());

  /** Which cell a layer runs. */
  enum Mode {
    RNN_TANH(1), RNN_RELU(1), LSTM(4), GRU(3);

    final int gates;

    Mode(int gates) {
      this.gates = gates;
    }
  }

  private final Mode mode;
  private final int inputSize;
  private final int hiddenSize;
  private final int numLayers;
  private final boolean bias;
  private final boolean batchFirst;
  private final double dropout;
  private final boolean bidirectional;

  RNNBase(Mode mode, int inputSize, int hiddenSize, int numLayers, boolean bias,
      boolean batchFirst, double dropout, boolean bidirectional, Generator gen) {
    String name = getClass().getSimpleName();
    if (inputSize < 0) {
      throw new IllegalArgumentException(name + ": inputSize must be >= 0, got " + inputSize);
    }
    if (hiddenSize <= 0) {
      throw new IllegalArgumentException(
          name + ": hiddenSize must be greater than zero, got " + hiddenSize);
    }
    if (numLayers <= 0) {
      throw new IllegalArgumentException(
          name + ": numLayers must be greater than zero, got " + numLayers);
    }
    if (!(dropout >= 0 && dropout <= 1)) {
      throw new IllegalArgumentException(name + ": dropout should be a number in range [0, 1]"
          + " representing the probability of an element being zeroed, got " + dropout);
    }
    if (dropout > 0 && numLayers == 1) {
      LOG.log(System.Logger.Level.WARNING, name + ": dropout option adds dropout after all but"
          + " last recurrent layer, so non-zero dropout expects numLayers greater than 1, but got"
          + " dropout=" + dropout + " and numLayers=" + numLayers);
    }
    this.mode = mode;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bias = bias;
    this.batchFirst = batchFirst;
    this.dropout = dropout;
    this.bidirectional = bidirectional;
    int dirs = bidirectional ? 2 : 1;
    int gh = mode.gates * hiddenSize;
    List<Tensor> created = new ArrayList<>();
    for (int layer = 0; layer < numLayers; layer++) {
      int in = layer == 0 ? inputSize : hiddenSize * dirs;
      for (int dir = 0; dir < dirs; dir++) {
        String sfx = suffix(layer, dir);
        created.add(registerParameter("weight_ih" + sfx, Tensor.empty(gh, in)));
        created.add(registerParameter("weight_hh" + sfx, Tensor.empty(gh, hiddenSize)));
        if (bias) {
          created.add(registerParameter("bias_ih" + sfx, Tensor.empty(gh)));
          created.add(registerParameter("bias_hh" + sfx, Tensor.empty(gh)));
        } else {
          registerParameter("bias_ih" + sfx, null);
          registerParameter("bias_hh" + sfx, null);
        }
      }
    }
    double k = 1 / Math.sqrt(hiddenSize);
    for (Tensor p : created) {
      Init.uniform_(p, -k, k, gen);
    }
  }

  /** {@code _l<layer>} plus {@code _reverse} for direction 1. */
  private static String suffix(int layer, int dir) {
    return "_l" + layer + (dir == 1 ? "_reverse" : "");
  }

  /** The number of features of each input step. */
  public int inputSize() {
    return inputSize;
  }

  /** The number of features of the hidden state. */
  public int hiddenSize() {
    return hiddenSize;
  }

  /** The number of stacked layers. */
  public int numLayers() {
    return numLayers;
  }

  /** Whether the layers have biases. */
  public boolean hasBias() {
    return bias;
  }

  /** Whether input and output are (N, L, features) instead of (L, N, features). */
  public boolean batchFirst() {
    return batchFirst;
  }

  /** The dropout probability applied to the outputs of every layer but the last, in training. */
  public double dropout() {
    return dropout;
  }

  /** Whether every layer also runs over the reversed sequence. */
  public boolean bidirectional() {
    return bidirectional;
  }

  /**
   * The input-hidden weight of {@code layer} (the reverse direction's with {@code reverse}), as
   * {@code parameter("weight_ih_l" + layer + (reverse ? "_reverse" : ""))}.
   */
  public Tensor weightIh(int layer, boolean reverse) {
    return parameter("weight_ih" + suffix(layer, reverse ? 1 : 0));
  }

  /** The hidden-hidden weight of {@code layer}, see {@link #weightIh}. */
  public Tensor weightHh(int layer, boolean reverse) {
    return parameter("weight_hh" + suffix(layer, reverse ? 1 : 0));
  }

  /** The input-hidden bias of {@code layer} (null without bias), see {@link #weightIh}. */
  public Tensor biasIh(int layer, boolean reverse) {
    return parameter("bias_ih" + suffix(layer, reverse ? 1 : 0));
  }

  /** The hidden-hidden bias of {@code layer} (null without bias), see {@link #weightIh}. */
  public Tensor biasHh(int layer, boolean reverse) {
    return parameter("bias_hh" + suffix(layer, reverse ? 1 : 0));
  }

  /** The output sequence for {@code input} from zero initial states (see {@link RnnOutput}). */
  @Override
  public Tensor forward(Tensor input) {
    return run(input, null, null).output();
  }

  /**
   * Runs every layer over {@code input} from the states {@code hx} and, for an LSTM, {@code cx}
   * (null: zeros).
   */
  RnnOutput run(Tensor input, Tensor hx, Tensor cx) {
    String name = getClass().getSimpleName();
    boolean lstm = mode == Mode.LSTM;
    if (input.dim() != 2 && input.dim() != 3) {
      throw new IllegalArgumentException(name + ": expected input to be 2-D or 3-D but received "
          + input.dim() + "-D tensor " + input.describe());
    }
    boolean batched = input.dim() == 3;
    Tensor w0 = weightIh(0, false);
    if (input.dtype() != w0.dtype()) {
      throw new IllegalArgumentException(name + ": input must have the type " + w0.dtype()
          + " (the parameters'), got " + input.describe());
    }
    if (input.size(-1) != inputSize) {
      throw new IllegalArgumentException(name + ": input.size(-1) must be equal to inputSize."
          + " Expected " + inputSize + ", got " + input.size(-1) + " (input " + input.describe()
          + ")");
    }
    String states = lstm ? "hx and cx" : "hx";
    for (Tensor s : new Tensor[] {hx, cx}) {
      if (s != null && s.dim() != input.dim()) {
        throw new IllegalArgumentException(name + ": for " + (batched ? "batched 3-D" : "unbatched"
            + " 2-D") + " input, " + states + " should also be " + input.dim() + "-D but got "
            + s.describe());
      }
    }
    Tensor x = batched ? (batchFirst ? input.transpose(0, 1) : input) : input.unsqueeze(1);
    Tensor h = hx == null || batched ? hx : hx.unsqueeze(1);
    Tensor c = cx == null || batched ? cx : cx.unsqueeze(1);
    int dirs = bidirectional ? 2 : 1;
    int[] expected = {dirs * numLayers, x.size(1), hiddenSize};
    checkState(name, lstm ? "hidden[0]" : "hidden", h, expected, batched);
    checkState(name, "hidden[1]", c, expected, batched);

    List<Tensor> hs = new ArrayList<>();
    List<Tensor> cs = new ArrayList<>();
    Tensor layerInput = x;
    for (int layer = 0; layer < numLayers; layer++) {
      Tensor[] outs = new Tensor[dirs];
      for (int dir = 0; dir < dirs; dir++) {
        boolean reverse = dir == 1;
        int idx = layer * dirs + dir;
        Tensor h0 = h == null ? null : h.select(0, idx);
        Tensor wIh = weightIh(layer, reverse);
        Tensor wHh = weightHh(layer, reverse);
        Tensor bIh = biasIh(layer, reverse);
        Tensor bHh = biasHh(layer, reverse);
        Recurrent.Sequence seq = switch (mode) {
          case LSTM -> Recurrent.lstm(layerInput, h0, c == null ? null : c.select(0, idx), wIh,
              wHh, bIh, bHh, reverse);
          case GRU -> Recurrent.gru(layerInput, h0, wIh, wHh, bIh, bHh, reverse);
          case RNN_TANH -> Recurrent.rnn(layerInput, h0, wIh, wHh, bIh, bHh, false, reverse);
          case RNN_RELU -> Recurrent.rnn(layerInput, h0, wIh, wHh, bIh, bHh, true, reverse);
        };
        outs[dir] = seq.output();
        hs.add(seq.hN());
        if (lstm) {
          cs.add(seq.cN());
        }
      }
      Tensor out = dirs == 1 ? outs[0] : Tensor.cat(2, outs);
      if (dropout > 0 && isTraining() && layer < numLayers - 1) {
        out = F.dropout(out, dropout, true, Generator.getDefault());
      }
      layerInput = out;
    }
    Tensor output = layerInput;
    Tensor hN = Tensor.stack(hs, 0);
    Tensor cN = lstm ? Tensor.stack(cs, 0) : null;
    if (!batched) {
      return new RnnOutput(output.squeeze(1), hN.squeeze(1), cN == null ? null : cN.squeeze(1));
    }
    return new RnnOutput(batchFirst ? output.transpose(0, 1) : output, hN, cN);
  }

  private static void checkState(
      String name, String what, Tensor s, int[] expected, boolean batched) {
    if (s != null && !Arrays.equals(s.shape(), expected)) {
      int[] shown = batched ? expected : new int[] {expected[0], expected[2]};
      int[] got = batched ? s.shape() : new int[] {s.size(0), s.size(2)};
      throw new IllegalArgumentException(name + ": expected " + what + " size "
          + Arrays.toString(shown) + ", got " + Arrays.toString(got));
    }
  }

  @Override
  protected String extraRepr() {
    StringBuilder s = new StringBuilder().append(inputSize).append(", ").append(hiddenSize);
    if (numLayers != 1) {
      s.append(", num_layers=").append(numLayers);
    }
    if (mode == Mode.RNN_RELU) {
      s.append(", nonlinearity=relu");
    }
    if (!bias) {
      s.append(", bias=false");
    }
    if (batchFirst) {
      s.append(", batch_first=true");
    }
    if (dropout != 0) {
      s.append(", dropout=").append(dropout);
    }
    if (bidirectional) {
      s.append(", bidirectional=true");
    }
    return s.toString();
  }
}
