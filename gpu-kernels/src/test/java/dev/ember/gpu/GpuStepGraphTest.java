package dev.ember.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.backend.Backends;
import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.nn.Reduction;
import dev.ember.nn.Sequential;
import dev.ember.nn.activation.ReLU;
import dev.ember.nn.layers.Flatten;
import dev.ember.nn.layers.Linear;
import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import dev.ember.optim.Optimizer;
import dev.ember.optim.RMSprop;
import dev.ember.optim.SGD;
import dev.ember.optim.StepLR;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * StepGraph on the device under test: W1's forward and backward recorded once and replayed give
 * the eager steps' losses and parameters bit for bit; what cannot replay is refused, naming it;
 * a bad target in a replay is reported at the next read; the step's memory waits for close.
 */
class GpuStepGraphTest {
  private static final Device D = GpuTesting.DEVICE;

  @BeforeEach
  void needsDevice() {
    GpuTesting.assumeDevice();
  }

  private static Module mlp(long seed) {
    Generator.manualSeed(seed);
    Module m = new Sequential(new Flatten(), new Linear(20, 16), new ReLU(), new Linear(16, 8),
        new ReLU(), new Linear(8, 4));
    m.to(D);
    return m;
  }

  private static Tensor[] batch(int step) {
    Generator gen = new Generator(100 + step);
    Tensor x = Tensor.rand(gen, DType.FLOAT32, Device.CPU, 12, 4, 5);
    long[] t = new long[12];
    for (int i = 0; i < t.length; i++) {
      t[i] = (i * 7 + step) % 4;
    }
    return new Tensor[] {x, Tensor.of(t, 12)};
  }

  /** A network, batch 0 on the host and on the device, after one eager forward and backward. */
  private record Warm(Module model, Tensor[] batch, Tensor x, Tensor t) {}

  private static Warm warmed(long seed) {
    Module m = mlp(seed);
    Tensor[] b = batch(0);
    Tensor x = b[0].to(D);
    Tensor t = b[1].to(D);
    loss(m, x, t).backward();
    return new Warm(m, b, x, t);
  }

  private static Tensor loss(Module m, Tensor x, Tensor t) {
    return F.crossEntropy(m.forward(x), t, null, -100, Reduction.MEAN, 0);
  }

  @Test
  void replaysTrainLikeEagerStepsBitForBit() {
    Module eager = mlp(5);
    Module graphed = mlp(5);
    Optimizer eagerOpt = new Adam(eager.parameters(), 1e-2);
    Optimizer graphOpt = new Adam(graphed.parameters(), 1e-2);
    // Static inputs on the device; each step's batch is copied into them.
    Tensor x = Tensor.zeros(DType.FLOAT32, D, 12, 4, 5);
    Tensor t = Tensor.zeros(DType.INT64, D, 12);
    // Step 0 eagerly on both (a first step makes one-time state).
    for (int step = 0; step < 6; step++) {
      Tensor[] b = batch(step);
      eagerOpt.zeroGrad();
      Tensor el = loss(eager, b[0].to(D), b[1].to(D));
      el.backward();
      eagerOpt.step();
      double eagerLoss = el.item();
      double graphLoss;
      if (step == 0) {
        graphOpt.zeroGrad();
        Tensor gl = loss(graphed, b[0].to(D), b[1].to(D));
        gl.backward();
        graphOpt.step();
        graphLoss = gl.item();
      } else {
        x.copy_(b[0].to(D));
        t.copy_(b[1].to(D));
        graphLoss = graphStep(graphed, graphOpt, x, t);
      }
      assertEquals(eagerLoss, graphLoss, 0, "loss of step " + step);
    }
    List<Tensor> pe = eager.parameters();
    List<Tensor> pg = graphed.parameters();
    for (int i = 0; i < pe.size(); i++) {
      assertArrayEquals(pe.get(i).toFloatArray(), pg.get(i).toFloatArray(), "parameter " + i);
    }
    graph.close();
  }

