package dev.ember.nn.recurrent;

import static dev.ember.nn.recurrent.RnnGolden.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.autograd.GradCheck;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The layers {@link RNN}, {@link LSTM}, {@link GRU} and the cells: gradchecks through every
 * parameter, PyTorch's parameter names and initialization, the shapes of batch-first and unbatched
 * input, dropout between layers in training only, and the errors for bad input.
 */
class RnnLayersTest {

  private static RNNBase layer(String kind, int in, int h, int layers, boolean bias,
      boolean batchFirst, double dropout, boolean bidir, Generator g) {
    return switch (kind) {
      case "lstm" -> new LSTM(in, h, layers, bias, batchFirst, dropout, bidir, g);
      case "gru" -> new GRU(in, h, layers, bias, batchFirst, dropout, bidir, g);
      case "tanh", "relu" -> new RNN(in, h, layers, kind, bias, batchFirst, dropout, bidir, g);
      default -> throw new IllegalArgumentException(kind);
    };
  }

  private static RnnOutput run(RNNBase m, Tensor x, Tensor h0, Tensor c0) {
    if (m instanceof LSTM l) {
      return l.forward(x, h0, c0);
    }
    return m instanceof GRU gr ? gr.forward(x, h0) : ((RNN) m).forward(x, h0);
  }

