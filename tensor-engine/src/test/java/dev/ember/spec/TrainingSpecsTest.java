package dev.ember.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.nn.Reduction;
import dev.ember.nn.loss.BCELoss;
import dev.ember.nn.loss.BCEWithLogitsLoss;
import dev.ember.nn.loss.CrossEntropyLoss;
import dev.ember.nn.loss.HuberLoss;
import dev.ember.nn.loss.L1Loss;
import dev.ember.nn.loss.Loss;
import dev.ember.nn.loss.MSELoss;
import dev.ember.nn.loss.NLLLoss;
import dev.ember.nn.loss.SmoothL1Loss;
import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import dev.ember.optim.ChainedScheduler;
import dev.ember.optim.CosineAnnealingLR;
import dev.ember.optim.ExponentialLR;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.LinearLR;
import dev.ember.optim.MultiStepLR;
import dev.ember.optim.OneCycleLR;
import dev.ember.optim.Optimizer;
import dev.ember.optim.RMSprop;
import dev.ember.optim.ReduceLROnPlateau;
import dev.ember.optim.SGD;
import dev.ember.optim.StepLR;
import dev.ember.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** LossSpec, OptimizerSpec and ScheduleSpec: JSON, errors, and what they build. */
class TrainingSpecsTest {

  private static String error(Executable e) {
    return assertThrows(IllegalArgumentException.class, e).getMessage();
  }

  @SuppressWarnings("unchecked")
  private static <T> T javaRoundTrip(T value) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (T) in.readObject();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Losses

  @Test
  void lossJsonOfEveryType() throws Exception {
    String[] expected = {
        "{\"type\":\"mse\"}",
        "{\"type\":\"l1\"}",
        "{\"type\":\"smoothL1\",\"beta\":1.0}",
        "{\"type\":\"huber\",\"delta\":1.0}",
        "{\"type\":\"crossEntropy\",\"labelSmoothing\":0.0,\"ignoreIndex\":-100}",
        "{\"type\":\"nll\",\"ignoreIndex\":-100}",
        "{\"type\":\"bce\"}",
        "{\"type\":\"bceWithLogits\",\"posWeight\":null}"};
    List<String> names = new ArrayList<>(LossSpec.KINDS.keySet());
    assertEquals(expected.length, names.size());
    for (int i = 0; i < expected.length; i++) {
      LossSpec s = LossSpec.of(names.get(i));
      assertEquals(names.get(i), s.type());
      assertEquals(expected[i], s.toJson());
      assertEquals(s, LossSpec.of(s.toJson()));
      assertEquals(s, javaRoundTrip(s));
    }
    LossSpec custom = LossSpec.of(
        " {\"type\":\"crossEntropy\",\"labelSmoothing\":0.1,\"ignoreIndex\":3} ");
    assertEquals("{\"type\":\"crossEntropy\",\"labelSmoothing\":0.1,\"ignoreIndex\":3}",
        custom.toJson());
    assertEquals(custom, LossSpec.of(custom.toString()));
    assertEquals(custom.hashCode(), LossSpec.of(custom.toJson()).hashCode());
    assertEquals("{\"type\":\"bceWithLogits\",\"posWeight\":[2.0,0.5]}",
        LossSpec.of("{\"type\":\"bceWithLogits\",\"posWeight\":[2,0.5]}").toJson());
    assertEquals(LossSpec.of("huber"), LossSpec.of("{\"type\":\"huber\"}"));
    assertFalse(LossSpec.of("huber").equals(LossSpec.of("{\"type\":\"huber\",\"delta\":2}")));
  }

  @Test
  void lossClassIndexTargets() {
    for (String n : LossSpec.KINDS.keySet()) {
      assertEquals(n.equals("crossEntropy") || n.equals("nll"),
          LossSpec.of(n).classIndexTargets(), n);
    }
  }

