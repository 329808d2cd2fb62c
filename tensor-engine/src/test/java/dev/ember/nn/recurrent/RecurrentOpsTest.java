package dev.ember.nn.recurrent;

import static dev.ember.nn.recurrent.RnnGolden.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradCheck;
import dev.ember.autograd.GradMode;
import dev.ember.backend.cpu.Parallel;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Recurrent;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fused operators of {@link Recurrent} against the same cells and layers composed of tensor
 * operators ({@link Composed}): values and gradients, float64 central-difference gradchecks of
 * both, and their errors.
 */
class RecurrentOpsTest {

  private static Tensor randn(Generator g, DType dtype, double scale, int... shape) {
    return Tensor.randn(g, dtype, Device.CPU, shape).mul(scale).requiresGrad(true);
  }

  private static double rtol(DType d) {
    return d == DType.FLOAT64 ? 1e-11 : 1e-4;
  }

  private static double atol(DType d) {
    return d == DType.FLOAT64 ? 1e-12 : 1e-5;
  }

  /** The gradients of sum(out_k * up_k) with respect to {@code inputs} (null entries skipped). */
  private static List<Tensor> grads(Tensor[] outs, Tensor[] ups, List<Tensor> inputs) {
    Tensor loss = null;
    for (int k = 0; k < outs.length; k++) {
      if (outs[k] != null) {
        Tensor term = outs[k].mul(ups[k]).sum();
        loss = loss == null ? term : loss.add(term);
      }
    }
    return Autograd.grad(List.of(loss), inputs);
  }

  private static void assertAllClose(String what, List<Tensor> expected, List<Tensor> actual,
      double rtol, double atol) {
    for (int i = 0; i < expected.size(); i++) {
      assertClose(what + " " + i, expected.get(i), actual.get(i), rtol, atol);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"float64", "float32"})
  void fusedLstmCellMatchesComposed(String dt) {
    DType dtype = DType.parse(dt);
    Generator g = new Generator(11);
    try (Scope s = Tensor.scope()) {
      // Wide pre-activations, so that saturated gates are covered too.
      Tensor gates = randn(g, dtype, 3, 5, 4 * 6);
      Tensor cPrev = randn(g, dtype, 2, 5, 6);
      Tensor[] up = {Tensor.randn(g, dtype, Device.CPU, 5, 6), Tensor.randn(g, dtype, Device.CPU, 5, 6)};
      Tensor[] fused = Recurrent.lstmCell(gates, cPrev);
      Tensor[] composed = Composed.lstmCell(gates, cPrev);
      assertClose("h", composed[0], fused[0], rtol(dtype), atol(dtype));
      assertClose("c", composed[1], fused[1], rtol(dtype), atol(dtype));
      List<Tensor> in = List.of(gates, cPrev);
      assertAllClose("grad", grads(composed, up, in), grads(fused, up, in), rtol(dtype),
          atol(dtype));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"float64", "float32"})
  void fusedGruCellMatchesComposed(String dt) {
    DType dtype = DType.parse(dt);
    Generator g = new Generator(12);
    try (Scope s = Tensor.scope()) {
      Tensor xg = randn(g, dtype, 3, 5, 3 * 6);
      Tensor hg = randn(g, dtype, 3, 5, 3 * 6);
      Tensor hPrev = randn(g, dtype, 1, 5, 6);
      Tensor[] up = {Tensor.randn(g, dtype, Device.CPU, 5, 6)};
      Tensor fused = Recurrent.gruCell(xg, hg, hPrev);
      Tensor composed = Composed.gruCell(xg, hg, hPrev);
      assertClose("h", composed, fused, rtol(dtype), atol(dtype));
      List<Tensor> in = List.of(xg, hg, hPrev);
      assertAllClose("grad", grads(new Tensor[] {composed}, up, in),
          grads(new Tensor[] {fused}, up, in), rtol(dtype), atol(dtype));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"float64", "float32"})
  void saturatedAndNonFinitePreActivationsBehaveAsComposed(String dt) {
    DType dtype = DType.parse(dt);
    double inf = Double.POSITIVE_INFINITY;
    double[] v = {-inf, -1000, -100, -20, -1e-7, 0, 1e-7, 20, 100, 1000, inf, 0.5};
    try (Scope s = Tensor.scope()) {
      // Every value in every gate block of the LSTM (4 x 12) and the GRU (3 x 12).
      double[] lstm = new double[48];
      double[] gru = new double[36];
      for (int k = 0; k < 48; k++) {
        lstm[k] = v[(k + k / 12) % 12];
      }
      for (int k = 0; k < 36; k++) {
        gru[k] = v[(k + 5 * (k / 12)) % 12];
      }
      Tensor gates = Tensor.of(lstm, 1, 48).to(dtype);
      Tensor cPrev = Tensor.linspace(-2, 2, 12, dtype).reshape(1, 12);
      Tensor[] fused = Recurrent.lstmCell(gates, cPrev);
      Tensor[] composed = Composed.lstmCell(gates, cPrev);
      assertClose("h", composed[0], fused[0], 1e-6, 1e-7);
      assertClose("c", composed[1], fused[1], 1e-6, 1e-7);
      Tensor xg = Tensor.of(gru, 1, 36).to(dtype);
      Tensor hg = xg.flip(1).clampMin(-50).clampMax(50);
      assertClose("gru h", Composed.gruCell(xg, hg, cPrev), Recurrent.gruCell(xg, hg, cPrev),
          1e-6, 1e-7);
      double nan = Double.NaN;
      Tensor withNan = Tensor.of(new double[] {nan, 0, 0, 0}, 1, 4).to(dtype);
      Tensor[] hc = Recurrent.lstmCell(withNan, Tensor.zeros(dtype, Device.CPU, 1, 1));
      assertTrue(Double.isNaN(hc[0].item()) && Double.isNaN(hc[1].item()), "NaN propagates");
    }
  }