  private static Tensor flat(RnnOutput o) {
    List<Tensor> parts = new ArrayList<>(List.of(o.output().reshape(-1), o.hN().reshape(-1)));
    if (o.cN() != null) {
      parts.add(o.cN().reshape(-1));
    }
    return Tensor.cat(parts, 0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"lstm", "gru", "tanh", "relu"})
  void gradcheckThroughInputStatesAndEveryWeight(String kind) {
    Generator g = new Generator(31);
    try (Scope s = Tensor.scope()) {
      // Two bidirectional layers, batch first, given initial states: every path of the layer.
      RNNBase m = layer(kind, 3, 2, 2, true, true, 0, true, g);
      m.to(DType.FLOAT64);
      List<Tensor> inputs = new ArrayList<>();
      inputs.add(Tensor.randn(g, DType.FLOAT64, Device.CPU, 2, 3, 3).requiresGrad(true));
      inputs.add(Tensor.randn(g, DType.FLOAT64, Device.CPU, 4, 2, 2).mul(0.5).requiresGrad(true));
      inputs.add(kind.equals("lstm")
          ? Tensor.randn(g, DType.FLOAT64, Device.CPU, 4, 2, 2).mul(0.5).requiresGrad(true) : null);
      inputs.addAll(m.parameters());
      assertEquals(3 + 16, inputs.size());
      GradCheck.Result r = GradCheck.run(in -> flat(run(m, in[0], in[1], in[2])),
          inputs.toArray(new Tensor[0]));
      assertTrue(r.passed(), r.toString());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lstm", "gru", "tanh"})
  void gradcheckUnbatchedWithoutBias(String kind) {
    Generator g = new Generator(32);
    try (Scope s = Tensor.scope()) {
      RNNBase m = layer(kind, 2, 3, 1, false, false, 0, false, g);
      m.to(DType.FLOAT64);
      List<Tensor> inputs = new ArrayList<>();
      inputs.add(Tensor.randn(g, DType.FLOAT64, Device.CPU, 4, 2).requiresGrad(true));
      inputs.add(Tensor.randn(g, DType.FLOAT64, Device.CPU, 1, 3).requiresGrad(true));
      inputs.add(kind.equals("lstm")
          ? Tensor.randn(g, DType.FLOAT64, Device.CPU, 1, 3).requiresGrad(true) : null);
      inputs.addAll(m.parameters());
      GradCheck.Result r = GradCheck.run(in -> flat(run(m, in[0], in[1], in[2])),
          inputs.toArray(new Tensor[0]));
      assertTrue(r.passed(), r.toString());
    }
  }

  @Test
  void parametersHaveTorchsNamesShapesAndOrder() {
    LSTM m = new LSTM(3, 4, 2, true, false, 0, true, new Generator(1));
    List<String> keys = new ArrayList<>();
    for (String l : List.of("l0", "l1")) {
      for (String d : List.of("", "_reverse")) {
        for (String p : List.of("weight_ih_", "weight_hh_", "bias_ih_", "bias_hh_")) {
          keys.add(p + l + d);
        }
      }
    }
    Map<String, Tensor> sd = m.stateDict();
    assertEquals(keys, new ArrayList<>(sd.keySet()));
    assertArrayEquals(new int[] {16, 3}, sd.get("weight_ih_l0").shape());
    assertArrayEquals(new int[] {16, 8}, sd.get("weight_ih_l1_reverse").shape());
    assertArrayEquals(new int[] {16, 4}, sd.get("weight_hh_l1").shape());
    assertArrayEquals(new int[] {16}, sd.get("bias_hh_l0_reverse").shape());
    GRU gru = new GRU(5, 6, 1, false, false, 0, false, new Generator(1));
    assertEquals(List.of("weight_ih_l0", "weight_hh_l0"), new ArrayList<>(gru.stateDict().keySet()));
    assertArrayEquals(new int[] {18, 5}, gru.weightIh(0, false).shape());
    assertNull(gru.biasIh(0, false));
    RNN rnn = new RNN(5, 6);
    assertArrayEquals(new int[] {6, 6}, rnn.parameter("weight_hh_l0").shape());
    assertEquals(List.of("weight_ih", "weight_hh", "bias_ih", "bias_hh"),
        new ArrayList<>(new LSTMCell(3, 2).stateDict().keySet()));
    assertArrayEquals(new int[] {8, 3}, new LSTMCell(3, 2).weightIh().shape());
  }

  @Test
  void initializationIsUniformInOneOverSqrtHiddenAndFollowsTheGenerator() {
    int hidden = 16;
    double k = 1 / Math.sqrt(hidden);
    LSTM a = new LSTM(8, hidden, 2, true, false, 0, true, new Generator(5));
    LSTM b = new LSTM(8, hidden, 2, true, false, 0, true, new Generator(5));
    LSTM c = new LSTM(8, hidden, 2, true, false, 0, true, new Generator(6));
    double min = 1;
    double max = -1;
    for (Map.Entry<String, Tensor> e : a.stateDict().entrySet()) {
      min = Math.min(min, e.getValue().min().item());
      max = Math.max(max, e.getValue().max().item());
      assertArrayEquals(e.getValue().toFloatArray(), b.stateDict().get(e.getKey()).toFloatArray(),
          e.getKey());
      assertFalse(Arrays.equals(e.getValue().toFloatArray(),
          c.stateDict().get(e.getKey()).toFloatArray()), e.getKey());
    }
    assertTrue(min >= -k && max <= k && min < -0.9 * k && max > 0.9 * k, min + " " + max);
  }

  @ParameterizedTest
  @ValueSource(strings = {"lstm", "gru", "tanh"})
  void batchFirstAndUnbatchedInputsGiveTheSameNumbers(String kind) {
    Generator g = new Generator(33);
    try (Scope s = Tensor.scope()) {
      RNNBase seqFirst = layer(kind, 3, 4, 2, true, false, 0, true, g);
      RNNBase batchFirst = layer(kind, 3, 4, 2, true, true, 0, true, g);
      batchFirst.loadStateDict(seqFirst.stateDict());
      Tensor x = Tensor.randn(g, DType.FLOAT32, Device.CPU, 5, 2, 3);
      Tensor h0 = Tensor.randn(g, DType.FLOAT32, Device.CPU, 4, 2, 4);
      Tensor c0 = kind.equals("lstm") ? Tensor.randn(g, DType.FLOAT32, Device.CPU, 4, 2, 4) : null;
      RnnOutput a = run(seqFirst, x, h0, c0);
      RnnOutput b = run(batchFirst, x.transpose(0, 1), h0, c0);
      assertArrayEquals(new int[] {5, 2, 8}, a.output().shape());
      assertArrayEquals(new int[] {2, 5, 8}, b.output().shape());
      assertArrayEquals(new int[] {4, 2, 4}, b.hN().shape());
      assertClose("batch first output", a.output().transpose(0, 1), b.output(), 0, 0);
      assertClose("batch first hN", a.hN(), b.hN(), 0, 0);
      // Unbatched: the batch element alone, without a batch dim anywhere.
      RnnOutput u = run(seqFirst, x.select(1, 1), h0.select(1, 1),
          c0 == null ? null : c0.select(1, 1));
      assertArrayEquals(new int[] {5, 8}, u.output().shape());
      assertArrayEquals(new int[] {4, 4}, u.hN().shape());
      assertClose("unbatched output", a.output().select(1, 1), u.output(), 1e-6, 1e-7);
      assertClose("unbatched hN", a.hN().select(1, 1), u.hN(), 1e-6, 1e-7);
      if (c0 != null) {
        assertArrayEquals(new int[] {4, 4}, u.cN().shape());
        assertClose("unbatched cN", a.cN().select(1, 1), u.cN(), 1e-6, 1e-7);
      }
      // The final states are the output's ends: forward at the last step, reverse at the first.
      assertClose("forward hN", a.output().select(0, 4).narrow(1, 0, 4), a.hN().select(0, 2), 0, 0);
      assertClose("reverse hN", a.output().select(0, 0).narrow(1, 4, 4), a.hN().select(0, 3), 0, 0);
      // Module's single-input form: the output from zero states.
      assertClose("forward(x)", run(seqFirst, x, null, null).output(), seqFirst.forward(x), 0, 0);
    }
  }

  @Test
  void dropoutActsBetweenLayersInTrainingOnly() {
    Generator g = new Generator(34);
    try (Scope s = Tensor.scope()) {
      LSTM dropped = new LSTM(3, 8, 3, true, false, 0.5, false, g);
      LSTM plain = new LSTM(3, 8, 3, true, false, 0, false, g);
      plain.loadStateDict(dropped.stateDict());
      Tensor x = Tensor.randn(g, DType.FLOAT32, Device.CPU, 4, 2, 3);
      Tensor reference = plain.forward(x);
      Tensor first = dropped.forward(x);
      Tensor second = dropped.forward(x);
      assertFalse(first.allClose(reference, 1e-3, 1e-3), "dropout changes the training output");
      assertFalse(first.allClose(second, 1e-3, 1e-3), "each training call draws a new mask");
      dropped.eval();
      assertClose("eval", reference, dropped.forward(x), 0, 0);
      assertClose("eval is deterministic", dropped.forward(x), dropped.forward(x), 0, 0);
      // With one layer there is no layer to drop out after: training equals evaluation.
      LSTM single = new LSTM(3, 8, 1, true, false, 0.5, false, g);
      Tensor train = single.forward(x);
      single.eval();
      assertClose("one layer", single.forward(x), train, 0, 0);
    }
  }

  @Test
  void trainingWithDropoutStillBackpropagates() {
    Generator g = new Generator(35);
    try (Scope s = Tensor.scope()) {
      GRU m = new GRU(3, 4, 2, true, false, 0.3, true, g);
      Tensor x = Tensor.randn(g, DType.FLOAT32, Device.CPU, 4, 2, 3).requiresGrad(true);
      m.forward(x, null).output().sum().backward();
      assertTrue(x.grad() != null && m.weightHh(0, true).grad() != null);
    }
  }

  @Test
  void movesToFloat64AndReadsParametersByName() {
    Generator g = new Generator(36);
    try (Scope s = Tensor.scope()) {
      RNN m = new RNN(3, 4, 1, "relu", true, false, 0, false, g);
      Tensor x = Tensor.randn(g, DType.FLOAT32, Device.CPU, 2, 3, 3);
      Tensor y32 = m.forward(x);
      m.to(DType.FLOAT64);
      Tensor y64 = m.forward(x.to(DType.FLOAT64));
      assertEquals(DType.FLOAT64, y64.dtype());
      assertClose("float64", y64, y32.to(DType.FLOAT64), 1e-5, 1e-6);
    }
  }

  /**
   * An empty batch runs forward and backward to empty outputs and zero weight gradients (the
   * recurrences have nothing to compute; their checks cannot take the steps from 0 rows).
   */
  @Test
  void anEmptyBatchGivesEmptyOutputsAndZeroGradients() {
    Generator g = new Generator(39);
    try (Scope s = Tensor.scope()) {
      List<RNNBase> layers = List.of(new LSTM(3, 4, 1, true, false, 0, true, g),
          new GRU(3, 4, 1, true, false, 0, false, g), new RNN(3, 4, 1, "relu", true, false, 0,
              false, g));
      for (RNNBase m : layers) {
        Tensor x = Tensor.zeros(DType.FLOAT32, Device.CPU, 5, 0, 3).requiresGrad(true);
        RnnOutput out = m instanceof LSTM lstm ? lstm.forward(x, null, null)
            : m instanceof GRU gru ? gru.forward(x, null) : ((RNN) m).forward(x, null);
        assertArrayEquals(new int[] {5, 0, m instanceof LSTM ? 8 : 4}, out.output().shape(),
            m.toString());
        out.output().sum().backward();
        for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
          assertEquals(0.0, e.getValue().grad().abs().sum().item(), m + " " + e.getKey());
        }
      }
    }
  }

  @Test
  void reprsFollowTorch() {
    assertTrue(new LSTM(10, 20, 2, true, true, 0.5, true).toString().startsWith(
        "LSTM(10, 20, num_layers=2, batch_first=true, dropout=0.5, bidirectional=true)"));
    assertTrue(new GRU(3, 4).toString().startsWith("GRU(3, 4)"));
    assertTrue(new RNN(3, 4, 1, "relu", false, false, 0, false).toString()
        .startsWith("RNN(3, 4, nonlinearity=relu, bias=false)"));
    assertTrue(new LSTMCell(3, 4).toString().startsWith("LSTMCell(3, 4)"));
  }

  private static void assertMessage(Executable call, String... fragments) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::execute);
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), () -> "\"" + f + "\" not in: " + e.getMessage());
    }
  }

  /** A call that may throw (JUnit's own Executable, without its checked exception). */
  @FunctionalInterface
  interface Executable {
    void execute();
  }

  @Test
  void badInputsAndStatesAreNamed() {
    Generator g = new Generator(37);
    try (Scope s = Tensor.scope()) {
      LSTM lstm = new LSTM(3, 4, 2, true, false, 0, true, g);
      GRU gru = new GRU(3, 4, 2, true, false, 0, false, g);
      Tensor x = Tensor.randn(g, DType.FLOAT32, Device.CPU, 5, 2, 3);
      assertMessage(() -> lstm.forward(x.unsqueeze(0)), "LSTM", "2-D or 3-D", "4-D");
      assertMessage(() -> gru.forward(x.narrow(2, 0, 2)), "GRU", "input.size(-1) must be equal to"
          + " inputSize. Expected 3, got 2");
      assertMessage(() -> gru.forward(x.to(DType.FLOAT64)), "input must have the type float32",
          "float64[5, 2, 3]");
      assertMessage(() -> gru.forward(x, Tensor.zeros(1, 2, 4)),
          "expected hidden size [2, 2, 4], got [1, 2, 4]");
      assertMessage(() -> lstm.forward(x, Tensor.zeros(4, 2, 4), Tensor.zeros(4, 3, 4)),
          "expected hidden[1] size [4, 2, 4], got [4, 3, 4]");
      assertMessage(() -> lstm.forward(x, Tensor.zeros(2, 2, 4), null),
          "expected hidden[0] size [4, 2, 4], got [2, 2, 4]");
      assertMessage(() -> gru.forward(x, Tensor.zeros(2, 4)),
          "for batched 3-D input, hx should also be 3-D", "float32[2, 4]");
      assertMessage(() -> lstm.forward(x.select(1, 0), Tensor.zeros(4, 1, 4), null),
          "for unbatched 2-D input, hx and cx should also be 2-D");
      assertMessage(() -> gru.forward(x.select(1, 0), Tensor.zeros(3, 4)),
          "expected hidden size [2, 4], got [3, 4]");
      assertMessage(() -> new RNN(3, 4, 1, "sigmoid", true, false, 0, false),
          "unknown nonlinearity 'sigmoid'");
      assertMessage(() -> new LSTM(3, 0), "hiddenSize must be greater than zero, got 0");
      assertMessage(() -> new GRU(3, 4, 0), "numLayers must be greater than zero, got 0");
      assertMessage(() -> new LSTM(3, 4, 2, true, false, 1.5, false), "dropout", "1.5");
      assertMessage(() -> new LSTM(-1, 4), "inputSize must be >= 0, got -1");
    }
  }

  @Test
  void cellsCheckTheirInputsAndAcceptUnbatchedInput() {
    Generator g = new Generator(38);
    try (Scope s = Tensor.scope()) {
      LSTMCell lstm = new LSTMCell(3, 4, true, g);
      GRUCell gru = new GRUCell(3, 4, true, g);
      RNNCell rnn = new RNNCell(3, 4, true, "tanh", g);
      Tensor x = Tensor.randn(g, DType.FLOAT32, Device.CPU, 2, 3);
      Tensor h = Tensor.randn(g, DType.FLOAT32, Device.CPU, 2, 4);
      Tensor[] hc = lstm.forward(x, h, h);
      Tensor[] one = lstm.forward(x.select(0, 1), h.select(0, 1), h.select(0, 1));
      assertArrayEquals(new int[] {4}, one[0].shape());
      assertClose("unbatched h'", hc[0].select(0, 1), one[0], 1e-6, 1e-7);
      assertClose("unbatched c'", hc[1].select(0, 1), one[1], 1e-6, 1e-7);
      assertClose("unbatched gru", gru.forward(x, h).select(0, 0),
          gru.forward(x.select(0, 0), h.select(0, 0)), 1e-6, 1e-7);
      assertClose("zero state", rnn.forward(x, Tensor.zeros(2, 4)), rnn.forward(x), 0, 0);
      assertMessage(() -> gru.forward(x.unsqueeze(0)), "GRUCell", "1-D or 2-D", "3-D");
      assertMessage(() -> rnn.forward(x.narrow(1, 0, 2)), "inconsistent inputSize: got 2, expected 3");
      assertMessage(() -> lstm.forward(x, h.narrow(0, 0, 1), null),
          "input batch size 2 doesn't match hx batch size 1");
      assertMessage(() -> lstm.forward(x, h, h.narrow(1, 0, 3)),
          "cx has inconsistent hiddenSize: got 3, expected 4");
      assertMessage(() -> gru.forward(x.select(0, 0), h), "hx must be 1-D");
      assertMessage(() -> new RNNCell(3, 4, true, "gelu", g), "unknown nonlinearity 'gelu'");
    }
  }
}
