package dev.ember.optim;

import static dev.ember.optim.OptimTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

/** Behaviour of the optimizers beyond their arithmetic: state dicts, groups, errors, scopes. */
class OptimizerTest {

  /** Three parameters of mixed shapes (a float64 one included) with fixed coefficients. */
  private static final class Problem {
    final List<Tensor> params = new ArrayList<>();
    final List<Tensor> coefs = new ArrayList<>();

    private Problem() {}

    Problem(long seed) {
      Generator g = new Generator(seed);
      int[][] shapes = {{3, 4}, {5}, {2, 3}};
      DType[] dtypes = {DType.FLOAT32, DType.FLOAT32, DType.FLOAT64};
      for (int i = 0; i < shapes.length; i++) {
        params.add(Tensor.randn(g, dtypes[i], Device.CPU, shapes[i]).requiresGrad(true));
        coefs.add(Tensor.randn(g, dtypes[i], Device.CPU, shapes[i]));
      }
    }

    /** A problem with the same coefficients and copies of this one's current parameter values. */
    Problem copy() {
      Problem c = new Problem();
      for (int i = 0; i < params.size(); i++) {
        c.params.add(params.get(i).detach().clone().requiresGrad(true));
        c.coefs.add(coefs.get(i));
      }
      return c;
    }

    void step(Optimizer opt) {
      opt.zeroGrad();
      OptimTesting.lossBackward(params, coefs, List.of());
      opt.step();
    }
  }

  private static List<Function<List<Tensor>, Optimizer>> allOptimizers() {
    return List.of(
        ps -> new SGD(ps, SGD.options().lr(0.05).momentum(0.9).nesterov(true)),
        ps -> new Adam(ps, Adam.options().lr(0.05).amsgrad(true).weightDecay(0.01)),
        ps -> new AdamW(ps, 0.05),
        ps -> new RMSprop(ps, RMSprop.options().momentum(0.5).centered(true)),
        ps -> new Adagrad(ps, Adagrad.options().lr(0.1).lrDecay(0.01)));
  }

  // ---------------------------------------------------------------------------------------------
  // State dicts

  @TestFactory
  Stream<DynamicTest> stateDictRoundTripContinuesTrainingExactly() {
    return allOptimizers().stream().map(make -> {
      String name = make.apply(new Problem(1).params).name();
      return DynamicTest.dynamicTest(name, () -> {
        Problem a = new Problem(3);
        Optimizer optA = make.apply(a.params);
        for (int i = 0; i < 3; i++) {
          a.step(optA);
        }
        Map<String, Object> saved = optA.stateDict();
        Problem b = a.copy();
        Optimizer optB = make.apply(b.params);
        optB.loadStateDict(saved);
        for (int i = 0; i < 3; i++) {
          a.step(optA);
          b.step(optB);
          for (int k = 0; k < a.params.size(); k++) {
            assertClose(a.params.get(k).detach(), b.params.get(k).detach(), 0, 0,
                name + " step " + (4 + i) + " param " + k);
          }
        }
      });
    });
  }

  @Test
  void loadedStateIsACopyOfTheCallersTensors() {
    Problem a = new Problem(4);
    Optimizer optA = new Adam(a.params, 0.05);
    a.step(optA);
    Map<String, Object> saved = optA.stateDict();
    Problem b = a.copy();
    Optimizer optB = new Adam(b.params, 0.05);
    optB.loadStateDict(saved);
    Tensor savedAvg = (Tensor) ((Map<?, ?>) ((Map<?, ?>) saved.get("state")).get(0)).get("exp_avg");
    Tensor loadedAvg =
        (Tensor) ((Map<?, ?>) ((Map<?, ?>) optB.stateDict().get("state")).get(0)).get("exp_avg");
    assertNotSame(savedAvg, loadedAvg);
    Tensor expected = savedAvg.clone();
    savedAvg.fill_(123.0);
    assertClose(expected, loadedAvg, 0, 0, "loaded exp_avg after the caller's tensor changed");
  }