  @Test
  void cellsPassGradcheckFusedAndComposed() {
    Generator g = new Generator(13);
    try (Scope s = Tensor.scope()) {
      Tensor gates = randn(g, DType.FLOAT64, 2, 3, 4 * 3);
      Tensor cPrev = randn(g, DType.FLOAT64, 1, 3, 3);
      GradCheck.check(in -> Tensor.cat(1, Recurrent.lstmCell(in[0], in[1])), gates, cPrev);
      GradCheck.check(in -> Tensor.cat(1, Composed.lstmCell(in[0], in[1])), gates, cPrev);
      Tensor xg = randn(g, DType.FLOAT64, 2, 3, 3 * 3);
      Tensor hg = randn(g, DType.FLOAT64, 2, 3, 3 * 3);
      Tensor hPrev = randn(g, DType.FLOAT64, 1, 3, 3);
      GradCheck.check(in -> Recurrent.gruCell(in[0], in[1], in[2]), xg, hg, hPrev);
      GradCheck.check(in -> Composed.gruCell(in[0], in[1], in[2]), xg, hg, hPrev);
    }
  }

  /** kind x reverse x (bias, initial states) x dtype. */
  static Stream<Arguments> sequenceCases() {
    List<Arguments> out = new ArrayList<>();
    for (String kind : List.of("lstm", "gru", "tanh", "relu")) {
      for (boolean reverse : new boolean[] {false, true}) {
        for (boolean full : new boolean[] {false, true}) {
          for (String dt : List.of("float64", "float32")) {
            out.add(Arguments.of(kind, reverse, full, dt));
          }
        }
      }
    }
    return out.stream();
  }

  /** The inputs of a layer-direction: x, h0, c0, wIh, wHh, bIh, bHh (states, biases optional). */
  private static Tensor[] sequenceInputs(Generator g, String kind, DType dtype, int len, int n,
      int in, int h, boolean full) {
    int gh = Composed.gates(kind) * h;
    return new Tensor[] {randn(g, dtype, 1, len, n, in),
        full ? randn(g, dtype, 0.5, n, h) : null,
        full && kind.equals("lstm") ? randn(g, dtype, 0.5, n, h) : null,
        randn(g, dtype, 0.6, gh, in), randn(g, dtype, 0.6, gh, h),
        full ? randn(g, dtype, 0.5, gh) : null, full ? randn(g, dtype, 0.5, gh) : null};
  }

  @ParameterizedTest(name = "{0} reverse={1} states+bias={2} {3}")
  @MethodSource("sequenceCases")
  void fusedSequenceMatchesComposed(String kind, boolean reverse, boolean full, String dt) {
    DType dtype = DType.parse(dt);
    Generator g = new Generator(14);
    try (Scope s = Tensor.scope()) {
      Tensor[] a = sequenceInputs(g, kind, dtype, 5, 3, 4, 6, full);
      Tensor[] fused = Composed.fused(kind, a[0], a[1], a[2], a[3], a[4], a[5], a[6], reverse);
      Tensor[] composed = Composed.layer(kind, a[0], a[1], a[2], a[3], a[4], a[5], a[6], reverse);
      assertClose("output", composed[0], fused[0], rtol(dtype), atol(dtype));
      assertClose("hN", composed[1], fused[1], rtol(dtype), atol(dtype));
      if (kind.equals("lstm")) {
        assertClose("cN", composed[2], fused[2], rtol(dtype), atol(dtype));
      } else {
        assertNull(fused[2]);
      }
      Tensor[] up = new Tensor[3];
      for (int k = 0; k < 3; k++) {
        up[k] = composed[k] == null ? null
            : Tensor.randn(g, dtype, Device.CPU, composed[k].shape());
      }
      List<Tensor> in = Arrays.stream(a).filter(t -> t != null).toList();
      assertAllClose("grad of input", grads(composed, up, in), grads(fused, up, in),
          rtol(dtype), atol(dtype));
    }
  }

