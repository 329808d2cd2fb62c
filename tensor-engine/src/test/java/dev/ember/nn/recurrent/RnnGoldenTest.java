package dev.ember.nn.recurrent;

import static dev.ember.nn.recurrent.RnnGolden.assertClose;
import static dev.ember.nn.recurrent.RnnGolden.integer;
import static dev.ember.nn.recurrent.RnnGolden.map;
import static dev.ember.nn.recurrent.RnnGolden.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.nn.Module;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Recurrent layers and cells against PyTorch 1.13 ({@code golden/rnn.json}): a state dict that
 * torch wrote loads with the same keys in the same order, and outputs, final states and the
 * gradients of input, initial states and every parameter match torch's.
 */
class RnnGoldenTest {

  /**
   * The device the layers and cells run on: a backend's conformance test subclasses this class
   * and every case runs there (inputs, weights, upstream gradients), against the same values.
   */
  protected Device device() {
    return Device.CPU;
  }

  static Stream<String> layerCases() {
    return RnnGolden.cases().values().stream().filter(c -> !((String) c.get("kind")).endsWith("Cell"))
        .map(c -> (String) c.get("id"));
  }

  static Stream<String> cellCases() {
    return RnnGolden.cases().values().stream().filter(c -> ((String) c.get("kind")).endsWith("Cell"))
        .map(c -> (String) c.get("id"));
  }

  @Test
  void fileComesFromTorch113() {
    assertTrue(RnnGolden.torchVersion().startsWith("1.13"), RnnGolden.torchVersion());
    assertTrue(layerCases().count() >= 12 && cellCases().count() >= 6);
  }

  private static double rtol(DType d) {
    return d == DType.FLOAT64 ? 1e-9 : 2e-4;
  }

  private static double atol(DType d) {
    return d == DType.FLOAT64 ? 1e-11 : 2e-5;
  }

  /** Loads torch's state dict (strict) after checking that the keys are the module's, in order. */
  private static void load(Module m, Map<String, Object> c, DType dtype) {
    Map<String, Tensor> sd = RnnGolden.stateDict(c);
    m.to(dtype);
    assertEquals(new ArrayList<>(sd.keySet()), new ArrayList<>(m.stateDict().keySet()),
        "state-dict keys and order");
    Module.LoadResult r = m.loadStateDict(sd);
    assertTrue(r.missingKeys().isEmpty() && r.unexpectedKeys().isEmpty(), r.toString());
    for (Map.Entry<String, Tensor> e : sd.entrySet()) {
      assertClose(e.getKey(), e.getValue(), m.stateDict().get(e.getKey()), 0, 0);
    }
  }

  private static Tensor leaf(Object json, Device device) {
    Tensor t = tensor(json);
    return t == null ? null : t.to(device).requiresGrad(true);
  }

