package dev.ember.nn;

import dev.ember.autograd.GradCheck;
import dev.ember.nn.activation.ELU;
import dev.ember.nn.activation.GELU;
import dev.ember.nn.activation.LeakyReLU;
import dev.ember.nn.activation.LogSoftmax;
import dev.ember.nn.activation.ReLU;
import dev.ember.nn.activation.SiLU;
import dev.ember.nn.activation.Sigmoid;
import dev.ember.nn.activation.Softmax;
import dev.ember.nn.activation.Softplus;
import dev.ember.nn.activation.Tanh;
import dev.ember.nn.conv.AdaptiveAvgPool2d;
import dev.ember.nn.conv.AvgPool2d;
import dev.ember.nn.conv.Conv1d;
import dev.ember.nn.conv.Conv2d;
import dev.ember.nn.conv.ConvTranspose2d;
import dev.ember.nn.conv.MaxPool2d;
import dev.ember.nn.layers.Flatten;
import dev.ember.nn.loss.BCELoss;
import dev.ember.nn.loss.BCEWithLogitsLoss;
import dev.ember.nn.loss.CrossEntropyLoss;
import dev.ember.nn.loss.HuberLoss;
import dev.ember.nn.loss.L1Loss;
import dev.ember.nn.loss.Loss;
import dev.ember.nn.loss.MSELoss;
import dev.ember.nn.loss.NLLLoss;
import dev.ember.nn.loss.SmoothL1Loss;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Central-difference gradient checks in float64 of every layer of the nn core (with respect to
 * its input and every parameter) and of every loss (with respect to its input, and its target
 * where the target is differentiable).
 */
class NnGradCheckTest {

  private static Tensor rnd(long seed, int... shape) {
    return Tensor.randn(new Generator(seed), DType.FLOAT64, Device.CPU, shape);
  }

  /**
   * Checks a module w.r.t. its input and each parameter: the module's own parameters are inputs
   * of the check (it perturbs them in place, and the module reads them at each call).
   */
  private static void checkModule(Module m, Tensor x) {
    m.to(DType.FLOAT64);
    List<Tensor> params = m.parameters();
    Tensor[] inputs = new Tensor[params.size() + 1];
    inputs[0] = x.requiresGrad(true);
    for (int i = 0; i < params.size(); i++) {
      inputs[i + 1] = params.get(i);
    }
    GradCheck.check(in -> m.forward(in[0]), inputs);
  }