  private StepGraph graph;
  private Tensor graphLossTensor;

  /** Step 1 captures (and so runs) forward and backward; later steps replay; then Adam's step. */
  private double graphStep(Module m, Optimizer opt, Tensor x, Tensor t) {
    if (graph == null) {
      opt.zeroGrad();
      Tensor[] out = new Tensor[1];
      graph = StepGraph.capture(D, () -> {
        out[0] = loss(m, x, t);
        out[0].backward();
      });
      graphLossTensor = out[0];
      assertTrue(graph.recordedLaunches() > 5, graph.toString());
    } else {
      graph.replay();
    }
    opt.step();
    return graphLossTensor.item();
  }

  /**
   * The whole training step in the graph, the optimizer's step included, for every optimizer
   * (with momentum, nesterov, amsgrad, centered, weight decay; SGD with a StepLR that changes
   * the learning rate between replays): the losses and parameters of eager steps bit for bit, and
   * the optimizer's step counts advance at every replay.
   */
  @Test
  void aWholeTrainingStepReplaysForEveryOptimizer() {
    List<Function<List<Tensor>, Optimizer>> optimizers = List.of(
        p -> new Adam(p, Adam.options().lr(1e-2).weightDecay(0.01)),
        p -> new AdamW(p, AdamW.options().lr(1e-2).amsgrad(true)),
        p -> new SGD(p, SGD.options().lr(0.1).momentum(0.9).nesterov(true)),
        p -> new RMSprop(p, RMSprop.options().lr(1e-2).momentum(0.5).centered(true)),
        p -> new Adagrad(p, 0.05));
    for (int k = 0; k < optimizers.size(); k++) {
      Module eager = mlp(9);
      Module graphed = mlp(9);
      Optimizer eagerOpt = optimizers.get(k).apply(eager.parameters());
      Optimizer graphOpt = optimizers.get(k).apply(graphed.parameters());
      boolean scheduled = eagerOpt instanceof SGD;
      StepLR eagerLr = scheduled ? new StepLR(eagerOpt, 2, 0.5) : null;
      StepLR graphLr = scheduled ? new StepLR(graphOpt, 2, 0.5) : null;
      Tensor x = Tensor.zeros(DType.FLOAT32, D, 12, 4, 5);
      Tensor t = Tensor.zeros(DType.INT64, D, 12);
      Tensor[] out = new Tensor[1];
      Runnable step = () -> {
        out[0] = loss(graphed, x, t);
        out[0].backward();
        graphOpt.step();
      };
      StepGraph g = null;
      String what = eagerOpt.getClass().getSimpleName();
      for (int i = 0; i < 6; i++) {
        Tensor[] b = batch(i);
        eagerOpt.zeroGrad();
        Tensor el = loss(eager, b[0].to(D), b[1].to(D));
        el.backward();
        eagerOpt.step();
        x.copy_(b[0].to(D));
        t.copy_(b[1].to(D));
        if (i == 0) {
          graphOpt.zeroGrad();
          step.run(); // the eager first step
          graphOpt.zeroGrad();
        } else if (i == 1) {
          g = StepGraph.capture(D, step);
        } else {
          g.replay();
        }
        if (scheduled) {
          eagerLr.step();
          graphLr.step();
        }
        assertEquals(el.item(), out[0].item(), 0, what + " loss of step " + i);
      }
      List<Tensor> pe = eager.parameters();
      List<Tensor> pg = graphed.parameters();
      for (int i = 0; i < pe.size(); i++) {
        assertArrayEquals(pe.get(i).toFloatArray(), pg.get(i).toFloatArray(),
            what + " parameter " + i);
      }
      assertEquals(eagerOpt.stateDict().toString(), graphOpt.stateDict().toString(),
          what + " state (step counts)");
      // Zeroed gradients leave the replay's host step without updates: refused, by name.
      graphOpt.zeroGrad();
      StepGraph graph = g;
      IllegalStateException e = assertThrows(IllegalStateException.class, graph::replay);
      assertTrue(e.getMessage().contains("changed since the capture"), e.getMessage());
      g.close();
    }
  }