  /**
   * An LSTM given only one of h0 and c0 takes zeros for the other (both share one fill when both
   * are missing), forward and backward.
   */
  @ParameterizedTest(name = "reverse={0}")
  @ValueSource(booleans = {false, true})
  void anLstmWithOneInitialStateMatchesComposed(boolean reverse) {
    Generator g = new Generator(17);
    try (Scope s = Tensor.scope()) {
      Tensor[] a = sequenceInputs(g, "lstm", DType.FLOAT64, 4, 3, 4, 5, true);
      for (int missing : new int[] {1, 2}) {
        Tensor[] b = a.clone();
        b[missing] = null;
        Tensor[] fused = Composed.fused("lstm", b[0], b[1], b[2], b[3], b[4], b[5], b[6], reverse);
        Tensor[] composed =
            Composed.layer("lstm", b[0], b[1], b[2], b[3], b[4], b[5], b[6], reverse);
        String what = (missing == 1 ? "no h0" : "no c0") + ": ";
        Tensor[] up = new Tensor[3];
        for (int k = 0; k < 3; k++) {
          assertClose(what + "result " + k, composed[k], fused[k], rtol(DType.FLOAT64),
              atol(DType.FLOAT64));
          up[k] = Tensor.randn(g, DType.FLOAT64, Device.CPU, composed[k].shape());
        }
        List<Tensor> in = Arrays.stream(b).filter(t -> t != null).toList();
        assertAllClose(what + "grad of input", grads(composed, up, in), grads(fused, up, in),
            rtol(DType.FLOAT64), atol(DType.FLOAT64));
      }
    }
  }

  /** kind x reverse x (bias, initial states). */
  static Stream<Arguments> gradcheckCases() {
    return sequenceCases().filter(a -> a.get()[3].equals("float64"))
        .map(a -> Arguments.of(a.get()[0], a.get()[1], a.get()[2]));
  }

  @ParameterizedTest(name = "{0} reverse={1} states+bias={2}")
  @MethodSource("gradcheckCases")
  void fusedSequencePassesGradcheck(String kind, boolean reverse, boolean full) {
    Generator g = new Generator(15);
    try (Scope s = Tensor.scope()) {
      Tensor[] a = sequenceInputs(g, kind, DType.FLOAT64, 3, 2, 3, 2, full);
      GradCheck.Result r = GradCheck.run(in -> {
        Tensor[] o = Composed.fused(kind, in[0], in[1], in[2], in[3], in[4], in[5], in[6], reverse);
        return o[2] == null ? Tensor.cat(0, o[0].reshape(-1), o[1].reshape(-1))
            : Tensor.cat(0, o[0].reshape(-1), o[1].reshape(-1), o[2].reshape(-1));
      }, a);
      assertTrue(r.passed(), r.toString());
    }
  }

  @Test
  void resultsDoNotDependOnTheNumberOfThreads() {
    Generator g = new Generator(16);
    int before = Parallel.numThreads();
    try (Scope s = Tensor.scope()) {
      // 64 rows of 4 x 32 gates: the cells split the batch over two threads.
      Tensor[] a = sequenceInputs(g, "lstm", DType.FLOAT32, 6, 64, 8, 32, true);
      Tensor[] b = sequenceInputs(g, "gru", DType.FLOAT32, 6, 64, 8, 32, true);
      float[][] results = new float[2][];
      for (int threads = 1; threads <= 2; threads++) {
        Parallel.setNumThreads(threads);
        Tensor[] l = Composed.fused("lstm", a[0], a[1], a[2], a[3], a[4], a[5], a[6], false);
        Tensor[] r = Composed.fused("gru", b[0], b[1], null, b[3], b[4], b[5], b[6], true);
        List<Tensor> gl = grads(l, new Tensor[] {l[0], l[1], l[2]},
            Arrays.stream(a).toList());
        List<Tensor> gr = grads(new Tensor[] {r[0]}, new Tensor[] {r[0]}, List.of(b[0], b[1], b[3]));
        List<Tensor> all = new ArrayList<>(List.of(l[0], l[2], r[0]));
        all.addAll(gl);
        all.addAll(gr);
        results[threads - 1] = Tensor.cat(0, all.stream().map(t -> t.reshape(-1)).toList()
            .toArray(new Tensor[0])).toFloatArray();
      }
      assertArrayEquals(results[0], results[1]);
    } finally {
      Parallel.setNumThreads(before);
    }
  }

