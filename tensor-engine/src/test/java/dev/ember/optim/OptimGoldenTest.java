package dev.ember.optim;

import static dev.ember.optim.OptimTesting.assertClose;
import static dev.ember.optim.OptimTesting.integer;
import static dev.ember.optim.OptimTesting.list;
import static dev.ember.optim.OptimTesting.map;
import static dev.ember.optim.OptimTesting.num;
import static dev.ember.optim.OptimTesting.nums;
import static dev.ember.optim.OptimTesting.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Optimizers, schedulers and gradient clipping against PyTorch 1.13 ({@code golden/optim.json},
 * written by {@code make_optim_golden.py} beside it).
 *
 * <p>Tolerances: the gradients come from Ember's own autograd ({@code sin}, {@code cos} may differ
 * from PyTorch's in the last bit) and PyTorch's CPU kernels may fuse multiply-adds, so float32
 * parameters agree to a few float32 ulps (relative 2e-6 after five steps), float64 to 1e-12;
 * learning rates are plain double arithmetic and agree to 1e-12.
 */
class OptimGoldenTest {
  private static final double RTOL_F32 = 2e-6;
  private static final double ATOL_F32 = 1e-7;
  private static final double RTOL_F64 = 1e-12;
  private static final double ATOL_F64 = 1e-14;

  @Test
  void goldenFileComesFromTorch113() {
    String v = (String) OptimTesting.golden().get("torch_version");
    assertTrue(v.startsWith("1.13"), v);
    assertTrue(OptimTesting.section("optimizers").size() >= 25);
    assertTrue(OptimTesting.section("schedulers").size() >= 15);
  }

  // ---------------------------------------------------------------------------------------------
  // Optimizers

  @TestFactory
  Stream<DynamicTest> optimizers() {
    return OptimTesting.section("optimizers").stream()
        .map(c -> DynamicTest.dynamicTest((String) c.get("label"), () -> runOptimizer(c)));
  }

  private static void runOptimizer(Map<String, Object> c) {
    try (var scope = Tensor.scope()) {
      List<Tensor> params = new ArrayList<>();
      for (Object p : list(c.get("params"))) {
        params.add(tensor(p).requiresGrad(true));
      }
      List<Tensor> coefs = new ArrayList<>();
      for (Object t : list(c.get("coefs"))) {
        coefs.add(tensor(t));
      }
      List<Integer> frozen = new ArrayList<>();
      for (Object f : list(c.get("frozen"))) {
        frozen.add(integer(f));
      }
      Optimizer opt = build((String) c.get("optimizer"), map(c.get("options")), c.get("groups"),
          params);
      List<Object> steps = list(c.get("steps"));
      for (int s = 0; s < steps.size(); s++) {
        opt.zeroGrad();
        OptimTesting.lossBackward(params, coefs, frozen);
        opt.step();
        List<Object> expected = list(steps.get(s));
        for (int i = 0; i < params.size(); i++) {
          Tensor e = tensor(expected.get(i));
          boolean f64 = e.dtype() == DType.FLOAT64;
          assertClose(e, params.get(i).detach(), f64 ? RTOL_F64 : RTOL_F32,
              f64 ? ATOL_F64 : ATOL_F32, c.get("label") + " step " + (s + 1) + " param " + i);
        }
      }
      for (int i : frozen) {
        assertNull(params.get(i).grad(), "frozen parameter " + i + " got a gradient");
      }
    }
  }

