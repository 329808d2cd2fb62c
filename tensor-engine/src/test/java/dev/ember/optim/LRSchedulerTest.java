package dev.ember.optim;

import static dev.ember.optim.OptimTesting.assertClose;
import static dev.ember.optim.OptimizerTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Scheduler state dicts, resuming, and the errors PyTorch raises. */
class LRSchedulerTest {

  private static SGD sgd(double... lrs) {
    List<ParamGroup> groups = new ArrayList<>();
    for (double lr : lrs) {
      groups.add(new ParamGroup(List.of(Tensor.zeros(2).requiresGrad(true))).setLr(lr));
    }
    return new SGD(groups, SGD.options().lr(1).momentum(0.9));
  }

  private static Adam adam(double... lrs) {
    List<ParamGroup> groups = new ArrayList<>();
    for (double lr : lrs) {
      groups.add(new ParamGroup(List.of(Tensor.zeros(2).requiresGrad(true))).setLr(lr));
    }
    return new Adam(groups, Adam.options());
  }

  private record Named(String name, Function<Optimizer, LRScheduler> make, boolean adam) {}

  private static List<Named> schedulers() {
    return List.of(
        new Named("StepLR", o -> new StepLR(o, 3, 0.5), false),
        new Named("MultiStepLR", o -> new MultiStepLR(o, new int[] {2, 5, 5}, 0.3), false),
        new Named("ExponentialLR", o -> new ExponentialLR(o, 0.9), false),
        new Named("CosineAnnealingLR", o -> new CosineAnnealingLR(o, 6, 0.001), false),
        new Named("LinearLR", o -> new LinearLR(o, 0.2, 0.8, 7), false),
        new Named("OneCycleLR", o -> new OneCycleLR(o, OneCycleLR.options().maxLr(0.5, 0.2)
            .totalSteps(40).threePhase(true)), true),
        new Named("SequentialLR", o -> new SequentialLR(o, List.of(new LinearLR(o, 0.1, 1, 4),
            new CosineAnnealingLR(o, 10)), new int[] {4}), false),
        new Named("ChainedScheduler", o -> new ChainedScheduler(List.of(new StepLR(o, 4, 0.5),
            new ExponentialLR(o, 0.95))), false));
  }

  /**
   * Saving the optimizer and the scheduler mid-schedule, then loading both into fresh objects,
   * continues the schedule exactly.
   */
  @TestFactory
  Stream<DynamicTest> stateDictRoundTripResumesTheSchedule() {
    return schedulers().stream().map(n -> DynamicTest.dynamicTest(n.name(), () -> {
      Optimizer optA = n.adam() ? adam(0.1, 0.01) : sgd(0.1, 0.01);
      LRScheduler a = n.make().apply(optA);
      for (int i = 0; i < 9; i++) {
        optA.step();
        a.step();
      }
      Map<String, Object> optState = optA.stateDict();
      Map<String, Object> schedState = a.stateDict();
      Optimizer optB = n.adam() ? adam(0.1, 0.01) : sgd(0.1, 0.01);
      LRScheduler b = n.make().apply(optB);
      optB.loadStateDict(optState);
      b.loadStateDict(schedState);
      assertArrayEquals(a.getLastLr(), b.getLastLr());
      for (int i = 0; i < 12; i++) {
        optA.step();
        a.step();
        optB.step();
        b.step();
        assertArrayEquals(a.getLastLr(), b.getLastLr(), n.name() + " step " + (10 + i));
        for (int g = 0; g < 2; g++) {
          ParamGroup ga = optA.paramGroups().get(g);
          ParamGroup gb = optB.paramGroups().get(g);
          assertEquals(ga.lr(), gb.lr());
          if (n.adam()) {
            assertArrayEquals(ga.getTuple("betas"), gb.getTuple("betas"));
          }
        }
      }
    }));
  }

  @Test
  void reduceLrOnPlateauStateDictRoundTrip() {
    double[] metrics = {1, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7};
    SGD optA = sgd(0.1);
    var o = ReduceLROnPlateau.options().patience(1).cooldown(1).factor(0.5);
    ReduceLROnPlateau a = new ReduceLROnPlateau(optA, o);
    for (int i = 0; i < 6; i++) {
      a.step(metrics[i]);
    }
    SGD optB = sgd(0.1);
    ReduceLROnPlateau b = new ReduceLROnPlateau(optB, ReduceLROnPlateau.options());
    optB.loadStateDict(optA.stateDict());
    b.loadStateDict(a.stateDict());
    for (int i = 6; i < metrics.length; i++) {
      a.step(metrics[i]);
      b.step(metrics[i]);
      assertArrayEquals(a.getLastLr(), b.getLastLr(), "step " + i);
      assertEquals(a.numBadEpochs(), b.numBadEpochs());
    }
    // Reductions after epochs 4, 8, 11 and 14 (patience 1, one cooldown epoch after each).
    assertEquals(0.1 * 0.5 * 0.5 * 0.5 * 0.5, optA.paramGroups().get(0).lr(), 1e-15);
  }

