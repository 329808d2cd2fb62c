package dev.ember.optim;

import static dev.ember.optim.OptimTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.backend.OptimizerUpdate;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The fused backend update ({@code Backend.optimizerUpdate}, driven by the optimizers) against the
 * same algorithms composed of tensor operators ({@link ReferenceOptim}), in float32 and float64,
 * over every variant (momentum, dampening, Nesterov, weight decay, maximize, AMSGrad, centered,
 * lr decay), on sizes that exercise the scalar tails, the tiles and the split over threads.
 *
 * <p>The comparison is exact: the CPU kernels perform the composed code's float operations in
 * the same order and precision (Java never contracts {@code a * b + c} into a fused multiply-add),
 * so any difference is a change of formula. Other backends compare with a tolerance.
 */
class FusedUpdateTest {
  /** 1, tile edges, and one tensor large enough to be split across threads. */
  private static final int[][] SHAPES = {{1}, {1023}, {1025}, {3, 5}, {70001}};
  private static final int STEPS = 6;
  private static final long[] SEEDS = {11, 12, 13};

  /** One parameter's step in the composed reference; {@code step} counts from 1. */
  @FunctionalInterface
  interface RefStep {
    void apply(Tensor p, Tensor grad, Map<String, Tensor> state, long step);
  }

  record Variant(String label, Function<List<Tensor>, Optimizer> make, RefStep ref) {}

  static List<Variant> variants() {
    List<Variant> v = new ArrayList<>();
    v.add(new Variant("sgd", ps -> new SGD(ps, 0.1),
        (p, g, s, t) -> ReferenceOptim.sgd(p, g, s, 0.1, 0, 0, 0, false, false)));
    v.add(new Variant("sgd_wd", ps -> new SGD(ps, SGD.options().lr(0.1).weightDecay(0.2)),
        (p, g, s, t) -> ReferenceOptim.sgd(p, g, s, 0.1, 0, 0, 0.2, false, false)));
    v.add(new Variant("sgd_momentum", ps -> new SGD(ps, SGD.options().lr(0.1).momentum(0.9)),
        (p, g, s, t) -> ReferenceOptim.sgd(p, g, s, 0.1, 0.9, 0, 0, false, false)));
    v.add(new Variant("sgd_dampening_wd",
        ps -> new SGD(ps, SGD.options().lr(0.05).momentum(0.9).dampening(0.2).weightDecay(0.01)),
        (p, g, s, t) -> ReferenceOptim.sgd(p, g, s, 0.05, 0.9, 0.2, 0.01, false, false)));
    v.add(new Variant("sgd_nesterov_wd",
        ps -> new SGD(ps, SGD.options().lr(0.05).momentum(0.9).nesterov(true).weightDecay(0.1)),
        (p, g, s, t) -> ReferenceOptim.sgd(p, g, s, 0.05, 0.9, 0, 0.1, true, false)));
    v.add(new Variant("sgd_maximize",
        ps -> new SGD(ps, SGD.options().lr(0.05).momentum(0.5).weightDecay(0.05).maximize(true)),
        (p, g, s, t) -> ReferenceOptim.sgd(p, g, s, 0.05, 0.5, 0, 0.05, false, true)));
    v.add(new Variant("adam", ps -> new Adam(ps, 0.01),
        (p, g, s, t) -> ReferenceOptim.adam(false, p, g, s, t, 0.01, 0.9, 0.999, 1e-8, 0, false,
            false)));
    v.add(new Variant("adam_betas_eps",
        ps -> new Adam(ps, Adam.options().lr(0.02).betas(0.8, 0.9).eps(1e-3)),
        (p, g, s, t) -> ReferenceOptim.adam(false, p, g, s, t, 0.02, 0.8, 0.9, 1e-3, 0, false,
            false)));
    v.add(new Variant("adam_amsgrad_wd",
        ps -> new Adam(ps, Adam.options().lr(0.01).betas(0.9, 0.5).weightDecay(0.1).amsgrad(true)),
        (p, g, s, t) -> ReferenceOptim.adam(false, p, g, s, t, 0.01, 0.9, 0.5, 1e-8, 0.1, true,
            false)));
    v.add(new Variant("adam_maximize",
        ps -> new Adam(ps, Adam.options().lr(0.01).maximize(true).weightDecay(0.01)),
        (p, g, s, t) -> ReferenceOptim.adam(false, p, g, s, t, 0.01, 0.9, 0.999, 1e-8, 0.01,
            false, true)));
    v.add(new Variant("adamw", ps -> new AdamW(ps, 0.01),
        (p, g, s, t) -> ReferenceOptim.adam(true, p, g, s, t, 0.01, 0.9, 0.999, 1e-8, 1e-2, false,
            false)));
    v.add(new Variant("adamw_amsgrad_maximize",
        ps -> new AdamW(ps, AdamW.options().lr(0.01).betas(0.9, 0.5).weightDecay(0.1)
            .amsgrad(true).maximize(true)),
        (p, g, s, t) -> ReferenceOptim.adam(true, p, g, s, t, 0.01, 0.9, 0.5, 1e-8, 0.1, true,
            true)));
    v.add(new Variant("adamw_no_wd", ps -> new AdamW(ps, AdamW.options().weightDecay(0)),
        (p, g, s, t) -> ReferenceOptim.adam(true, p, g, s, t, 1e-3, 0.9, 0.999, 1e-8, 0, false,
            false)));
    v.add(new Variant("rmsprop", ps -> new RMSprop(ps, 0.01),
        (p, g, s, t) -> ReferenceOptim.rmsprop(p, g, s, 0.01, 0.99, 1e-8, 0, 0, false, false)));
    v.add(new Variant("rmsprop_momentum",
        ps -> new RMSprop(ps, RMSprop.options().momentum(0.9)),
        (p, g, s, t) -> ReferenceOptim.rmsprop(p, g, s, 0.01, 0.99, 1e-8, 0, 0.9, false, false)));
    v.add(new Variant("rmsprop_centered",
        ps -> new RMSprop(ps, RMSprop.options().centered(true).alpha(0.9)),
        (p, g, s, t) -> ReferenceOptim.rmsprop(p, g, s, 0.01, 0.9, 1e-8, 0, 0, true, false)));
    v.add(new Variant("rmsprop_all",
        ps -> new RMSprop(ps, RMSprop.options().lr(0.005).centered(true).momentum(0.5)
            .weightDecay(0.1).maximize(true).eps(1e-4)),
        (p, g, s, t) -> ReferenceOptim.rmsprop(p, g, s, 0.005, 0.99, 1e-4, 0.1, 0.5, true, true)));
    v.add(new Variant("adagrad", ps -> new Adagrad(ps, 0.01),
        (p, g, s, t) -> ReferenceOptim.adagrad(p, g, s, t, 0.01, 0, 0, 0, 1e-10, false)));
    v.add(new Variant("adagrad_all",
        ps -> new Adagrad(ps, Adagrad.options().lr(0.1).lrDecay(0.05).weightDecay(0.1)
            .initialAccumulatorValue(0.1).eps(1e-5)),
        (p, g, s, t) -> ReferenceOptim.adagrad(p, g, s, t, 0.1, 0.05, 0.1, 0.1, 1e-5, false)));
    v.add(new Variant("adagrad_maximize",
        ps -> new Adagrad(ps, Adagrad.options().lr(0.1).maximize(true)),
        (p, g, s, t) -> ReferenceOptim.adagrad(p, g, s, t, 0.1, 0, 0, 0, 1e-10, true)));
    return v;
  }