  @Test
  void stateDictHasPyTorchsStructure() {
    Problem p = new Problem(5);
    Optimizer adam = new Adam(p.params, Adam.options().lr(0.01).betas(0.8, 0.9).amsgrad(true));
    p.step(adam);
    Map<String, Object> sd = adam.stateDict();
    assertEquals(List.of("state", "param_groups"), new ArrayList<>(sd.keySet()));
    Map<?, ?> state = (Map<?, ?>) sd.get("state");
    assertEquals(List.of(0, 1, 2), new ArrayList<>(state.keySet()));
    Map<?, ?> s0 = (Map<?, ?>) state.get(0);
    assertEquals(List.of("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
        new ArrayList<>(s0.keySet()));
    Tensor step = assertInstanceOf(Tensor.class, s0.get("step"));
    assertEquals(0, step.dim());
    assertEquals(DType.FLOAT32, step.dtype());
    assertEquals(1.0, step.item());
    Tensor avg = (Tensor) ((Map<?, ?>) state.get(2)).get("exp_avg");
    assertEquals(DType.FLOAT64, avg.dtype());
    assertEquals(List.of(2, 3), List.of(avg.shape()[0], avg.shape()[1]));
    List<?> groups = (List<?>) sd.get("param_groups");
    Map<?, ?> g0 = (Map<?, ?>) groups.get(0);
    assertEquals(0.01, g0.get("lr"));
    assertEquals(List.of(0.8, 0.9), g0.get("betas"));
    assertEquals(Boolean.TRUE, g0.get("amsgrad"));
    assertEquals(List.of(0, 1, 2), g0.get("params"));

    Problem q = new Problem(5);
    Optimizer rms = new RMSprop(q.params, 0.01);
    q.step(rms);
    Object rmsStep = ((Map<?, ?>) ((Map<?, ?>) rms.stateDict().get("state")).get(1)).get("step");
    assertEquals(1L, rmsStep, "RMSprop keeps an integer step, as PyTorch 1.13");

    Problem r = new Problem(5);
    Optimizer sgd = new SGD(r.params, 0.1);
    r.step(sgd);
    assertTrue(((Map<?, ?>) sgd.stateDict().get("state")).isEmpty(),
        "SGD without momentum keeps no state");
  }

  @Test
  void loadsAStateDictWithPyTorchsExtraKeys() {
    Problem p = new Problem(6);
    Optimizer opt = new Adam(p.params, 0.05);
    p.step(opt);
    Map<String, Object> sd = opt.stateDict();
    @SuppressWarnings("unchecked")
    Map<String, Object> g0 = (Map<String, Object>) ((List<?>) sd.get("param_groups")).get(0);
    g0.put("foreach", null);
    g0.put("capturable", false);
    g0.put("differentiable", false);
    g0.put("fused", false);
    g0.put("lr", 0.02);
    Map<Object, Object> strKeys = new LinkedHashMap<>();
    ((Map<?, ?>) sd.get("state")).forEach((k, v) -> strKeys.put(String.valueOf(k), v));
    sd.put("state", strKeys);
    Problem q = p.copy();
    Optimizer other = new Adam(q.params, 0.05);
    other.loadStateDict(sd);
    assertEquals(0.02, other.paramGroups().get(0).lr());
    assertFalse(other.paramGroups().get(0).getFlag("capturable"));
    assertFalse(other.paramGroups().get(0).has("foreach"), "null values are skipped");
  }

  @Test
  void loadStateDictValidatesAndLeavesTheOptimizerUnchanged() {
    Problem p = new Problem(7);
    Optimizer opt = new Adam(p.params, 0.05);
    p.step(opt);
    Map<String, Object> good = opt.stateDict();

    Problem q = p.copy();
    Optimizer two = new Adam(List.of(new ParamGroup(q.params.subList(0, 2)),
        new ParamGroup(q.params.subList(2, 3))), Adam.options());
    assertMessage(() -> two.loadStateDict(good), "1 parameter groups, but the optimizer has 2");

    Optimizer fewer = new Adam(q.params.subList(0, 2), 0.05);
    assertMessage(() -> fewer.loadStateDict(good), "has 3 parameters, the optimizer's has 2");

    Problem wrongShape = new Problem(7);
    wrongShape.params.set(1, Tensor.zeros(6).requiresGrad(true));
    Optimizer shaped = new Adam(wrongShape.params, Adam.options().lr(0.5));
    assertMessage(() -> shaped.loadStateDict(good),
        "state 'exp_avg' of parameter 1 has shape [5], but the parameter has shape [6]");
    assertEquals(0.5, shaped.paramGroups().get(0).lr(), "a failed load changed the lr");
    assertTrue(((Map<?, ?>) shaped.stateDict().get("state")).isEmpty());

    Map<String, Object> badIndex = copyOf(good);
    castMap(badIndex.get("state")).put(9, Map.of());
    assertMessage(() -> new Adam(q.params, 0.05).loadStateDict(badIndex),
        "state for parameter 9");

    Map<String, Object> badStep = copyOf(good);
    castMap(castMap(badStep.get("state")).get(0)).put("step", -2);
    assertMessage(() -> new Adam(q.params, 0.05).loadStateDict(badStep),
        "must be a non-negative integer");

    Map<String, Object> badLr = copyOf(good);
    castMap(((List<?>) badLr.get("param_groups")).get(0)).put("lr", -1.0);
    assertMessage(() -> new Adam(q.params, 0.05).loadStateDict(badLr),
        "Invalid learning rate: -1.0");

    assertMessage(() -> new Adam(q.params, 0.05).loadStateDict(Map.of("state", Map.of())),
        "\"param_groups\"");
  }

  /** A deep copy of maps and lists (tensors shared), so a test can break one entry. */
  private static Map<String, Object> copyOf(Map<String, Object> sd) {
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) deep(sd);
    return m;
  }