  /** The optimizer of a golden case: options through the builder, group overrides by key. */
  static Optimizer build(String name, Map<String, Object> options, Object groupsJson,
      List<Tensor> params) {
    List<ParamGroup> groups = new ArrayList<>();
    if (groupsJson == null) {
      groups.add(new ParamGroup(params));
    } else {
      for (Object g : list(groupsJson)) {
        Map<String, Object> gm = map(g);
        List<Tensor> ps = new ArrayList<>();
        for (int idx : OptimTesting.ints(gm.get("params"))) {
          ps.add(params.get(idx));
        }
        ParamGroup group = new ParamGroup(ps);
        for (Map.Entry<String, Object> e : gm.entrySet()) {
          Object v = e.getValue();
          if (e.getKey().equals("params")) {
            continue;
          } else if (v instanceof Boolean b) {
            group.setFlag(e.getKey(), b);
          } else if (v instanceof List<?>) {
            group.setTuple(e.getKey(), nums(v));
          } else {
            group.set(e.getKey(), num(v));
          }
        }
        groups.add(group);
      }
    }
    return switch (name) {
      case "SGD" -> new SGD(groups, sgdOptions(options));
      case "Adam" -> new Adam(groups, adamOptions(Adam.options(), options));
      case "AdamW" -> new AdamW(groups, adamOptions(AdamW.options(), options));
      case "RMSprop" -> new RMSprop(groups, rmspropOptions(options));
      case "Adagrad" -> new Adagrad(groups, adagradOptions(options));
      default -> throw new IllegalArgumentException("unknown optimizer " + name);
    };
  }

  private static SGD.Options sgdOptions(Map<String, Object> o) {
    SGD.Options b = SGD.options();
    o.forEach((k, v) -> {
      switch (k) {
        case "lr" -> b.lr(num(v));
        case "momentum" -> b.momentum(num(v));
        case "dampening" -> b.dampening(num(v));
        case "weight_decay" -> b.weightDecay(num(v));
        case "nesterov" -> b.nesterov((Boolean) v);
        case "maximize" -> b.maximize((Boolean) v);
        default -> throw new IllegalArgumentException("unmapped SGD option " + k);
      }
    });
    return b;
  }

  /** Options over {@code b} ({@code Adam.options()} or {@code AdamW.options()}). */
  private static AdamOptions adamOptions(AdamOptions b, Map<String, Object> o) {
    o.forEach((k, v) -> {
      switch (k) {
        case "lr" -> b.lr(num(v));
        case "betas" -> b.betas(nums(v)[0], nums(v)[1]);
        case "eps" -> b.eps(num(v));
        case "weight_decay" -> b.weightDecay(num(v));
        case "amsgrad" -> b.amsgrad((Boolean) v);
        case "maximize" -> b.maximize((Boolean) v);
        default -> throw new IllegalArgumentException("unmapped Adam option " + k);
      }
    });
    return b;
  }

  private static RMSprop.Options rmspropOptions(Map<String, Object> o) {
    RMSprop.Options b = RMSprop.options();
    o.forEach((k, v) -> {
      switch (k) {
        case "lr" -> b.lr(num(v));
        case "alpha" -> b.alpha(num(v));
        case "eps" -> b.eps(num(v));
        case "weight_decay" -> b.weightDecay(num(v));
        case "momentum" -> b.momentum(num(v));
        case "centered" -> b.centered((Boolean) v);
        case "maximize" -> b.maximize((Boolean) v);
        default -> throw new IllegalArgumentException("unmapped RMSprop option " + k);
      }
    });
    return b;
  }

  private static Adagrad.Options adagradOptions(Map<String, Object> o) {
    Adagrad.Options b = Adagrad.options();
    o.forEach((k, v) -> {
      switch (k) {
        case "lr" -> b.lr(num(v));
        case "lr_decay" -> b.lrDecay(num(v));
        case "weight_decay" -> b.weightDecay(num(v));
        case "initial_accumulator_value" -> b.initialAccumulatorValue(num(v));
        case "eps" -> b.eps(num(v));
        case "maximize" -> b.maximize((Boolean) v);
        default -> throw new IllegalArgumentException("unmapped Adagrad option " + k);
      }
    });
    return b;
  }

  // ---------------------------------------------------------------------------------------------
  // Schedulers

  @TestFactory
  Stream<DynamicTest> schedulers() {
    return OptimTesting.section("schedulers").stream()
        .map(c -> DynamicTest.dynamicTest((String) c.get("label"), () -> runScheduler(c)));
  }