  @Test
  void lossBuildsTheModuleWithItsOptions() {
    try (var s = Tensor.scope()) {
      Tensor x = Tensor.of(new float[] {0.5f, -1f, 2f, 0.1f, 0.3f, -0.2f}, 2, 3);
      Tensor y = Tensor.of(new float[] {0.2f, 0.9f, 0.4f, 0.7f, 0.1f, 0.6f}, 2, 3);
      Tensor cls = Tensor.of(new long[] {2, 0});
      Tensor w = Tensor.of(new float[] {1f, 2f, 0.5f});
      check(new MSELoss(), LossSpec.of("mse").build(null, Reduction.MEAN), x, y);
      check(new L1Loss().reduction(Reduction.SUM), LossSpec.of("l1").build(null, Reduction.SUM),
          x, y);
      check(new SmoothL1Loss().beta(0.3),
          LossSpec.of("{\"type\":\"smoothL1\",\"beta\":0.3}").build(null, Reduction.MEAN), x, y);
      check(new HuberLoss().delta(0.4),
          LossSpec.of("{\"type\":\"huber\",\"delta\":0.4}").build(null, Reduction.MEAN), x, y);
      check(new CrossEntropyLoss().weight(w).labelSmoothing(0.2),
          LossSpec.of("{\"type\":\"crossEntropy\",\"labelSmoothing\":0.2}")
              .build(w, Reduction.MEAN), x, cls);
      check(new CrossEntropyLoss().ignoreIndex(0),
          LossSpec.of("{\"type\":\"crossEntropy\",\"ignoreIndex\":0}")
              .build(null, Reduction.MEAN), x, cls);
      check(new NLLLoss().weight(w).reduction(Reduction.NONE),
          LossSpec.of("nll").build(w, Reduction.NONE), x, cls);
      check(new BCELoss(), LossSpec.of("bce").build(null, Reduction.MEAN), y, y.mul(0.5));
      Tensor pos = Tensor.of(new float[] {3f, 1f, 0.5f});
      check(new BCEWithLogitsLoss().posWeight(pos),
          LossSpec.of("{\"type\":\"bceWithLogits\",\"posWeight\":[3,1,0.5]}")
              .build(null, Reduction.MEAN), x, y);
      assertInstanceOf(BCEWithLogitsLoss.class,
          LossSpec.of("bceWithLogits").build(null, Reduction.MEAN));
    }
  }

  private static void check(Loss direct, Loss built, Tensor input, Tensor target) {
    assertEquals(direct.getClass(), built.getClass());
    assertEquals(direct.reduction(), built.reduction());
    assertArrayEquals(direct.forward(input, target).toFloatArray(),
        built.forward(input, target).toFloatArray(), direct.getClass().getSimpleName());
  }