  private static Object deep(Object o) {
    if (o instanceof Map<?, ?> m) {
      Map<Object, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(k, deep(v)));
      return out;
    }
    if (o instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(v -> out.add(deep(v)));
      return out;
    }
    return o;
  }

  @SuppressWarnings("unchecked")
  private static Map<Object, Object> castMap(Object o) {
    return (Map<Object, Object>) o;
  }

  // ---------------------------------------------------------------------------------------------
  // Groups

  @Test
  void paramGroupsUseTheirOwnLearningRates() {
    Tensor a = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true);
    Tensor b = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true);
    SGD sgd = new SGD(List.of(new ParamGroup(List.of(a)),
        new ParamGroup(List.of(b)).setLr(0.01)), SGD.options().lr(0.1));
    a.setGrad(Tensor.ones(3));
    b.setGrad(Tensor.ones(3));
    sgd.step();
    assertClose(Tensor.of(new float[] {0.9f, 1.9f, 2.9f}), a.detach(), 1e-7, 0, "group 0");
    assertClose(Tensor.of(new float[] {0.99f, 1.99f, 2.99f}), b.detach(), 1e-7, 0, "group 1");
    assertEquals(0.1, sgd.paramGroups().get(0).lr());
    assertEquals(0.01, sgd.paramGroups().get(1).lr());
    assertEquals(0.0, sgd.paramGroups().get(1).get("momentum"), "defaults filled in");

    sgd.paramGroups().get(1).setLr(1.0);
    sgd.step();
    assertClose(Tensor.of(new float[] {-0.01f, 0.99f, 1.99f}), b.detach(), 1e-6, 1e-7,
        "group 1 after setLr");
  }

  @Test
  void addParamGroupFillsDefaultsAndAdagradState() {
    Tensor a = Tensor.ones(2).requiresGrad(true);
    Tensor b = Tensor.ones(3).requiresGrad(true);
    Adagrad opt = new Adagrad(List.of(a), Adagrad.options().initialAccumulatorValue(0.5));
    opt.addParamGroup(new ParamGroup(List.of(b)).set("lr", 0.5));
    ParamGroup g = opt.paramGroups().get(1);
    assertEquals(0.5, g.lr());
    assertEquals(0.5, g.get("initial_accumulator_value"));
    Map<?, ?> state = (Map<?, ?>) opt.stateDict().get("state");
    Tensor sum = (Tensor) ((Map<?, ?>) state.get(1)).get("sum");
    assertClose(Tensor.full(new int[] {3}, 0.5), sum, 0, 0, "sum of the added group");
    b.setGrad(Tensor.ones(3));
    opt.step();
    double expected = 1 - 0.5 * 1 / (Math.sqrt((float) 1.5) + 1e-10);
    assertEquals(expected, b.toFloatArray()[0], 1e-6);
    assertMessage(() -> opt.addParamGroup(new ParamGroup(List.of(a))),
        "more than one parameter group");
  }

  // ---------------------------------------------------------------------------------------------
  // Errors

  @Test
  void badHyperparametersThrowPyTorchsMessages() {
    List<Tensor> ps = List.of(Tensor.zeros(2).requiresGrad(true));
    assertMessage(() -> new SGD(ps, -1.0), "Invalid learning rate: -1.0");
    assertMessage(() -> new Adam(ps, -1.0), "Invalid learning rate: -1.0");
    assertMessage(() -> new AdamW(ps, -1.0), "Invalid learning rate: -1.0");
    assertMessage(() -> new RMSprop(ps, -1.0), "Invalid learning rate: -1.0");
    assertMessage(() -> new Adagrad(ps, -1.0), "Invalid learning rate: -1.0");
    assertMessage(() -> new SGD(ps, SGD.options()), "required optimization parameter lr");
    assertMessage(() -> new SGD(ps, SGD.options().lr(0.1).momentum(-0.5)),
        "Invalid momentum value: -0.5");
    assertMessage(() -> new SGD(ps, SGD.options().lr(0.1).weightDecay(-1)),
        "Invalid weight_decay value: -1.0");
    assertMessage(() -> new SGD(ps, SGD.options().lr(0.1).nesterov(true)),
        "Nesterov momentum requires a momentum and zero dampening");
    assertMessage(() -> new SGD(ps, SGD.options().lr(0.1).momentum(0.9).dampening(0.1)
        .nesterov(true)), "Nesterov momentum requires a momentum and zero dampening");
    assertMessage(() -> new Adam(ps, Adam.options().eps(-1e-8)), "Invalid epsilon value: -1.0E-8");
    assertMessage(() -> new Adam(ps, Adam.options().betas(1.0, 0.999)),
        "Invalid beta parameter at index 0: 1.0");
    assertMessage(() -> new AdamW(ps, AdamW.options().betas(0.9, -0.1)),
        "Invalid beta parameter at index 1: -0.1");
    assertMessage(() -> new AdamW(ps, AdamW.options().weightDecay(-0.01)),
        "Invalid weight_decay value: -0.01");
    assertMessage(() -> new RMSprop(ps, RMSprop.options().alpha(-0.9)),
        "Invalid alpha value: -0.9");
    assertMessage(() -> new RMSprop(ps, RMSprop.options().momentum(-1)),
        "Invalid momentum value: -1.0");
    assertMessage(() -> new Adagrad(ps, Adagrad.options().lrDecay(-1)),
        "Invalid lr_decay value: -1.0");
    assertMessage(() -> new Adagrad(ps, Adagrad.options().initialAccumulatorValue(-1)),
        "Invalid initial_accumulator_value value: -1.0");
    // Per-group values are checked too, and must have the default's kind.
    assertMessage(() -> new Adam(List.of(new ParamGroup(ps).set("lr", -0.1)), Adam.options()),
        "Invalid learning rate: -0.1");
    assertMessage(() -> new Adam(List.of(new ParamGroup(ps).set("betas", 0.9)), Adam.options()),
        "'betas' is a 2-tuple");
    assertMessage(() -> new Adam(List.<Tensor>of(), Adam.options()), "empty parameter list");
    assertMessage(() -> new Adam(List.of(Tensor.zeros(2).requiresGrad(true).mul(2)), 0.1),
        "can't optimize a non-leaf Tensor");
    Tensor p = Tensor.zeros(2).requiresGrad(true);
    assertMessage(() -> new SGD(List.of(p, p), 0.1), "appears twice");
  }

  // ---------------------------------------------------------------------------------------------
  // Gradients, scopes, versions

  @Test
  void parameterWithoutGradIsSkipped() {
    Tensor a = Tensor.of(new float[] {1, 2}).requiresGrad(true);
    Tensor b = Tensor.of(new float[] {3, 4}).requiresGrad(true);
    for (Optimizer opt : List.of(new Adam(List.of(a, b), 0.1), new SGD(List.of(a, b),
        SGD.options().lr(0.1).momentum(0.9)), new RMSprop(List.of(a, b), 0.1))) {
      a.setGrad(Tensor.ones(2));
      b.setGrad(null);
      float[] before = b.toFloatArray();
      opt.step();
      assertEquals(before[0], b.toFloatArray()[0]);
      assertEquals(before[1], b.toFloatArray()[1]);
      Map<?, ?> state = (Map<?, ?>) opt.stateDict().get("state");
      assertTrue(state.containsKey(0), opt.name() + " state of the stepped parameter");
      assertFalse(state.containsKey(1), opt.name() + " made state for a parameter without grad");
    }
  }

  @Test
  void stateSurvivesAClosedScope() {
    Problem scoped = new Problem(8);
    Problem plain = scoped.copy();
    Optimizer a = new Adam(scoped.params, Adam.options().lr(0.05).amsgrad(true));
    Optimizer b = new Adam(plain.params, Adam.options().lr(0.05).amsgrad(true));
    for (int i = 0; i < 3; i++) {
      try (var s = Tensor.scope()) {
        scoped.step(a);
      }
      plain.step(b);
    }
    Map<?, ?> state = (Map<?, ?>) a.stateDict().get("state");
    for (Object st : state.values()) {
      for (Object v : ((Map<?, ?>) st).values()) {
        assertFalse(((Tensor) v).isReleased(), "optimizer state released with the step's scope");
      }
    }
    scoped.step(a);
    plain.step(b);
    for (int k = 0; k < scoped.params.size(); k++) {
      assertClose(plain.params.get(k).detach(), scoped.params.get(k).detach(), 0, 0, "param " + k);
    }
  }

  @Test
  void stepBumpsTheParametersVersion() {
    Tensor w = Tensor.of(new float[] {1, 2}).requiresGrad(true);
    SGD opt = new SGD(List.of(w), 0.1);
    Tensor y = w.mul(w).sum();
    w.setGrad(Tensor.ones(2));
    int before = w.version();
    opt.step();
    assertTrue(w.version() > before);
    assertMessage(y::backward, "modified by an inplace operation");
  }

  @Test
  void zeroGradClearsOrZeros() {
    Tensor w = Tensor.ones(3).requiresGrad(true);
    Adam opt = new Adam(List.of(w), 0.1);
    w.setGrad(Tensor.ones(3));
    Tensor g = w.grad();
    opt.zeroGrad(false);
    assertSame(g, w.grad());
    assertClose(Tensor.zeros(3), w.grad(), 0, 0, "zeroed in place");
    opt.zeroGrad();
    assertNull(w.grad());
  }

  @Test
  void stepWithClosureReturnsTheLoss() {
    Tensor w = Tensor.of(new float[] {2}).requiresGrad(true);
    SGD opt = new SGD(List.of(w), 0.25);
    Tensor loss = opt.step(() -> {
      opt.zeroGrad();
      Tensor l = w.mul(w).sum();
      l.backward();
      return l;
    });
    assertEquals(4.0, loss.item());
    assertEquals(1.0, w.item(), 1e-7);
  }

  static void assertMessage(Executable run, String part) {
    Throwable e = assertThrows(RuntimeException.class, run);
    assertTrue(e.getMessage() != null && e.getMessage().contains(part),
        "expected a message containing \"" + part + "\", got: " + e.getMessage());
  }
}
