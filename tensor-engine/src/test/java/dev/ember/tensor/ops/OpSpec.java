package dev.ember.tensor.ops;

import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One op of the registry: how to run it from the golden file's inputs and args, which {@link
 * Tensor} methods it exercises, whether and how it is differentiated, and its tolerances.
 *
 * @param name the op's name in {@code ops.json}
 * @param covers the {@code Tensor} methods it calls, as {@code name(ParamType,...)} with simple
 *     type names ({@code int[]} for varargs), checked by {@link OpCoverageTest}
 * @param fn runs the op; multi-output ops (max(dim), chunk, split) return every piece
 * @param differentiable whether gradients are checked (golden and gradcheck)
 * @param gradInputs the inputs differentiated in gradcheck (null: every non-fixed input)
 * @param domains gradcheck domain per input index (absent: {@link Domain#ANY})
 * @param gradCases the gradcheck cases (shapes, layouts, args)
 * @param gradArgs args added to every gradcheck case
 * @param tol value tolerance against PyTorch
 * @param contiguousOnly why the op is not rerun on strided inputs, or null when it is
 * @param storage what the outputs' memory must be (checked on contiguous inputs)
 */
record OpSpec(
    String name,
    List<String> covers,
    Fn fn,
    boolean differentiable,
    int[] gradInputs,
    Map<Integer, Domain> domains,
    List<GradCase> gradCases,
    Args gradArgs,
    Tol tol,
    String contiguousOnly,
    Storage storage) {

  /** Runs an op on its tensor inputs and args; returns every output. */
  @FunctionalInterface
  interface Fn {
    List<Tensor> apply(List<Tensor> in, Args a);
  }

  /** A single-output op. */
  @FunctionalInterface
  interface Single {
    Tensor apply(List<Tensor> in, Args a);
  }

  /**
   * Tolerances {@code |actual - expected| <= atol + rtol * |expected|} for float32 and float64
   * results (integers and bools are always compared exactly).
   */
  enum Tol {
    /** Moves, copies, casts, selections: the same bits as PyTorch. */
    EXACT(0, 0, 0, 0),
    /**
     * One rounding per element: both libraries are within about 1 ulp of the true function
     * (PyTorch's SLEEF kernels vs Ember's), so a few float32 ulps, and 1e-12 in float64.
     */
    ELEMENTWISE(1e-5, 1e-6, 1e-12, 1e-14),
    /**
     * Sums of several terms (reductions, matmul, softmax; every gradient, which chains a few
     * roundings through formulas that are not PyTorch's kernels line by line): the summation order
     * differs from PyTorch's (vectorized, blocked), so errors grow with the number of terms and
     * with cancellation, measured against values of order 1 in these small cases.
     */
    REDUCTION(1e-4, 1e-5, 1e-10, 1e-12);

    final double rtol32;
    final double atol32;
    final double rtol64;
    final double atol64;

    Tol(double rtol32, double atol32, double rtol64, double atol64) {
      this.rtol32 = rtol32;
      this.atol32 = atol32;
      this.rtol64 = rtol64;
      this.atol64 = atol64;
    }
  }

  /** What the outputs' memory must be, checked on contiguous inputs. */
  enum Storage {
    /** Fresh memory, shared with no input: PyTorch allocates (every op not marked otherwise). */
    NEW,
    /** The memory of input 0: PyTorch returns a view (transpose, narrow, expand, ...). */
    VIEW,
    /** Not checked: the op may return an input itself ({@code to} of the same dtype). */
    ANY
  }

  /** One gradcheck input: a shape (strided or not) drawn from the domain, or a fixed tensor. */
  record Input(int[] shape, boolean strided, Supplier<Tensor> fixed) {
    @Override
    public String toString() {
      return fixed != null ? "fixed" : (strided ? "strided" : "") + Arrays.toString(shape);
    }
  }

  /** One gradcheck case: inputs and args. */
  record GradCase(String label, List<Input> inputs, Args args) {}

  /** A float64 input of this shape, contiguous. */
  static Input f(int... shape) {
    return new Input(shape, false, null);
  }

  /** A float64 input of this shape in a strided, non-contiguous layout ({@link Layouts}). */
  static Input s(int... shape) {
    return new Input(shape, true, null);
  }

  /** A constant input (indices, masks, conditions), never differentiated. */
  static Input fixed(Supplier<Tensor> t) {
    return new Input(null, false, t);
  }

  static GradCase gc(String label, Input... inputs) {
    return new GradCase(label, List.of(inputs), Args.NONE);
  }

  static GradCase gc(String label, Args args, Input... inputs) {
    return new GradCase(label, List.of(inputs), args);
  }

  /** Starts a single-output op. */
  static Builder op(String name, Single fn) {
    return new Builder(name, (in, a) -> List.of(fn.apply(in, a)));
  }

  /** Starts a multi-output op. */
  static Builder opN(String name, Fn fn) {
    return new Builder(name, fn);
  }

  /** Builds an {@link OpSpec}. */
  static final class Builder {
    private final String name;
    private final Fn fn;
    private final List<String> covers = new ArrayList<>();
    private boolean differentiable;
    private int[] gradInputs;
    private final Map<Integer, Domain> domains = new HashMap<>();
    private final List<GradCase> gradCases = new ArrayList<>();
    private Args gradArgs = Args.NONE;
    private Tol tol = Tol.ELEMENTWISE;
    private String contiguousOnly;
    private Storage storage = Storage.NEW;

    private Builder(String name, Fn fn) {
      this.name = name;
      this.fn = fn;
    }

    Builder covers(String... methods) {
      covers.addAll(List.of(methods));
      return this;
    }

    /** Differentiable, gradchecked on these cases. */
    Builder grad(List<GradCase> cases) {
      differentiable = true;
      gradCases.addAll(cases);
      return this;
    }

    Builder grad(GradCase... cases) {
      return grad(List.of(cases));
    }

    Builder gradInputs(int... inputs) {
      gradInputs = inputs;
      return this;
    }

    Builder gradArgs(Args args) {
      gradArgs = args;
      return this;
    }

    Builder domain(int input, Domain d) {
      domains.put(input, d);
      return this;
    }

    Builder tol(Tol t) {
      tol = t;
      return this;
    }

    /** The outputs are views of input 0. */
    Builder view() {
      storage = Storage.VIEW;
      return this;
    }

    Builder storage(Storage s) {
      storage = s;
      return this;
    }

    Builder contiguousOnly(String why) {
      contiguousOnly = why;
      return this;
    }

    OpSpec build() {
      if (covers.isEmpty()) {
        throw new IllegalStateException(name + " covers no Tensor method");
      }
      return new OpSpec(name, List.copyOf(covers), fn, differentiable, gradInputs, Map.copyOf(domains),
          List.copyOf(gradCases), gradArgs, tol, contiguousOnly, storage);
    }
  }
}