  @Test
  void whatCannotReplayIsRefusedAndNothingStaysRecording() {
    Warm w = warmed(6);
    Module m = w.model();
    Tensor[] b = w.batch();
    Tensor x = w.x();
    Tensor t = w.t();
    IllegalStateException read = assertThrows(IllegalStateException.class,
        () -> StepGraph.capture(D, () -> loss(m, x, t).item()));
    assertTrue(read.getMessage().contains("read back to the host"), read.getMessage());
    IllegalStateException upload = assertThrows(IllegalStateException.class,
        () -> StepGraph.capture(D, () -> loss(m, b[0].to(D), t)));
    assertTrue(upload.getMessage().contains("upload from the host"), upload.getMessage());
    IllegalStateException random = assertThrows(IllegalStateException.class,
        () -> StepGraph.capture(D, () -> Tensor.rand(new Generator(1), DType.FLOAT32, D, 8)));
    assertTrue(random.getMessage().contains("random numbers"), random.getMessage());
    assertThrows(IllegalArgumentException.class, () -> StepGraph.capture(D, () -> { }));
    assertThrows(IllegalArgumentException.class,
        () -> StepGraph.capture(Device.CPU, () -> { }));
    // The thread records nothing now: a capture works, and reads work after it.
    try (StepGraph g = StepGraph.capture(D, () -> loss(m, x, t).backward())) {
      assertTrue(g.recordedLaunches() > 0);
    }
    assertTrue(Double.isFinite(loss(m, x, t).item()));
  }

  @Test
  void aBadTargetInAReplayIsReportedAtTheNextRead() {
    Warm w = warmed(7);
    Module m = w.model();
    Tensor[] b = w.batch();
    Tensor x = w.x();
    Tensor t = w.t();
    Tensor[] out = new Tensor[1];
    try (StepGraph g = StepGraph.capture(D, () -> out[0] = loss(m, x, t))) {
      assertTrue(Double.isFinite(out[0].item()));
      long[] bad = b[1].toLongArray();
      bad[5] = 9;
      t.copy_(Tensor.of(bad, 12).to(D));
      g.replay();
      IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
          out[0]::item);
      assertTrue(e.getMessage().contains("target 9 at position 5"), e.getMessage());
      t.copy_(b[1].to(D));
      g.replay();
      assertTrue(Double.isFinite(out[0].item()));
    }
  }

  @Test
  void theStepsMemoryWaitsForClose() {
    GpuBackend backend = (GpuBackend) Backends.get(D);
    Warm w = warmed(8);
    Module m = w.model();
    Tensor x = w.x();
    Tensor t = w.t();
    m.zeroGrad();
    System.gc();
    long before = backend.allocator().memoryAllocated();
    StepGraph g;
    try (var scope = Tensor.scope()) {
      g = StepGraph.capture(D, () -> loss(m, x, t).backward());
    }
    // The step's activations are released with the scope but stay reserved for replays.
    long open = backend.allocator().memoryAllocated();
    assertTrue(open > before, "reserved while open: " + before + " -> " + open);
    Map<String, Tensor> grads = new java.util.HashMap<>();
    m.namedParameters().forEach((name, p) -> grads.put(name, p.grad()));
    g.replay();
    g.close();
    long closed = backend.allocator().memoryAllocated();
    assertTrue(closed < open, "freed at close: " + open + " -> " + closed);
    assertThrows(IllegalStateException.class, g::replay);
    // The gradients outlive the graph.
    grads.values().forEach(gr -> assertTrue(Double.isFinite(gr.sum().item())));
  }
}