  private static void runScheduler(Map<String, Object> c) {
    double[] lrs = nums(c.get("lrs"));
    List<ParamGroup> groups = new ArrayList<>();
    for (double lr : lrs) {
      groups.add(new ParamGroup(List.of(Tensor.zeros(2).requiresGrad(true))).setLr(lr));
    }
    String optName = (String) c.get("optimizer");
    Map<String, Object> optOptions = map(c.get("opt_options"));
    Optimizer opt = optName.equals("SGD") ? new SGD(groups, sgdOptions(optOptions).lr(1.0))
        : new Adam(groups, adamOptions(Adam.options(), optOptions));
    Map<String, Object> spec = map(c.get("scheduler"));
    Object sched = spec.get("type").equals("ReduceLROnPlateau") ? plateau(opt, spec)
        : scheduler(opt, spec);
    List<Object> records = list(c.get("records"));
    double[] metrics = c.get("metrics") == null ? null : nums(c.get("metrics"));
    String label = (String) c.get("label");
    check(label + " after construction", map(records.get(0)), opt, sched);
    for (int s = 1; s < records.size(); s++) {
      opt.step();
      if (sched instanceof ReduceLROnPlateau p) {
        p.step(metrics[s - 1]);
      } else {
        ((LRScheduler) sched).step();
      }
      check(label + " step " + s, map(records.get(s)), opt, sched);
    }
  }

  private static void check(String what, Map<String, Object> rec, Optimizer opt, Object sched) {
    List<ParamGroup> groups = opt.paramGroups();
    double[] lr = new double[groups.size()];
    for (int i = 0; i < lr.length; i++) {
      lr[i] = groups.get(i).lr();
    }
    assertClose(nums(rec.get("lr")), lr, 1e-12, 1e-17, what + ": lr");
    if (rec.containsKey("last_lr")) {
      double[] last = sched instanceof ReduceLROnPlateau p ? p.getLastLr()
          : ((LRScheduler) sched).getLastLr();
      assertClose(nums(rec.get("last_lr")), last, 1e-12, 1e-17, what + ": last lr");
    }
    if (rec.containsKey("momentum")) {
      double[] m = new double[groups.size()];
      for (int i = 0; i < m.length; i++) {
        m[i] = groups.get(i).get("momentum");
      }
      assertClose(nums(rec.get("momentum")), m, 1e-12, 1e-17, what + ": momentum");
    }
    if (rec.containsKey("beta1")) {
      double[] b = new double[groups.size()];
      for (int i = 0; i < b.length; i++) {
        b[i] = groups.get(i).getTuple("betas")[0];
      }
      assertClose(nums(rec.get("beta1")), b, 1e-12, 1e-17, what + ": beta1");
    }
  }

  /** A scheduler from a golden spec; missing arguments take PyTorch's defaults. */
  static LRScheduler scheduler(Optimizer opt, Map<String, Object> s) {
    String type = (String) s.get("type");
    return switch (type) {
      case "StepLR" -> new StepLR(opt, integer(s.get("step_size")), d(s, "gamma", 0.1));
      case "MultiStepLR" ->
          new MultiStepLR(opt, OptimTesting.ints(s.get("milestones")), d(s, "gamma", 0.1));
      case "ExponentialLR" -> new ExponentialLR(opt, num(s.get("gamma")));
      case "CosineAnnealingLR" ->
          new CosineAnnealingLR(opt, integer(s.get("T_max")), d(s, "eta_min", 0));
      case "LinearLR" -> new LinearLR(opt, d(s, "start_factor", 1.0 / 3),
          d(s, "end_factor", 1.0), (int) d(s, "total_iters", 5));
      case "OneCycleLR" -> oneCycle(opt, s);
      case "SequentialLR" -> {
        List<LRScheduler> subs = new ArrayList<>();
        for (Object sub : list(s.get("schedulers"))) {
          subs.add(scheduler(opt, map(sub)));
        }
        yield new SequentialLR(opt, subs, OptimTesting.ints(s.get("milestones")));
      }
      case "ChainedScheduler" -> {
        List<LRScheduler> subs = new ArrayList<>();
        for (Object sub : list(s.get("schedulers"))) {
          subs.add(scheduler(opt, map(sub)));
        }
        yield new ChainedScheduler(subs);
      }
      default -> throw new IllegalArgumentException("unknown scheduler " + type);
    };
  }

