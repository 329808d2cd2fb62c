package dev.ember.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.nn.Reduction;
import dev.ember.nn.Sequential;
import dev.ember.nn.activation.ReLU;
import dev.ember.nn.layers.Dropout;
import dev.ember.nn.layers.Linear;
import dev.ember.nn.norm.BatchNorm1d;
import dev.ember.optim.Adam;
import dev.ember.optim.Optimizer;
import dev.ember.optim.StepLR;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

class TrainingCheckpointTest {
  @TempDir Path dir;

  private static final Tensor X = Tensor.randn(new Generator(11), DType.FLOAT32, Device.CPU, 32, 6);
  private static final Tensor Y = Tensor.randint(new Generator(12), 0, 3, DType.INT64, Device.CPU, 32);

  /** A model with dropout (so the generator's state matters) and batch-norm buffers. */
  private static Module model(Generator init, Generator dropout) {
    return new Sequential(new Linear(6, 8, true, init), new BatchNorm1d(8), new ReLU(),
        new Dropout(0.3, dropout), new Linear(8, 3, true, init));
  }

  private static void steps(Module m, Optimizer opt, StepLR sched, int n) {
    for (int i = 0; i < n; i++) {
      try (Scope s = Tensor.scope()) {
        opt.zeroGrad();
        F.crossEntropy(m.forward(X), Y, null, -100, Reduction.MEAN, 0).backward();
        opt.step();
        sched.step();
      }
    }
  }

  /** With either engine: loading restores the dropout generator's state, engine included. */
  @ParameterizedTest
  @EnumSource(Generator.Engine.class)
  void resumingGivesTheSameModelAsAnUninterruptedRun(Generator.Engine engine) throws Exception {
    Generator drop = new Generator(5, engine);
    Module a = model(new Generator(1), drop);
    Adam optA = new Adam(a.parameters(), 0.01);
    StepLR schedA = new StepLR(optA, 2, 0.5);
    steps(a, optA, schedA, 3);
    Path ckpt = dir.resolve("ckpt.safetensors");
    TrainingCheckpoint.save(ckpt, 3, a, optA, schedA, drop);
    steps(a, optA, schedA, 4);

    Generator drop2 = new Generator(99);
    Module b = model(new Generator(2), drop2);
    Adam optB = new Adam(b.parameters(), 0.01);
    StepLR schedB = new StepLR(optB, 2, 0.5);
    assertEquals(3, TrainingCheckpoint.load(ckpt, b, optB, schedB, drop2));
    steps(b, optB, schedB, 4);

    for (Map.Entry<String, Tensor> e : a.stateDict().entrySet()) {
      assertTrue(e.getValue().equals(b.stateDict().get(e.getKey())), e.getKey());
    }
    assertEquals(optA.paramGroups().get(0).lr(), optB.paramGroups().get(0).lr());
  }

  @Test
  void weightsRoundTripWithPyTorchKeys() throws Exception {
    Module a = model(new Generator(1), new Generator(2));
    Path p = dir.resolve("w.safetensors");
    TrainingCheckpoint.saveWeights(a, p);
    assertTrue(SafeTensors.load(p).tensors().containsKey("1.running_mean"));
    Module b = model(new Generator(3), new Generator(4));
    TrainingCheckpoint.loadWeights(b, p);
    assertTrue(a.stateDict().get("4.weight").equals(b.stateDict().get("4.weight")));
  }

  @Test
  void aCheckpointThatDoesNotFitChangesNothing() throws Exception {
    Module small = model(new Generator(1), new Generator(2));
    Adam opt = new Adam(small.parameters(), 0.01);
    steps(small, opt, new StepLR(opt, 2, 0.5), 1);
    Path p = dir.resolve("c.safetensors");
    TrainingCheckpoint.save(p, 1, small, opt, null, null);

    Module other = model(new Generator(7), new Generator(8));
    Tensor before = other.stateDict().get("0.weight").clone();
    // the optimizer has one parameter group of a different size: fails after the model loaded
    Adam wrong = new Adam(other.parameters().subList(0, 2), 0.01);
    assertThrows(IllegalArgumentException.class,
        () -> TrainingCheckpoint.load(p, other, wrong, null, null));
    assertTrue(before.equals(other.stateDict().get("0.weight")), "model restored");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TrainingCheckpoint.load(p, other, null, new StepLR(wrong, 1, 0.1), null));
    assertTrue(e.getMessage().contains("no scheduler state"), e.getMessage());

    Path bad = dir.resolve("bad.safetensors");
    Files.write(bad, new byte[] {1, 2, 3});
    assertThrows(java.io.IOException.class, () -> TrainingCheckpoint.load(bad, other, null, null, null));
  }
}