  private static Stream<DynamicTest> cases(Map<String, Runnable> cases) {
    return cases.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), e.getValue()::run));
  }

  @TestFactory
  Stream<DynamicTest> layers() {
    Map<String, Runnable> c = new LinkedHashMap<>();
    c.put("Linear", () -> checkModule(new dev.ember.nn.layers.Linear(4, 3), rnd(1, 2, 4)));
    c.put("Linear 3-D input", () -> checkModule(new dev.ember.nn.layers.Linear(4, 3), rnd(2, 2, 2, 4)));
    c.put("Linear without bias",
        () -> checkModule(new dev.ember.nn.layers.Linear(4, 3, false), rnd(3, 2, 4)));
    c.put("LayerNorm", () -> checkModule(new dev.ember.nn.norm.LayerNorm(3, 4), rnd(4, 2, 3, 4)));
    c.put("BatchNorm1d (training)", () -> checkModule(new dev.ember.nn.norm.BatchNorm1d(3), rnd(5, 4, 3)));
    c.put("BatchNorm2d (training)", () -> checkModule(new dev.ember.nn.norm.BatchNorm2d(2), rnd(6, 3, 2, 2, 2)));
    c.put("BatchNorm1d (eval)", () -> {
      Module bn = new dev.ember.nn.norm.BatchNorm1d(3);
      bn.eval();
      checkModule(bn, rnd(7, 4, 3));
    });
    // The padding row's zero gradient is by definition, not a derivative (the golden test checks
    // it); here the padding index is one the input does not use.
    c.put("Embedding", () -> {
      Tensor w = rnd(8, 5, 3).requiresGrad(true);
      Tensor idx = Tensor.of(new long[] {0, 2, 2, 4, 1, 0}, 2, 3);
      GradCheck.check(in -> F.embedding(idx, in[0], 3), w);
    });
    c.put("Dropout (fixed mask)", () -> GradCheck.check(
        in -> F.dropout(in[0], 0.4, true, new Generator(5)), rnd(9, 3, 4).requiresGrad(true)));
    c.put("Flatten", () -> checkModule(new Flatten(), rnd(10, 2, 3, 2)));
    c.put("Conv1d", () -> checkModule(
        new Conv1d(4, 2, 3, 2, 1, 1, 2, true, new Generator(1)), rnd(12, 2, 4, 7)));
    c.put("Conv2d", () -> checkModule(new Conv2d(2, 3, 3, 1, 1), rnd(13, 2, 2, 4, 4)));
    c.put("ConvTranspose2d", () -> checkModule(new ConvTranspose2d(2, 3, 2, 2), rnd(14, 1, 2, 3, 3)));
    c.put("MaxPool2d", () -> checkModule(new MaxPool2d(2), rnd(15, 2, 2, 4, 4)));
    c.put("AvgPool2d", () -> checkModule(new AvgPool2d(2), rnd(16, 2, 2, 4, 4)));
    c.put("AdaptiveAvgPool2d", () -> checkModule(new AdaptiveAvgPool2d(new int[] {2, 3}), rnd(17, 1, 2, 5, 4)));
    Map<String, Supplier<Module>> acts = new LinkedHashMap<>();
    acts.put("ReLU", ReLU::new);
    acts.put("LeakyReLU", () -> new LeakyReLU(0.1));
    acts.put("ELU", () -> new ELU(0.7));
    acts.put("GELU", GELU::new);
    acts.put("GELU tanh", () -> new GELU("tanh"));
    acts.put("SiLU", SiLU::new);
    acts.put("Sigmoid", Sigmoid::new);
    acts.put("Tanh", Tanh::new);
    acts.put("Softmax", () -> new Softmax(1));
    acts.put("LogSoftmax", () -> new LogSoftmax(0));
    acts.put("Softplus", () -> new Softplus(2, 3));
    acts.forEach((name, f) -> c.put(name, () -> checkModule(f.get(), rnd(11, 3, 4).mul(2))));
    return cases(c);
  }

  private static void checkLoss(Loss loss, Tensor input, Tensor target, boolean targetToo) {
    if (targetToo) {
      GradCheck.check(in -> loss.forward(in[0], in[1]), input.requiresGrad(true),
          target.requiresGrad(true));
    } else {
      GradCheck.check(in -> loss.forward(in[0], target), input.requiresGrad(true));
    }
  }

  @TestFactory
  Stream<DynamicTest> losses() {
    Map<String, Runnable> c = new LinkedHashMap<>();
    Tensor labels = Tensor.of(new long[] {0, 3, 2, 1, 2}, 5);
    Tensor w = rnd(20, 4).abs().add(0.2);
    for (Reduction r : Reduction.values()) {
      String s = " " + r;
      c.put("MSELoss" + s, () -> checkLoss(new MSELoss().reduction(r), rnd(21, 3, 4), rnd(22, 3, 4), true));
      c.put("L1Loss" + s, () -> checkLoss(new L1Loss().reduction(r), rnd(23, 3, 4), rnd(24, 3, 4), true));
      c.put("SmoothL1Loss" + s,
          () -> checkLoss(new SmoothL1Loss().beta(0.5).reduction(r), rnd(25, 3, 4), rnd(26, 3, 4), true));
      c.put("HuberLoss" + s,
          () -> checkLoss(new HuberLoss().delta(0.7).reduction(r), rnd(27, 3, 4), rnd(28, 3, 4), true));
      c.put("CrossEntropyLoss" + s,
          () -> checkLoss(new CrossEntropyLoss().reduction(r), rnd(29, 5, 4), labels, false));
      c.put("CrossEntropyLoss weight, ignore, smoothing" + s, () -> checkLoss(
          new CrossEntropyLoss().weight(w).ignoreIndex(2).labelSmoothing(0.1).reduction(r),
          rnd(30, 5, 4), labels, false));
      c.put("CrossEntropyLoss probabilities" + s, () -> checkLoss(
          new CrossEntropyLoss().weight(w).labelSmoothing(0.1).reduction(r), rnd(31, 3, 4),
          rnd(32, 3, 4).softmax(1), true));
      c.put("CrossEntropyLoss (N, C, d)" + s, () -> checkLoss(new CrossEntropyLoss().reduction(r),
          rnd(33, 2, 3, 4), Tensor.of(new long[] {0, 2, 1, 1, 2, 2, 0, 1}, 2, 4), false));
      c.put("NLLLoss" + s, () -> checkLoss(new NLLLoss().weight(w).ignoreIndex(0).reduction(r),
          rnd(34, 5, 4), labels, false));
      c.put("BCELoss" + s, () -> checkLoss(new BCELoss().weight(w).reduction(r),
          rnd(35, 3, 4).sigmoid(), rnd(36, 3, 4).sigmoid(), true));
      c.put("BCEWithLogitsLoss" + s, () -> checkLoss(
          new BCEWithLogitsLoss().weight(w).posWeight(rnd(37, 4).abs().add(0.5)).reduction(r),
          rnd(38, 3, 4).mul(3), rnd(39, 3, 4).sigmoid(), true));
    }
    return cases(c);
  }
}