  private static OneCycleLR oneCycle(Optimizer opt, Map<String, Object> s) {
    OneCycleLR.Options o = OneCycleLR.options();
    s.forEach((k, v) -> {
      switch (k) {
        case "type" -> { }
        case "max_lr" -> o.maxLr(v instanceof List<?> ? nums(v) : new double[] {num(v)});
        case "total_steps" -> o.totalSteps(integer(v));
        case "epochs" -> o.epochs(integer(v));
        case "steps_per_epoch" -> o.stepsPerEpoch(integer(v));
        case "pct_start" -> o.pctStart(num(v));
        case "anneal_strategy" -> o.anneal(OneCycleLR.Anneal.valueOf(
            ((String) v).toUpperCase(java.util.Locale.ROOT)));
        case "cycle_momentum" -> o.cycleMomentum((Boolean) v);
        case "base_momentum" -> o.baseMomentum(num(v));
        case "max_momentum" -> o.maxMomentum(num(v));
        case "div_factor" -> o.divFactor(num(v));
        case "final_div_factor" -> o.finalDivFactor(num(v));
        case "three_phase" -> o.threePhase((Boolean) v);
        default -> throw new IllegalArgumentException("unmapped OneCycleLR option " + k);
      }
    });
    return new OneCycleLR(opt, o);
  }

  private static ReduceLROnPlateau plateau(Optimizer opt, Map<String, Object> s) {
    ReduceLROnPlateau.Options o = ReduceLROnPlateau.options();
    s.forEach((k, v) -> {
      switch (k) {
        case "type" -> { }
        case "mode" -> o.mode(ReduceLROnPlateau.Mode.valueOf(
            ((String) v).toUpperCase(java.util.Locale.ROOT)));
        case "factor" -> o.factor(num(v));
        case "patience" -> o.patience(integer(v));
        case "threshold" -> o.threshold(num(v));
        case "threshold_mode" -> o.thresholdMode(ReduceLROnPlateau.ThresholdMode.valueOf(
            ((String) v).toUpperCase(java.util.Locale.ROOT)));
        case "cooldown" -> o.cooldown(integer(v));
        case "min_lr" -> o.minLr(v instanceof List<?> ? nums(v) : new double[] {num(v)});
        case "eps" -> o.eps(num(v));
        default -> throw new IllegalArgumentException("unmapped ReduceLROnPlateau option " + k);
      }
    });
    return new ReduceLROnPlateau(opt, o);
  }

  private static double d(Map<String, Object> s, String key, double dflt) {
    return s.containsKey(key) ? num(s.get(key)) : dflt;
  }

  // ---------------------------------------------------------------------------------------------
  // Gradient clipping

  @TestFactory
  Stream<DynamicTest> clipping() {
    return OptimTesting.section("clip").stream()
        .map(c -> DynamicTest.dynamicTest((String) c.get("label"), () -> runClip(c)));
  }

  private static void runClip(Map<String, Object> c) {
    try (var scope = Tensor.scope()) {
      List<Tensor> params = new ArrayList<>();
      for (Object g : list(c.get("grads"))) {
        Tensor grad = tensor(g);
        Tensor p = grad == null ? Tensor.zeros(2) : Tensor.zerosLike(grad);
        p.requiresGrad(true);
        p.setGrad(grad);
        params.add(p);
      }
      String label = (String) c.get("label");
      if (c.containsKey("clip_value")) {
        GradClip.clipGradValue(params, num(c.get("clip_value")));
      } else {
        Object nt = c.get("norm_type");
        double normType = "inf".equals(nt) ? Double.POSITIVE_INFINITY : num(nt);
        double total = GradClip.clipGradNorm(params, num(c.get("max_norm")), normType, false);
        double expected = num(c.get("total_norm"));
        boolean f64 = params.get(0).dtype() == DType.FLOAT64;
        assertEquals(expected, total, Math.abs(expected) * (f64 ? 1e-12 : 2e-6),
            label + ": total norm");
      }
      List<Object> clipped = list(c.get("clipped"));
      for (int i = 0; i < params.size(); i++) {
        Tensor e = tensor(clipped.get(i));
        if (e == null) {
          assertNull(params.get(i).grad(), label + ": grad " + i + " should stay null");
          continue;
        }
        boolean f64 = e.dtype() == DType.FLOAT64;
        assertClose(e, params.get(i).grad(), f64 ? RTOL_F64 : RTOL_F32, f64 ? ATOL_F64 : ATOL_F32,
            label + ": grad " + i);
      }
    }
  }
}