  @Test
  void lossErrors() {
    assertEquals("loss: unknown type \"crossentropy\"; accepted types: mse, l1, smoothL1, huber,"
        + " crossEntropy, nll, bce, bceWithLogits", error(() -> LossSpec.of("crossentropy")));
    assertEquals("loss (huber): unknown key \"beta\"; huber takes delta=1.0",
        error(() -> LossSpec.of("{\"type\":\"huber\",\"beta\":1}")));
    assertEquals("loss (mse): unknown key \"reduction\"; mse takes no options",
        error(() -> LossSpec.of("{\"type\":\"mse\",\"reduction\":\"sum\"}")));
    assertEquals("loss (crossEntropy): key \"labelSmoothing\" must be in [0, 1], got 1.5",
        error(() -> LossSpec.of("{\"type\":\"crossEntropy\",\"labelSmoothing\":1.5}")));
    assertEquals("loss (crossEntropy): key \"ignoreIndex\" must be an integer, got 1.5",
        error(() -> LossSpec.of("{\"type\":\"crossEntropy\",\"ignoreIndex\":1.5}")));
    assertEquals("loss (huber): key \"delta\" must be positive, got 0",
        error(() -> LossSpec.of("{\"type\":\"huber\",\"delta\":0}")));
    assertEquals("loss (bceWithLogits): key \"posWeight\" must be an array of numbers, got"
        + " \"x\" (a string)",
        error(() -> LossSpec.of("{\"type\":\"bceWithLogits\",\"posWeight\":[\"x\"]}")));
    assertEquals("loss (bceWithLogits): key \"posWeight\" must be a non-empty array of numbers,"
        + " got [] (an array)",
        error(() -> LossSpec.of("{\"type\":\"bceWithLogits\",\"posWeight\":[]}")));
    assertEquals("loss: key \"type\" must be a string, got nothing; accepted types: mse, l1,"
        + " smoothL1, huber, crossEntropy, nll, bce, bceWithLogits",
        error(() -> LossSpec.of("{\"delta\":1}")));
    assertTrue(error(() -> LossSpec.of("{\"type\":")).startsWith("loss JSON is malformed: "));
    assertTrue(error(() -> LossSpec.of(null)).startsWith("loss spec is null; give a name"));
    try (var s = Tensor.scope()) {
      Tensor w = Tensor.of(new float[] {1f, 2f});
      assertEquals("loss mse takes no class weights; they apply to crossEntropy and nll",
          error(() -> LossSpec.of("mse").build(w, Reduction.MEAN)));
      assertEquals("loss bceWithLogits takes no class weights; they apply to crossEntropy and nll"
          + " (bceWithLogits weighs positives with the posWeight option)",
          error(() -> LossSpec.of("bceWithLogits").build(w, Reduction.MEAN)));
      assertEquals("loss nll: class weights must be 1-D (one per class), got float32[1, 2]",
          error(() -> LossSpec.of("nll").build(w.reshape(1, 2), Reduction.MEAN)));
      assertEquals("loss mse: reduction is null", error(() -> LossSpec.of("mse").build(null,
          null)));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Optimizers

  @Test
  void optimizerJsonOfEveryType() throws Exception {
    String[] expected = {
        "{\"type\":\"sgd\",\"momentum\":0.0,\"dampening\":0.0,\"nesterov\":false,"
            + "\"weightDecay\":0.0}",
        "{\"type\":\"adam\",\"betas\":[0.9,0.999],\"eps\":1.0E-8,\"weightDecay\":0.0,"
            + "\"amsgrad\":false}",
        "{\"type\":\"adamw\",\"betas\":[0.9,0.999],\"eps\":1.0E-8,\"weightDecay\":0.01,"
            + "\"amsgrad\":false}",
        "{\"type\":\"rmsprop\",\"alpha\":0.99,\"eps\":1.0E-8,\"momentum\":0.0,"
            + "\"centered\":false,\"weightDecay\":0.0}",
        "{\"type\":\"adagrad\",\"lrDecay\":0.0,\"eps\":1.0E-10,\"weightDecay\":0.0,"
            + "\"initialAccumulatorValue\":0.0}"};
    List<String> names = new ArrayList<>(OptimizerSpec.KINDS.keySet());
    assertEquals(expected.length, names.size());
    for (int i = 0; i < expected.length; i++) {
      OptimizerSpec s = OptimizerSpec.of(names.get(i));
      assertEquals(names.get(i), s.type());
      assertEquals(expected[i], s.toJson());
      assertEquals(s, OptimizerSpec.of(s.toJson()));
      assertEquals(s, javaRoundTrip(s));
    }
    OptimizerSpec sgd = OptimizerSpec.of("{\"type\":\"sgd\",\"momentum\":0.9,\"nesterov\":true}");
    assertEquals(sgd, OptimizerSpec.of(sgd.toString()));
  }

  /** Runs three steps of {@code sum(sin(p) * p)} and returns the parameters. */
  private static float[] steps(Function<List<Tensor>, Optimizer> make) {
    try (var s = Tensor.scope()) {
      Tensor a = Tensor.of(new float[] {1f, -2f, 0.5f}).requiresGrad(true);
      Tensor b = Tensor.of(new float[] {0.3f, 4f}).requiresGrad(true);
      Optimizer opt = make.apply(List.of(a, b));
      for (int i = 0; i < 3; i++) {
        opt.zeroGrad();
        a.sin().mul(a).sum().add(b.sin().mul(b).sum()).backward();
        opt.step();
      }
      float[] out = new float[5];
      System.arraycopy(a.toFloatArray(), 0, out, 0, 3);
      System.arraycopy(b.toFloatArray(), 0, out, 3, 2);
      return out;
    }
  }

  private static void sameSteps(String spec, double lr, Function<List<Tensor>, Optimizer> direct) {
    float[] expected = steps(direct);
    float[] actual = steps(p -> OptimizerSpec.of(spec).build(p, lr));
    assertArrayEquals(expected, actual, spec);
    assertFalse(java.util.Arrays.equals(expected, new float[] {1f, -2f, 0.5f, 0.3f, 4f}), spec);
  }

  @Test
  void optimizerBuildsStepLikeTheDirectOne() {
    sameSteps("sgd", 0.1, p -> new SGD(p, 0.1));
    sameSteps("{\"type\":\"sgd\",\"momentum\":0.9,\"nesterov\":true,\"weightDecay\":0.01}", 0.1,
        p -> new SGD(p, SGD.options().lr(0.1).momentum(0.9).nesterov(true).weightDecay(0.01)));
    sameSteps("{\"type\":\"sgd\",\"momentum\":0.5,\"dampening\":0.3}", 0.2,
        p -> new SGD(p, SGD.options().lr(0.2).momentum(0.5).dampening(0.3)));
    sameSteps("adam", 0.01, p -> new Adam(p, 0.01));
    sameSteps("{\"type\":\"adam\",\"betas\":[0.8,0.9],\"eps\":1e-6,\"weightDecay\":0.1,"
        + "\"amsgrad\":true}", 0.05, p -> new Adam(p, Adam.options().lr(0.05).betas(0.8, 0.9)
            .eps(1e-6).weightDecay(0.1).amsgrad(true)));
    sameSteps("adamw", 0.01, p -> new AdamW(p, 0.01));
    sameSteps("{\"type\":\"adamw\",\"weightDecay\":0.3}", 0.01,
        p -> new AdamW(p, AdamW.options().lr(0.01).weightDecay(0.3)));
    sameSteps("rmsprop", 0.01, p -> new RMSprop(p, 0.01));
    sameSteps("{\"type\":\"rmsprop\",\"alpha\":0.9,\"eps\":1e-5,\"momentum\":0.5,"
        + "\"centered\":true,\"weightDecay\":0.1}", 0.01, p -> new RMSprop(p, RMSprop.options()
            .lr(0.01).alpha(0.9).eps(1e-5).momentum(0.5).centered(true).weightDecay(0.1)));
    sameSteps("adagrad", 0.1, p -> new Adagrad(p, 0.1));
    sameSteps("{\"type\":\"adagrad\",\"lrDecay\":0.1,\"eps\":1e-6,\"weightDecay\":0.2,"
        + "\"initialAccumulatorValue\":0.5}", 0.1, p -> new Adagrad(p, Adagrad.options().lr(0.1)
            .lrDecay(0.1).eps(1e-6).weightDecay(0.2).initialAccumulatorValue(0.5)));
  }

  @Test
  void optimizerErrors() {
    assertEquals("optimizer: unknown type \"lbfgs\"; accepted types: sgd, adam, adamw, rmsprop,"
        + " adagrad", error(() -> OptimizerSpec.of("lbfgs")));
    assertEquals("optimizer (adam): unknown key \"lr\"; adam takes betas=[0.9, 0.999],"
        + " eps=1.0E-8, weightDecay=0.0, amsgrad=false",
        error(() -> OptimizerSpec.of("{\"type\":\"adam\",\"lr\":0.1}")));
    assertEquals("optimizer (adam): key \"betas\" must be two numbers in [0, 1), got [0.9]"
        + " (an array)", error(() -> OptimizerSpec.of("{\"type\":\"adam\",\"betas\":[0.9]}")));
    assertEquals("optimizer (adamw): key \"betas\" must be two numbers in [0, 1), got [0.9, 1]"
        + " (an array)",
        error(() -> OptimizerSpec.of("{\"type\":\"adamw\",\"betas\":[0.9,1]}")));
    assertEquals("optimizer (sgd): key \"momentum\" must be non-negative, got -0.5",
        error(() -> OptimizerSpec.of("{\"type\":\"sgd\",\"momentum\":-0.5}")));
    assertEquals("optimizer (sgd): key \"nesterov\" must be a boolean (true or false), got"
        + " \"yes\" (a string)",
        error(() -> OptimizerSpec.of("{\"type\":\"sgd\",\"nesterov\":\"yes\"}")));
    assertEquals("optimizer (sgd): nesterov needs a positive momentum and zero dampening, got"
        + " momentum 0.0 and dampening 0.0",
        error(() -> OptimizerSpec.of("{\"type\":\"sgd\",\"nesterov\":true}")));
    try (var s = Tensor.scope()) {
      List<Tensor> p = List.of(Tensor.zeros(2).requiresGrad(true));
      assertEquals("optimizer adam: the learning rate must be a non-negative number, got -0.1",
          error(() -> OptimizerSpec.of("adam").build(p, -0.1)));
      assertEquals("optimizer adam: the learning rate must be a non-negative number, got NaN",
          error(() -> OptimizerSpec.of("adam").build(p, Double.NaN)));
      assertEquals("optimizer sgd got an empty parameter list",
          error(() -> OptimizerSpec.of("sgd").build(List.of(), 0.1)));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Schedules

  @Test
  void scheduleJsonOfEveryType() throws Exception {
    String[] expected = {
        "{\"type\":\"constant\"}",
        "{\"type\":\"step\",\"stepSize\":3,\"gamma\":0.1}",
        "{\"type\":\"multiStep\",\"milestones\":[2,5],\"gamma\":0.1}",
        "{\"type\":\"exponential\",\"gamma\":0.9}",
        "{\"type\":\"cosine\",\"tMax\":null,\"etaMin\":0.0}",
        "{\"type\":\"linear\",\"startFactor\":0.3333333333333333,\"endFactor\":1.0,"
            + "\"totalIters\":5}",
        "{\"type\":\"oneCycle\",\"maxLr\":null,\"pctStart\":0.3,\"annealStrategy\":\"cos\","
            + "\"divFactor\":25.0,\"finalDivFactor\":10000.0,\"cycleMomentum\":true,"
            + "\"threePhase\":false}",
        "{\"type\":\"plateau\",\"mode\":\"min\",\"factor\":0.1,\"patience\":10,"
            + "\"threshold\":1.0E-4,\"thresholdMode\":\"rel\",\"cooldown\":0,\"minLr\":0.0}",
        "{\"type\":\"chain\",\"schedules\":[{\"type\":\"linear\",\"startFactor\":0.1,"
            + "\"endFactor\":1.0,\"totalIters\":2},{\"type\":\"cosine\",\"tMax\":null,"
            + "\"etaMin\":0.0}]}"};
    String[] given = {"constant", "{\"type\":\"step\",\"stepSize\":3}",
        "{\"type\":\"multiStep\",\"milestones\":[2,5]}", "{\"type\":\"exponential\",\"gamma\":0.9}",
        "cosine", "linear", "oneCycle", "plateau",
        "{\"type\":\"chain\",\"schedules\":[{\"type\":\"linear\",\"startFactor\":0.1,"
            + "\"totalIters\":2},\"cosine\"]}"};
    List<String> names = new ArrayList<>(ScheduleSpec.KINDS.keySet());
    assertEquals(expected.length, names.size());
    for (int i = 0; i < expected.length; i++) {
      ScheduleSpec s = ScheduleSpec.of(given[i]);
      assertEquals(names.get(i), s.type());
      assertEquals(expected[i], s.toJson());
      assertEquals(s, ScheduleSpec.of(s.toJson()));
      assertEquals(s.hashCode(), ScheduleSpec.of(s.toJson()).hashCode());
      assertEquals(s, javaRoundTrip(s));
    }
    ScheduleSpec nested = ScheduleSpec.of("{\"type\":\"chain\",\"schedules\":[\"cosine\","
        + "{\"type\":\"chain\",\"schedules\":[{\"type\":\"step\",\"stepSize\":2}]}]}");
    assertEquals(nested, ScheduleSpec.of(nested.toJson()));
    assertFalse(nested.equals(ScheduleSpec.of("cosine")));
  }

  private static SGD sgd(double lr) {
    return new SGD(List.of(Tensor.zeros(2).requiresGrad(true)),
        SGD.options().lr(lr).momentum(0.9));
  }

  /** The learning rates after each of {@code epochs} epochs of {@code steps} batches. */
  private static List<Double> lrs(Schedule s, Optimizer o, int steps, int epochs,
      double[] losses) {
    List<Double> out = new ArrayList<>();
    for (int e = 0; e < epochs; e++) {
      for (int b = 0; b < steps; b++) {
        o.step();
        s.afterBatch();
        out.add(o.paramGroups().get(0).lr());
      }
      s.afterEpoch(losses == null ? Double.NaN : losses[e]);
      out.add(o.paramGroups().get(0).lr());
    }
    return out;
  }

  private static void sameSchedule(String spec, int steps, int epochs,
      Function<Optimizer, LRScheduler> direct, boolean perBatch) {
    try (var s = Tensor.scope()) {
      SGD a = sgd(0.1);
      List<Double> actual = lrs(ScheduleSpec.of(spec).build(a, steps, epochs), a, steps, epochs,
          null);
      SGD b = sgd(0.1);
      LRScheduler sched = direct.apply(b);
      List<Double> expected = new ArrayList<>();
      for (int e = 0; e < epochs; e++) {
        for (int i = 0; i < steps; i++) {
          b.step();
          if (perBatch) {
            sched.step();
          }
          expected.add(b.paramGroups().get(0).lr());
        }
        if (!perBatch) {
          sched.step();
        }
        expected.add(b.paramGroups().get(0).lr());
      }
      assertEquals(expected, actual, spec);
      assertTrue(expected.stream().distinct().count() > 1, spec + " never changed the rate");
    }
  }

  @Test
  void scheduleBuildsStepLikeTheDirectOne() {
    sameSchedule("{\"type\":\"step\",\"stepSize\":2,\"gamma\":0.5}", 3, 6,
        o -> new StepLR(o, 2, 0.5), false);
    sameSchedule("{\"type\":\"multiStep\",\"milestones\":[1,4],\"gamma\":0.2}", 2, 6,
        o -> new MultiStepLR(o, new int[] {1, 4}, 0.2), false);
    sameSchedule("{\"type\":\"exponential\",\"gamma\":0.9}", 2, 4,
        o -> new ExponentialLR(o, 0.9), false);
    sameSchedule("cosine", 2, 7, o -> new CosineAnnealingLR(o, 7), false);
    sameSchedule("{\"type\":\"cosine\",\"tMax\":3,\"etaMin\":0.01}", 2, 7,
        o -> new CosineAnnealingLR(o, 3, 0.01), false);
    sameSchedule("linear", 1, 7, o -> new LinearLR(o, 1.0 / 3, 1.0, 5), false);
    sameSchedule("{\"type\":\"oneCycle\",\"maxLr\":0.5,\"pctStart\":0.25,"
        + "\"annealStrategy\":\"linear\",\"divFactor\":10,\"finalDivFactor\":100}", 5, 3,
        o -> new OneCycleLR(o, OneCycleLR.options().maxLr(0.5).totalSteps(15).pctStart(0.25)
            .anneal(OneCycleLR.Anneal.LINEAR).divFactor(10).finalDivFactor(100)), true);
    sameSchedule("{\"type\":\"oneCycle\",\"threePhase\":true}", 4, 2,
        o -> new OneCycleLR(o, OneCycleLR.options().maxLr(0.1).totalSteps(8).threePhase(true)),
        true);
    sameSchedule("{\"type\":\"chain\",\"schedules\":[{\"type\":\"linear\",\"startFactor\":0.1,"
        + "\"totalIters\":3},{\"type\":\"step\",\"stepSize\":2}]}", 2, 6,
        o -> new ChainedScheduler(List.of(new LinearLR(o, 0.1, 1.0, 3), new StepLR(o, 2))),
        false);
  }

  @Test
  void oneCycleCyclesMomentumUnlessTurnedOff() {
    try (var s = Tensor.scope()) {
      SGD a = sgd(0.1);
      Schedule cycled = ScheduleSpec.of("oneCycle").build(a, 5, 2);
      cycled.afterBatch();
      assertTrue(a.paramGroups().get(0).get("momentum") < 0.95);
      List<Tensor> p = List.of(Tensor.zeros(2).requiresGrad(true));
      Optimizer adagrad = OptimizerSpec.of("adagrad").build(p, 0.1);
      assertThrows(IllegalArgumentException.class,
          () -> ScheduleSpec.of("oneCycle").build(adagrad, 5, 2));
      Schedule plain = ScheduleSpec.of("{\"type\":\"oneCycle\",\"cycleMomentum\":false}")
          .build(adagrad, 5, 2);
      for (int i = 0; i < 10; i++) {
        plain.afterBatch();
      }
      assertThrows(IllegalStateException.class, plain::afterBatch);
    }
  }

  @Test
  void plateauStepsOnTheValidationLoss() {
    try (var s = Tensor.scope()) {
      double[] losses = {1.0, 0.9, 0.95, 0.95, 0.95, 0.95};
      SGD a = sgd(0.1);
      Schedule sched = ScheduleSpec.of("{\"type\":\"plateau\",\"patience\":1,\"factor\":0.5}")
          .build(a, 2, 6);
      List<Double> actual = lrs(sched, a, 2, 6, losses);
      SGD b = sgd(0.1);
      ReduceLROnPlateau direct = new ReduceLROnPlateau(b,
          ReduceLROnPlateau.options().patience(1).factor(0.5));
      List<Double> expected = new ArrayList<>();
      for (double loss : losses) {
        expected.add(0.0 + b.paramGroups().get(0).lr());
        expected.add(0.0 + b.paramGroups().get(0).lr());
        direct.step(loss);
        expected.add(b.paramGroups().get(0).lr());
      }
      assertEquals(expected, actual);
      assertTrue(actual.get(actual.size() - 1) < 0.1);
      assertEquals(direct.stateDict(), sched.stateDict());
      assertEquals("schedule plateau reduces the learning rate when the validation loss stops"
          + " improving, but the epoch has no validation loss (NaN): give the training"
          + " validation data, or choose another schedule",
          error(() -> ScheduleSpec.of("plateau").build(sgd(0.1), 1, 1).afterEpoch(Double.NaN)));
    }
  }

  @Test
  void scheduleStateRoundTripResumes() {
    for (String spec : List.of("cosine", "{\"type\":\"oneCycle\",\"maxLr\":0.3}", "plateau",
        "{\"type\":\"chain\",\"schedules\":[\"linear\",{\"type\":\"exponential\",\"gamma\":0.8}]}",
        "constant")) {
      try (var s = Tensor.scope()) {
        double[] losses = {3, 2, 2, 2, 2, 2, 2, 2};
        SGD a = sgd(0.1);
        Schedule first = ScheduleSpec.of(spec).build(a, 3, 8);
        lrs(first, a, 3, 4, losses);
        // PyTorch's order: build both, then load the optimizer's state, then the schedule's
        SGD b = sgd(0.1);
        Schedule resumed = ScheduleSpec.of(spec).build(b, 3, 8);
        b.loadStateDict(a.stateDict());
        resumed.loadStateDict(first.stateDict());
        assertEquals(lrs(first, a, 3, 4, losses), lrs(resumed, b, 3, 4, losses), spec);
      }
    }
    assertEquals("a constant schedule has no state, got keys [x]", error(() -> ScheduleSpec
        .of("constant").build(sgd(0.1), 1, 1).loadStateDict(java.util.Map.of("x", 1))));
  }

  @Test
  void constantLeavesTheRateAlone() {
    try (var s = Tensor.scope()) {
      SGD a = sgd(0.1);
      List<Double> lrs = lrs(ScheduleSpec.of("constant").build(a, 2, 3), a, 2, 3, null);
      assertTrue(lrs.stream().allMatch(lr -> lr == 0.1), lrs.toString());
    }
  }

  @Test
  void scheduleErrors() {
    assertEquals("schedule: unknown type \"cosineAnnealing\"; accepted types: constant, step,"
        + " multiStep, exponential, cosine, linear, oneCycle, plateau, chain",
        error(() -> ScheduleSpec.of("cosineAnnealing")));
    assertEquals("schedule (step): missing key \"stepSize\"; step takes stepSize, gamma=0.1",
        error(() -> ScheduleSpec.of("step")));
    assertEquals("schedule (exponential): missing key \"gamma\"; exponential takes gamma",
        error(() -> ScheduleSpec.of("exponential")));
    assertEquals("schedule (cosine): key \"tMax\" must be positive, got 0",
        error(() -> ScheduleSpec.of("{\"type\":\"cosine\",\"tMax\":0}")));
    assertEquals("schedule (multiStep): key \"milestones\" must be a non-empty array of positive"
        + " epochs, got [0, 3] (an array)",
        error(() -> ScheduleSpec.of("{\"type\":\"multiStep\",\"milestones\":[0,3]}")));
    assertEquals("schedule (oneCycle): key \"annealStrategy\" must be one of cos, linear, got"
        + " \"cosine\" (a string)",
        error(() -> ScheduleSpec.of("{\"type\":\"oneCycle\",\"annealStrategy\":\"cosine\"}")));
    assertEquals("schedule (plateau): key \"mode\" must be one of min, max, got \"MIN\""
        + " (a string)", error(() -> ScheduleSpec.of("{\"type\":\"plateau\",\"mode\":\"MIN\"}")));
    assertEquals("schedule (plateau): key \"patience\" must be non-negative, got -1",
        error(() -> ScheduleSpec.of("{\"type\":\"plateau\",\"patience\":-1}")));
    assertEquals("schedule (linear): key \"startFactor\" must be in (0, 1], got 0",
        error(() -> ScheduleSpec.of("{\"type\":\"linear\",\"startFactor\":0}")));
    String takes = "chain takes schedules (a non-empty array of step, multiStep, exponential,"
        + " cosine, linear, chain)";
    assertEquals("schedule (chain): missing key \"schedules\"; " + takes,
        error(() -> ScheduleSpec.of("chain")));
    assertEquals("schedule (chain): key \"schedules\" must be a non-empty array, got [] (an"
        + " array); " + takes, error(() -> ScheduleSpec.of("{\"type\":\"chain\",\"schedules\":[]}")));
    assertEquals("schedule (chain): unknown key \"milestones\"; " + takes,
        error(() -> ScheduleSpec.of("{\"type\":\"chain\",\"schedules\":[\"cosine\"],"
            + "\"milestones\":[3]}")));
    assertEquals("schedule (chain): schedules[1]: a chain cannot hold plateau; " + takes,
        error(() -> ScheduleSpec.of("{\"type\":\"chain\",\"schedules\":[\"cosine\","
            + "\"plateau\"]}")));
    assertEquals("schedule (chain): schedules[0] (step): key \"gamma\" must be a number, got"
        + " true (a boolean)",
        error(() -> ScheduleSpec.of("{\"type\":\"chain\",\"schedules\":[{\"type\":\"step\","
            + "\"stepSize\":1,\"gamma\":true}]}")));
    assertEquals("schedule (chain): schedules[0]: unknown type \"warmup\"; accepted types:"
        + " constant, step, multiStep, exponential, cosine, linear, oneCycle, plateau, chain",
        error(() -> ScheduleSpec.of("{\"type\":\"chain\",\"schedules\":[\"warmup\"]}")));
    assertEquals("schedule cosine: stepsPerEpoch and epochs must be positive, got 0 and 3",
        error(() -> ScheduleSpec.of("cosine").build(sgd(0.1), 0, 3)));
    assertEquals("schedule cosine: optimizer is null",
        error(() -> ScheduleSpec.of("cosine").build(null, 1, 3)));
  }
}
