package dev.ember.tensor.ops;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.autograd.GradCheck;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import dev.ember.tensor.ops.OpSpec.GradCase;
import dev.ember.tensor.ops.OpSpec.Input;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Gradcheck (central differences in float64) of every differentiable op of the registry, on every
 * gradcheck case of its spec, with inputs from three seeds mapped into the op's domain: a
 * backward that is right only for one draw of the inputs fails for another.
 */
class OpGradCheckTest {
  private static final long[] SEEDS = {1, 2, 3};

  @Test
  void everyDifferentiableOpHasPlainAndStridedCases() {
    for (OpSpec spec : OpRegistry.specs().values()) {
      if (!spec.differentiable()) {
        continue;
      }
      assertFalse(spec.gradCases().isEmpty(), spec.name() + " has no gradcheck cases");
      assertTrue(spec.gradCases().stream().anyMatch(c -> c.inputs().stream().anyMatch(Input::strided)),
          spec.name() + " has no gradcheck case with a non-contiguous input");
    }
  }

  @TestFactory
  Stream<DynamicTest> gradcheck() {
    return OpRegistry.specs().values().stream().filter(OpSpec::differentiable)
        .flatMap(spec -> spec.gradCases().stream().flatMap(gc -> Arrays.stream(SEEDS).mapToObj(seed ->
            DynamicTest.dynamicTest(spec.name() + " / " + gc.label() + " " + gc.inputs() + " seed " + seed,
                () -> check(spec, gc, seed)))));
  }

  private static void check(OpSpec spec, GradCase gc, long seed) {
    try (var scope = Tensor.scope()) {
      Generator gen = new Generator(seed);
      Tensor[] inputs = new Tensor[gc.inputs().size()];
      for (int i = 0; i < inputs.length; i++) {
        Input in = gc.inputs().get(i);
        if (in.fixed() != null) {
          inputs[i] = in.fixed().get();
          continue;
        }
        Tensor raw = Tensor.randn(gen, DType.FLOAT64, Device.CPU, in.shape());
        Tensor x = spec.domains().getOrDefault(i, Domain.ANY).map(raw, gen);
        inputs[i] = in.strided() ? Layouts.strided(x) : x.detach();
        if (differentiated(spec, gc, i)) {
          inputs[i].requiresGrad(true);
        }
      }
      Args args = spec.gradArgs().with(gc.args());
      GradCheck.check(in -> floatingResult(spec.fn().apply(Arrays.asList(in), args)), inputs);
    }
  }

  private static boolean differentiated(OpSpec spec, GradCase gc, int i) {
    return spec.gradInputs() == null || IntStream.of(spec.gradInputs()).anyMatch(k -> k == i);
  }

  /** The op's floating-point result; several (max(dim), chunk, split) are flattened and joined. */
  private static Tensor floatingResult(List<Tensor> outs) {
    List<Tensor> floats = new ArrayList<>();
    for (Tensor t : outs) {
      if (t.dtype().isFloatingPoint()) {
        floats.add(t);
      }
    }
    if (floats.size() == 1) {
      return floats.get(0);
    }
    return Tensor.cat(floats.stream().map(t -> t.reshape(-1)).toList(), 0);
  }
}