  @Test
  void doubleBackwardIsRefusedWithAClearError() {
    Generator g = new Generator(17);
    try (Scope s = Tensor.scope()) {
      Tensor[] a = sequenceInputs(g, "lstm", DType.FLOAT64, 3, 2, 3, 2, true);
      Tensor loss = Recurrent.lstm(a[0], a[1], a[2], a[3], a[4], a[5], a[6], false).hN().sum();
      UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
          () -> Autograd.grad(List.of(loss), List.of(a[3]), null, false, true, false));
      assertTrue(e.getMessage().contains("createGraph"), e.getMessage());
      Tensor cellLoss = Recurrent.lstmCell(a[4].t().narrow(0, 0, 2), a[1])[0].sum();
      assertThrows(UnsupportedOperationException.class,
          () -> Autograd.grad(List.of(cellLoss), List.of(a[4]), null, false, true, false));
    }
  }

  @Test
  void inPlaceChangeOfTheOutputBeforeBackwardIsDetected() {
    Generator g = new Generator(18);
    try (Scope s = Tensor.scope()) {
      Tensor[] a = sequenceInputs(g, "gru", DType.FLOAT64, 3, 2, 3, 2, true);
      Recurrent.Sequence seq = Recurrent.gru(a[0], a[1], a[3], a[4], a[5], a[6], false);
      Tensor loss = seq.output().sum();
      try (GradMode ng = Autograd.noGrad()) {
        seq.output().mul_(2);
      }
      assertThrows(IllegalStateException.class, loss::backward);
    }
  }

  @Test
  void withoutGradNothingIsRecorded() {
    Generator g = new Generator(19);
    try (Scope s = Tensor.scope(); GradMode ng = Autograd.noGrad()) {
      Tensor[] a = sequenceInputs(g, "lstm", DType.FLOAT32, 3, 2, 3, 2, true);
      Recurrent.Sequence seq = Recurrent.lstm(a[0], a[1], a[2], a[3], a[4], a[5], a[6], false);
      assertTrue(seq.output().gradFn() == null && !seq.hN().requiresGrad());
    }
  }

  @Test
  void badShapesAreNamed() {
    Generator g = new Generator(20);
    try (Scope s = Tensor.scope()) {
      Tensor[] a = sequenceInputs(g, "lstm", DType.FLOAT32, 3, 2, 3, 4, true);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Recurrent.lstm(a[0], a[1], a[2], a[4], a[4], a[5], a[6], false));
      assertTrue(e.getMessage().contains("wIh must have shape (16, 3)")
          && e.getMessage().contains("[16, 4]"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> Recurrent.lstm(a[0], a[1].t(), a[2], a[3], a[4], a[5], a[6], false));
      assertTrue(e.getMessage().contains("h0 must have shape (2, 4)"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> Recurrent.lstm(a[0], a[1], a[2], a[3], a[4], a[5].narrow(0, 0, 8), a[6], false));
      assertTrue(e.getMessage().contains("bIh must have shape (16)"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> Recurrent.gru(a[0], a[1], a[3], a[4], a[5], a[6], false));
      assertTrue(e.getMessage().contains("wHh must have shape (3H, H)"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> Recurrent.lstm(a[0].narrow(0, 0, 0), a[1], a[2], a[3], a[4], a[5], a[6], false));
      assertTrue(e.getMessage().contains("length > 0"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> Recurrent.lstm(a[0].to(DType.FLOAT64),
          a[1], a[2], a[3], a[4], a[5], a[6], false));
      assertTrue(e.getMessage().contains("one dtype"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> Recurrent.lstmCell(a[4].t().narrow(1, 0, 3), a[1]));
      assertTrue(e.getMessage().contains("(N, 4H)"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> Recurrent.lstmCell(a[4].t().narrow(0, 0, 2), a[1].narrow(1, 0, 3)));
      assertTrue(e.getMessage().contains("cPrev must have shape (2, 4)"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> Recurrent.gruCell(a[4].t().narrow(0, 0, 2).narrow(1, 0, 12),
              a[4].t().narrow(0, 0, 2), a[1]));
      assertTrue(e.getMessage().contains("hg must have shape (2, 12)"), e.getMessage());
    }
  }
}