  @TestFactory
  Stream<DynamicTest> fusedMatchesComposed() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Variant v : variants()) {
      for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
        tests.add(DynamicTest.dynamicTest(v.label() + " " + dtype, () -> {
          for (long seed : SEEDS) {
            compare(v, dtype, seed);
          }
        }));
      }
    }
    return tests.stream();
  }

  private static void compare(Variant v, DType dtype, long seed) {
    try (var scope = Tensor.scope()) {
      Generator gen = new Generator(seed);
      List<Tensor> fused = new ArrayList<>();
      List<Tensor> ref = new ArrayList<>();
      List<Map<String, Tensor>> refState = new ArrayList<>();
      for (int[] shape : SHAPES) {
        Tensor init = Tensor.randn(gen, dtype, Device.CPU, shape);
        fused.add(init.clone().requiresGrad(true));
        ref.add(init.clone());
        refState.add(new HashMap<>());
      }
      Optimizer opt = v.make().apply(fused);
      for (int step = 1; step <= STEPS; step++) {
        // Gradients that shrink and grow again, so that AMSGrad's maximum matters.
        double scale = step % 3 == 0 ? 0.05 : 1.0;
        for (int i = 0; i < SHAPES.length; i++) {
          Tensor g = Tensor.randn(gen, dtype, Device.CPU, SHAPES[i]).mul(scale);
          fused.get(i).setGrad(g.clone());
          v.ref().apply(ref.get(i), g, refState.get(i), step);
        }
        opt.step();
        for (int i = 0; i < SHAPES.length; i++) {
          assertClose(ref.get(i), fused.get(i).detach(), 0, 0,
              v.label() + " " + dtype + " seed " + seed + " step " + step + " param " + i);
        }
      }
    }
  }

  /** A transposed (non-contiguous) parameter goes through contiguous copies and is updated. */
  @Test
  void nonContiguousParameterMatchesContiguous() {
    try (var scope = Tensor.scope()) {
      Generator gen = new Generator(5);
      Tensor base = Tensor.randn(gen, DType.FLOAT32, Device.CPU, 4, 6);
      Tensor strided = base.clone().t().requiresGrad(true);
      Tensor dense = base.t().contiguous().requiresGrad(true);
      assertTrue(!strided.isContiguous() && strided.isLeaf());
      Optimizer a = new Adam(List.of(strided), Adam.options().lr(0.1).amsgrad(true));
      Optimizer b = new Adam(List.of(dense), Adam.options().lr(0.1).amsgrad(true));
      for (int step = 0; step < 3; step++) {
        Tensor g = Tensor.randn(gen, DType.FLOAT32, Device.CPU, 6, 4);
        strided.setGrad(g.t().contiguous().t());
        dense.setGrad(g.clone());
        a.step();
        b.step();
        assertClose(dense.detach(), strided.detach(), 0, 0, "step " + step);
      }
    }
  }

  /**
   * A parameter that is a view at a storage offset (so its operands are not aligned with the
   * state's) is updated like a dense copy of it, in float32 and float64.
   */
  @Test
  void parameterAtAnOffsetMatchesDense() {
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      try (var scope = Tensor.scope()) {
        Generator gen = new Generator(6);
        Tensor storage = Tensor.randn(gen, dtype, Device.CPU, 40000);
        Tensor view = storage.narrow(0, 7, 33000).requiresGrad(true);
        Tensor dense = view.detach().clone().requiresGrad(true);
        Tensor head = storage.narrow(0, 0, 7).clone();
        Tensor tail = storage.narrow(0, 33007, 6993).clone();
        assertTrue(view.isLeaf() && view.isContiguous() && view.storageOffset() == 7);
        Optimizer a = new RMSprop(List.of(view), RMSprop.options().momentum(0.5).centered(true));
        Optimizer b = new RMSprop(List.of(dense), RMSprop.options().momentum(0.5).centered(true));
        for (int step = 0; step < 3; step++) {
          Tensor g = Tensor.randn(gen, dtype, Device.CPU, 33000);
          view.setGrad(g.clone());
          dense.setGrad(g.clone());
          a.step();
          b.step();
          assertClose(dense.detach(), view.detach(), 0, 0, dtype + " step " + step);
        }
        assertClose(head, storage.narrow(0, 0, 7).clone(), 0, 0, "storage before the view");
        assertClose(tail, storage.narrow(0, 33007, 6993).clone(), 0, 0, "storage after the view");
      }
    }
  }

  /** The primitive itself rejects what it cannot do, naming the operand. */
  @Test
  void backendRejectsBadOperands() {
    try (var scope = Tensor.scope()) {
      Tensor p = Tensor.zeros(4, 3);
      Tensor g = Tensor.zeros(4, 3);
      Tensor m = Tensor.zeros(4, 3);
      Tensor v = Tensor.zeros(4, 3);
      double[] h = {0.1, 0.9, 0.999, 1e-8, 0, 1, 0, 0};
      var backend = p.backend();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> backend.optimizerUpdate(OptimizerUpdate.ADAM, p, g.t(), new Tensor[] {m, v, null},
              h));
      assertTrue(e.getMessage().contains("grad") && e.getMessage().contains("contiguous"),
          e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> backend.optimizerUpdate(OptimizerUpdate.ADAM, p, g,
              new Tensor[] {m, Tensor.zeros(DType.FLOAT64, 4, 3), null}, h));
      assertTrue(e.getMessage().contains("state[1]"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> backend.optimizerUpdate(OptimizerUpdate.ADAM, p, g, new Tensor[] {m, v}, h));
      assertTrue(e.getMessage().contains("3 state slots"), e.getMessage());
      double[] ams = h.clone();
      ams[6] = 1;
      e = assertThrows(IllegalArgumentException.class,
          () -> backend.optimizerUpdate(OptimizerUpdate.ADAM, p, g, new Tensor[] {m, v, null},
              ams));
      assertTrue(e.getMessage().contains("state[2]"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> backend.optimizerUpdate(OptimizerUpdate.SGD, Tensor.zeros(DType.INT64, 3),
              Tensor.zeros(DType.INT64, 3), new Tensor[] {null}, new double[7]));
      assertTrue(e.getMessage().contains("float32 or float64"), e.getMessage());
    }
  }
}