  @Test
  void constructorTakesTheInitialStepAndRecordsInitialLr() {
    SGD opt = sgd(0.1);
    LinearLR s = new LinearLR(opt, 0.5, 1.0, 4);
    assertEquals(0, s.lastEpoch());
    assertEquals(0.05, opt.paramGroups().get(0).lr(), 1e-15);
    assertEquals(0.1, opt.paramGroups().get(0).get("initial_lr"));
    assertClose(new double[] {0.05}, s.getLastLr(), 0, 0, "last lr");
  }

  @Test
  void resumingNeedsInitialLr() {
    assertMessage(() -> new StepLR(sgd(0.1), 3, 0.1, 5),
        "param 'initial_lr' is not specified in param_groups[0] when resuming an optimizer");
    SGD opt = sgd(0.1);
    opt.paramGroups().get(0).set("initial_lr", 1.0);
    StepLR resumed = new StepLR(opt, 3, 0.1, 5);
    assertEquals(6, resumed.lastEpoch());
    assertEquals(0.01, opt.paramGroups().get(0).lr(), 1e-15,
        "epoch 6 is a multiple of the step size: one more decay of the current lr");
  }

  @Test
  void badArgumentsThrow() {
    assertMessage(() -> new LinearLR(sgd(0.1), 1.5, 1, 5),
        "Starting multiplicative factor expected to be between 0 and 1.");
    assertMessage(() -> new LinearLR(sgd(0.1), 0.5, -1, 5),
        "Ending multiplicative factor expected to be between 0 and 1.");
    assertMessage(() -> new StepLR(sgd(0.1), 0), "stepSize must be >= 1");
    assertMessage(() -> new OneCycleLR(sgd(0.1), OneCycleLR.options().maxLr(0.1)),
        "You must define either total_steps OR (epochs AND steps_per_epoch)");
    assertMessage(() -> new OneCycleLR(sgd(0.1), 0.1, 0),
        "Expected positive integer total_steps, but got 0");
    assertMessage(() -> new OneCycleLR(sgd(0.1), OneCycleLR.options().maxLr(0.1).epochs(0)
        .stepsPerEpoch(3)), "Expected positive integer epochs, but got 0");
    assertMessage(() -> new OneCycleLR(sgd(0.1), OneCycleLR.options().maxLr(0.1).totalSteps(10)
        .pctStart(1.5)), "Expected float between 0 and 1 pct_start, but got 1.5");
    assertMessage(() -> new OneCycleLR(sgd(0.1, 0.2), OneCycleLR.options().maxLr(1, 2, 3)
        .totalSteps(10)), "expected 2 values for max_lr, got 3");
    assertMessage(() -> new OneCycleLR(new Adagrad(List.of(Tensor.zeros(1).requiresGrad(true)),
        0.1), 0.1, 10), "optimizer must support momentum with `cycle_momentum` option enabled");
    assertMessage(() -> new ReduceLROnPlateau(sgd(0.1), ReduceLROnPlateau.options().factor(1)),
        "Factor should be < 1.0.");
    assertMessage(() -> new ReduceLROnPlateau(sgd(0.1, 0.2), ReduceLROnPlateau.options()
        .minLr(0, 0, 0)), "expected 2 min_lrs, got 3");
    SGD opt = sgd(0.1);
    SGD other = sgd(0.1);
    assertMessage(() -> new SequentialLR(opt, List.of(new StepLR(opt, 2), new StepLR(opt, 3)),
        new int[] {}), "number of schedulers 2 and the number of milestones to be equal to 0");
    assertMessage(() -> new SequentialLR(opt, List.of(new StepLR(opt, 2), new StepLR(other, 3)),
        new int[] {4}), "schedulers at index 1 to be different than the optimizer passed in");
    assertMessage(() -> new ChainedScheduler(List.of(new StepLR(opt, 2), new StepLR(other, 3))),
        "schedulers at index 0 and 1 to be different");
  }

  @Test
  void oneCycleFailsPastItsTotalSteps() {
    SGD opt = sgd(0.1);
    OneCycleLR s = new OneCycleLR(opt, 0.5, 5);
    for (int i = 0; i < 5; i++) {
      s.step();
    }
    assertMessage(s::step, "Tried to step 7 times. The specified number of total steps is 5");
  }
}
