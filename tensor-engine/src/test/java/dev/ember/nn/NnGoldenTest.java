package dev.ember.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.nn.norm.BatchNorm1d;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Tensor;
import dev.ember.tensor.ops.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Layers and losses against PyTorch 1.13: the cases of {@code golden/nn.json}, written by {@code
 * make_nn_golden.py} beside it. Each case name maps to the same computation here; forward
 * outputs and the gradients of {@code sum(first output * cot)} are compared in float64.
 */
class NnGoldenTest {

  private static Map<String, Object> load() throws IOException {
    try (InputStream in = NnGoldenTest.class.getResourceAsStream("/golden/nn.json")) {
      assertNotNull(in, "golden/nn.json is missing");
      @SuppressWarnings("unchecked")
      Map<String, Object> root =
          (Map<String, Object>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      return root;
    }
  }

  static Tensor tensor(Object json) {
    Map<?, ?> m = (Map<?, ?>) json;
    List<?> sh = (List<?>) m.get("shape");
    int[] shape = new int[sh.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = (int) ((Json.Num) sh.get(i)).asLong();
    }
    List<?> vals = (List<?>) m.get("values");
    DType dtype = DType.parse((String) m.get("dtype"));
    if (dtype == DType.INT64) {
      long[] v = new long[vals.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = ((Json.Num) vals.get(i)).asLong();
      }
      return Tensor.of(v, shape);
    }
    double[] v = new double[vals.size()];
    for (int i = 0; i < v.length; i++) {
      Object o = vals.get(i);
      v[i] = o instanceof String s ? Double.parseDouble(s.replace("inf", "Infinity"))
          : ((Json.Num) o).asDouble();
    }
    return Tensor.of(v, shape).to(dtype);
  }

  /** A case's computation: inputs by name to named outputs, the first one differentiated. */
  private static final Map<String, Function<Map<String, Tensor>, Map<String, Tensor>>> CASES =
      new LinkedHashMap<>();

  private static void def(String name, Function<Map<String, Tensor>, Map<String, Tensor>> f) {
    CASES.put(name, f);
  }

  private static Map<String, Tensor> out(Object... kv) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], (Tensor) kv[i + 1]);
    }
    return m;
  }

  private static Map<String, Tensor> batchNormTrain(Map<String, Tensor> in) {
    Tensor rm = in.get("rm").clone();
    Tensor rv = in.get("rv").clone();
    Tensor w = in.get("w");
    Tensor b = in.get("b");
    Tensor y = F.batchNorm(in.get("x"), rm, rv, w, b, true, 0.1, 1e-5);
    F.batchNorm(in.get("x2"), rm, rv, w, b, true, 0.1, 1e-5);
    Tensor ye = F.batchNorm(in.get("x2"), rm, rv, w, b, false, 0.1, 1e-5);
    return out("y", y, "running_mean", rm, "running_var", rv, "y_eval", ye);
  }

  static {
    def("linear", in -> out("y", F.linear(in.get("x"), in.get("w"), in.get("b"))));
    def("linear3d_nobias", in -> out("y", F.linear(in.get("x"), in.get("w"), null)));
    def("elu", in -> out("y", F.elu(in.get("x"), 0.7)));
    def("layer_norm", in -> out("y",
        F.layerNorm(in.get("x"), new int[] {3, 4}, in.get("w"), in.get("b"), 1e-5)));
    def("batch_norm_1d", NnGoldenTest::batchNormTrain);
    def("batch_norm_1d_3d", NnGoldenTest::batchNormTrain);
    def("batch_norm_2d", NnGoldenTest::batchNormTrain);
    def("batch_norm_cumulative", in -> {
      BatchNorm1d m = new BatchNorm1d(3, 1e-5, null, true, true);
      m.to(DType.FLOAT64);
      m.to(in.get("x").device());
      try (GradMode ng = Autograd.noGrad()) {
        m.forward(in.get("x"));
        m.forward(in.get("x2"));
      }
      return out("running_mean", m.buffer("running_mean"), "running_var", m.buffer("running_var"),
          "num_batches_tracked", m.buffer("num_batches_tracked"));
    });
    def("embedding_padding", in -> out("y", F.embedding(in.get("idx"), in.get("w"), 1)));
    for (Reduction r : Reduction.values()) {
      String s = "_" + r.name().toLowerCase(java.util.Locale.ROOT);
      def("mse" + s, in -> out("loss", F.mseLoss(in.get("x"), in.get("t"), r)));
      def("l1" + s, in -> out("loss", F.l1Loss(in.get("x"), in.get("t"), r)));
      def("smooth_l1" + s, in -> out("loss", F.smoothL1Loss(in.get("x"), in.get("t"), r, 0.5)));
      def("huber" + s, in -> out("loss", F.huberLoss(in.get("x"), in.get("t"), r, 0.7)));
      def("cross_entropy" + s,
          in -> out("loss", F.crossEntropy(in.get("x"), in.get("t"), null, -100, r, 0)));
      def("cross_entropy_weight_ignore" + s,
          in -> out("loss", F.crossEntropy(in.get("x"), in.get("t"), in.get("w"), 2, r, 0)));
      def("cross_entropy_smoothing" + s,
          in -> out("loss", F.crossEntropy(in.get("x"), in.get("t"), in.get("w"), 2, r, 0.1)));
      def("cross_entropy_smoothing_noweight" + s,
          in -> out("loss", F.crossEntropy(in.get("x"), in.get("t"), null, 2, r, 0.2)));
      def("cross_entropy_probs" + s,
          in -> out("loss", F.crossEntropy(in.get("x"), in.get("t"), in.get("w"), -100, r, 0.1)));
      def("cross_entropy_kdim" + s,
          in -> out("loss", F.crossEntropy(in.get("x"), in.get("t"), null, -100, r, 0)));
      def("nll_weight_ignore" + s,
          in -> out("loss", F.nllLoss(in.get("x"), in.get("t"), in.get("w"), 0, r)));
      def("bce" + s,
          in -> out("loss", F.binaryCrossEntropy(in.get("x"), in.get("t"), in.get("w"), r)));
      def("bce_logits" + s, in -> out("loss", F.binaryCrossEntropyWithLogits(
          in.get("x"), in.get("t"), in.get("w"), in.get("pw"), r)));
    }
    def("cross_entropy_unbatched",
        in -> out("loss", F.crossEntropy(in.get("x"), in.get("t"), null, -100, Reduction.MEAN, 0)));
  }

  /**
   * The device the cases run on: a backend's conformance test subclasses this class and runs
   * every functional layer and loss, forward and backward, on its device.
   */
  protected Device device() {
    return Device.CPU;
  }

  @TestFactory
  Stream<DynamicTest> matchesPyTorch() throws IOException {
    Device device = device();
    Map<String, Object> root = load();
    assertTrue(((String) root.get("torch")).startsWith("1.13"));
    List<?> cases = (List<?>) root.get("cases");
    assertEquals(CASES.size(), cases.size(), "every golden case has a computation here");
    return cases.stream().map(c -> {
      Map<?, ?> m = (Map<?, ?>) c;
      String name = (String) m.get("name");
      return DynamicTest.dynamicTest(name, () -> run(name, m, device));
    });
  }

  private static void run(String name, Map<?, ?> c, Device device) {
    Function<Map<String, Tensor>, Map<String, Tensor>> f = CASES.get(name);
    assertNotNull(f, "no computation for golden case " + name);
    Map<?, ?> expected = (Map<?, ?>) c.get("outputs");
    Map<String, Tensor> in = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : ((Map<?, ?>) c.get("inputs")).entrySet()) {
      Tensor t = tensor(e.getValue()).to(device);
      if (expected.containsKey("grad_" + e.getKey())) {
        t.requiresGrad(true);
      }
      in.put((String) e.getKey(), t);
    }
    Map<String, Tensor> got = f.apply(in);
    Tensor first = got.values().iterator().next();
    if (in.containsKey("cot")) {
      first.mul(in.get("cot")).sum().backward();
    }
    for (Map.Entry<?, ?> e : expected.entrySet()) {
      String key = (String) e.getKey();
      Tensor want = tensor(e.getValue());
      Tensor have = key.startsWith("grad_") ? in.get(key.substring(5)).grad() : got.get(key);
      assertNotNull(have, name + ": no " + key);
      assertArrayEquals(want.shape(), have.shape(), name + ": shape of " + key);
      double[] w = want.to(DType.FLOAT64).toDoubleArray();
      double[] h = have.to(DType.FLOAT64).toDoubleArray();
      for (int i = 0; i < w.length; i++) {
        double tol = 1e-9 + 1e-9 * Math.abs(w[i]);
        if (!(Math.abs(w[i] - h[i]) <= tol)) {
          throw new AssertionError(name + ": " + key + "[" + i + "] expected " + w[i] + " got "
              + h[i]);
        }
      }
    }
  }
}