  private static void checkParamGrads(Module m, Map<String, Object> c, double rtol, double atol) {
    Map<String, Object> expected = map(map(c.get("grads")).get("params"));
    Map<String, Tensor> params = m.namedParameters();
    assertEquals(expected.keySet(), params.keySet());
    for (String k : expected.keySet()) {
      assertClose("grad of " + k, tensor(expected.get(k)), params.get(k).grad(), rtol, atol);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("layerCases")
  void layerMatchesTorch(String id) {
    Map<String, Object> c = RnnGolden.cases().get(id);
    Map<String, Object> o = map(c.get("options"));
    String kind = (String) c.get("kind");
    int in = integer(o.get("input_size"));
    int hidden = integer(o.get("hidden_size"));
    int layers = integer(o.get("num_layers"));
    boolean bias = (Boolean) o.get("bias");
    boolean batchFirst = (Boolean) o.get("batch_first");
    boolean bidir = (Boolean) o.get("bidirectional");
    Generator g = new Generator(7);
    RNNBase m = switch (kind) {
      case "LSTM" -> new LSTM(in, hidden, layers, bias, batchFirst, 0, bidir, g);
      case "GRU" -> new GRU(in, hidden, layers, bias, batchFirst, 0, bidir, g);
      default -> new RNN(in, hidden, layers, (String) o.get("nonlinearity"), bias, batchFirst, 0,
          bidir, g);
    };
    try (Scope s = Tensor.scope()) {
      Device device = device();
      Tensor x = leaf(c.get("input"), device);
      DType dtype = x.dtype();
      load(m, c, dtype);
      m.to(device);
      Tensor h0 = leaf(c.get("h0"), device);
      Tensor c0 = leaf(c.get("c0"), device);
      RnnOutput out = switch (kind) {
        case "LSTM" -> ((LSTM) m).forward(x, h0, c0);
        case "GRU" -> ((GRU) m).forward(x, h0);
        default -> ((RNN) m).forward(x, h0);
      };
      double rtol = rtol(dtype);
      double atol = atol(dtype);
      assertClose("output", tensor(c.get("output")), out.output(), rtol, atol);
      assertClose("h_n", tensor(c.get("h_n")), out.hN(), rtol, atol);
      if (kind.equals("LSTM")) {
        assertClose("c_n", tensor(c.get("c_n")), out.cN(), rtol, atol);
      } else {
        assertNull(out.cN());
      }
      Map<String, Object> up = map(c.get("upstream"));
      Tensor loss = out.output().mul(tensor(up.get("output")).to(device)).sum()
          .add(out.hN().mul(tensor(up.get("h_n")).to(device)).sum());
      if (out.cN() != null) {
        loss = loss.add(out.cN().mul(tensor(up.get("c_n")).to(device)).sum());
      }
      loss.backward();
      Map<String, Object> grads = map(c.get("grads"));
      assertClose("grad of input", tensor(grads.get("input")), x.grad(), rtol, atol);
      if (h0 != null) {
        assertClose("grad of h0", tensor(grads.get("h0")), h0.grad(), rtol, atol);
      }
      if (c0 != null) {
        assertClose("grad of c0", tensor(grads.get("c0")), c0.grad(), rtol, atol);
      }
      checkParamGrads(m, c, rtol, atol);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cellCases")
  void cellMatchesTorch(String id) {
    Map<String, Object> c = RnnGolden.cases().get(id);
    Map<String, Object> o = map(c.get("options"));
    String kind = (String) c.get("kind");
    int in = integer(o.get("input_size"));
    int hidden = integer(o.get("hidden_size"));
    boolean bias = (Boolean) o.get("bias");
    Generator g = new Generator(7);
    RNNCellBase m = switch (kind) {
      case "LSTMCell" -> new LSTMCell(in, hidden, bias, g);
      case "GRUCell" -> new GRUCell(in, hidden, bias, g);
      default -> new RNNCell(in, hidden, bias, (String) o.get("nonlinearity"), g);
    };
    try (Scope s = Tensor.scope()) {
      Device device = device();
      Tensor x = leaf(c.get("input"), device);
      DType dtype = x.dtype();
      load(m, c, dtype);
      m.to(device);
      Tensor h0 = leaf(c.get("h0"), device);
      Tensor c0 = leaf(c.get("c0"), device);
      List<Tensor> outs = new ArrayList<>();
      switch (kind) {
        case "LSTMCell" -> outs.addAll(List.of(((LSTMCell) m).forward(x, h0, c0)));
        case "GRUCell" -> outs.add(((GRUCell) m).forward(x, h0));
        default -> outs.add(((RNNCell) m).forward(x, h0));
      }
      double rtol = rtol(dtype);
      double atol = atol(dtype);
      assertClose("h'", tensor(c.get("h_n")), outs.get(0), rtol, atol);
      Map<String, Object> up = map(c.get("upstream"));
      Tensor loss = outs.get(0).mul(tensor(up.get("h_n")).to(device)).sum();
      if (outs.size() == 2) {
        assertClose("c'", tensor(c.get("c_n")), outs.get(1), rtol, atol);
        loss = loss.add(outs.get(1).mul(tensor(up.get("c_n")).to(device)).sum());
      }
      loss.backward();
      Map<String, Object> grads = map(c.get("grads"));
      assertClose("grad of input", tensor(grads.get("input")), x.grad(), rtol, atol);
      assertClose("grad of h0", tensor(grads.get("h0")), h0.grad(), rtol, atol);
      if (c0 != null) {
        assertClose("grad of c0", tensor(grads.get("c0")), c0.grad(), rtol, atol);
      }
      checkParamGrads(m, c, rtol, atol);
    }
  }
}
