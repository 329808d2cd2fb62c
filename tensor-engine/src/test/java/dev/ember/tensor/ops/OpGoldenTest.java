package dev.ember.tensor.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.autograd.Autograd;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Tensor;
import dev.ember.tensor.ops.Golden.Case;
import dev.ember.tensor.ops.Golden.GTensor;
import dev.ember.tensor.ops.OpSpec.Tol;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of {@code golden/ops.json} against PyTorch 1.13: the outputs' dtype, shape and values;
 * the same again with every input in a strided, non-contiguous layout ({@link Layouts}); and for
 * differentiable cases, the input gradients after a backward pass with the recorded upstream
 * gradients, in both layouts.
 *
 * <p>This is also the backend conformance suite: a backend's test subclasses it and overrides
 * {@link #device()}, and every case then runs with its inputs, upstream gradients and in-place
 * destinations on that device, against the same values and tolerances as the CPU.
 */
public class OpGoldenTest {

  /** The device the cases run on. */
  protected Device device() {
    return Device.CPU;
  }

  @Test
  public void goldenFileComesFromTorch113AndMatchesTheRegistry() {
    assertTrue(Golden.torchVersion().startsWith("1.13"), Golden.torchVersion());
    List<String> unknown = Golden.cases().stream().map(Case::op).distinct()
        .filter(op -> OpRegistry.get(op) == null).toList();
    assertTrue(unknown.isEmpty(), "golden ops missing from OpRegistry: " + unknown);
    List<String> untested = OpRegistry.specs().keySet().stream()
        .filter(op -> Golden.cases().stream().noneMatch(c -> c.op().equals(op))).toList();
    assertTrue(untested.isEmpty(), "registry ops without golden cases: " + untested);
  }

  @TestFactory
  public Stream<DynamicTest> golden() {
    // -Dember.golden.filter=<regex on the case id> runs a subset (while working on one backend).
    String filter = System.getProperty("ember.golden.filter", "");
    return Golden.cases().stream()
        .filter(c -> filter.isEmpty() || java.util.regex.Pattern.compile(filter).matcher(c.id()).find())
        .map(c -> DynamicTest.dynamicTest(c.id(), () -> run(c, device())));
  }

  private static void run(Case c, Device device) {
    OpSpec spec = OpRegistry.get(c.op());
    assertNotNull(spec, "no spec for op " + c.op());
    try (var scope = Tensor.scope()) {
      check(c, spec, "contiguous", t -> t.to(device));
      if (spec.contiguousOnly() == null && !c.inputs().isEmpty()) {
        check(c, spec, "strided", t -> {
          Tensor s = Layouts.strided(t.to(device));
          assertTrue(s.numel() <= 1 || !s.isContiguous(),
              () -> "strided copy is contiguous: " + s.describe());
          return s;
        });
      }
    }
  }

  /** Runs the case with the inputs in one layout: forward, then backward if differentiable. */
  private static void check(Case c, OpSpec spec, String layout, UnaryOperator<Tensor> lay) {
    List<Tensor> inputs = inputs(c, lay);
    List<Tensor> outs = spec.fn().apply(inputs, c.args());
    assertEquals(c.outputs().size(), outs.size(), layout + ": number of outputs");
    for (int i = 0; i < outs.size(); i++) {
      assertMatches(layout + " output " + i, c.outputs().get(i), outs.get(i), spec.tol(), false,
          c.toleranceFactor());
    }
    if (layout.equals("contiguous")) {
      checkStorage(spec, inputs, outs);
    }
    // An op must not write into its inputs (in-place ops work on a copy, see OpRegistry).
    for (int i = 0; i < inputs.size(); i++) {
      Golden.assertMatches(layout + " input " + i + " after the op", c.inputs().get(i), inputs.get(i), 0, 0);
    }
    if (!c.hasGrads()) {
      return;
    }
    assertTrue(spec.differentiable(), "golden case has gradients but the spec is not differentiable");
    List<Tensor> leaves = inputs(c, lay);
    for (int i = 0; i < leaves.size(); i++) {
      if (c.grads().get(i) != null) {
        leaves.get(i).requiresGrad(true);
      }
    }
    List<Tensor> results = spec.fn().apply(leaves, c.args());
    List<Tensor> roots = new ArrayList<>();
    List<Tensor> upstream = new ArrayList<>();
    for (int i = 0; i < results.size(); i++) {
      GTensor up = c.upstream().get(i);
      if (up != null) {
        assertTrue(results.get(i).requiresGrad(), layout + ": output " + i + " does not require grad");
        roots.add(results.get(i));
        upstream.add(lay.apply(up.toTensor()));
      }
    }
    Autograd.backward(roots, upstream, false, false);
    for (int i = 0; i < leaves.size(); i++) {
      GTensor expected = c.grads().get(i);
      if (expected == null) {
        continue;
      }
      Tensor g = leaves.get(i).grad();
      // No gradient reached the input (it does not influence the outputs): PyTorch's zeros.
      Tensor actual = g != null ? g : Tensor.zerosLike(leaves.get(i));
      assertFalse(actual.requiresGrad(), "a gradient must not require grad without createGraph");
      // A float64 input's gradient is only as precise as the float32 computation it went through.
      boolean float32 = Stream.concat(c.inputs().stream(), c.outputs().stream())
          .anyMatch(t -> t.dtype() == DType.FLOAT32);
      assertMatches(layout + " gradient of input " + i, expected, actual, Tol.REDUCTION, float32,
          c.toleranceFactor());
    }
  }

  /** Views share input 0's memory; other ops return fresh memory (see {@link OpSpec.Storage}). */
  private static void checkStorage(OpSpec spec, List<Tensor> inputs, List<Tensor> outs) {
    for (int i = 0; i < outs.size(); i++) {
      Tensor out = outs.get(i);
      switch (spec.storage()) {
        case VIEW -> assertSame(inputs.get(0).storage(), out.storage(),
            "output " + i + " is not a view of input 0");
        case NEW -> {
          for (int k = 0; k < inputs.size(); k++) {
            assertNotSame(inputs.get(k).storage(), out.storage(),
                "output " + i + " shares the memory of input " + k);
          }
        }
        case ANY -> { }
        default -> throw new IllegalStateException(spec.storage().name());
      }
    }
  }

  private static List<Tensor> inputs(Case c, UnaryOperator<Tensor> lay) {
    List<Tensor> out = new ArrayList<>();
    for (GTensor t : c.inputs()) {
      out.add(lay.apply(t.toTensor()));
    }
    return out;
  }

  private static void assertMatches(String what, GTensor expected, Tensor actual, Tol tol,
      boolean float32, double factor) {
    boolean f64 = expected.dtype() == DType.FLOAT64 && !float32;
    Golden.assertMatches(what, expected, actual, factor * (f64 ? tol.rtol64 : tol.rtol32),
        factor * (f64 ? tol.atol64 : tol.atol32));
  }
}
