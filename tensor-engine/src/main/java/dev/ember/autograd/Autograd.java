package dev.ember.autograd;

import dev.ember.tensor.Tensor;
import java.util.List;

/**
 * Entry points of define-by-run automatic differentiation.
 *
 * <p>Every differentiable operation on tensors that require grad records a {@link Node}; {@link
 * Tensor#backward()} or {@link #backward} walks the graph in reverse topological order, and
 * {@link #grad} returns gradients without touching {@code .grad}. Grad mode is per thread.
 */
public final class Autograd {
  private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

  private Autograd() {}

  /** Whether operations on this thread currently record the graph. */
  public static boolean isGradEnabled() {
    return ENABLED.get()[0];
  }

  /** Turns recording on or off for this thread; prefer the scoped {@link #noGrad()}. */
  public static void setGradEnabled(boolean enabled) {
    ENABLED.get()[0] = enabled;
  }

  /**
   * A scope in which nothing is recorded (like {@code torch.no_grad()}); closing it restores the
   * previous mode.
   *
   * <pre>{@code try (var g = Autograd.noGrad()) { w.sub_(w.grad().mul(lr)); }}</pre>
   */
  public static GradMode noGrad() {
    return new GradMode(false);
  }

  /** A scope in which recording is on, e.g. inside a {@link #noGrad()} scope. */
  public static GradMode enableGrad() {
    return new GradMode(true);
  }

  /** Whether an operation on these inputs must record a node: grad mode is on and one requires grad. */
  public static boolean needsGrad(Tensor... inputs) {
    if (!isGradEnabled()) {
      return false;
    }
    for (Tensor t : inputs) {
      if (t != null && t.requiresGrad()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Records the backward of an operation: attaches a node to {@code output} with one edge per
   * input. Does nothing unless {@link #needsGrad} holds for the inputs.
   *
   * @param name the backward's name, e.g. {@code MulBackward}
   * @param output the operation's result (a fresh tensor, not a view)
   * @param backward the gradients of the inputs given the output's gradient
   * @param inputs the operation's tensor inputs, in the order {@code backward} returns gradients
   */
  public static void record(String name, Tensor output, Backward backward, Tensor... inputs) {
    if (!output.dtype().isFloatingPoint()) {
      return;
    }
    Node node = node(name, backward, inputs);
    if (node != null) {
      output.attachGradFn(node);
    }
  }

  /**
   * A node for an operation on {@code inputs}, or null if none is needed (see {@link #needsGrad});
   * for operators that attach the node themselves (in-place rewrites of history).
   */
  public static Node node(String name, Backward backward, Tensor... inputs) {
    if (!needsGrad(inputs)) {
      return null;
    }
    Node[] next = new Node[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      next[i] = inputs[i] == null ? null : inputs[i].gradEdge();
    }
    return new FunctionNode(name, next, backward, inputs);
  }

  /**
   * Computes the gradients of {@code roots} with respect to every leaf that requires grad and
   * accumulates them into the leaves' {@code grad}.
   *
   * @param roots the tensors to differentiate
   * @param grads their gradients (null entries allowed for scalar roots, meaning 1)
   * @param retainGraph keep the graph so it can be walked again
   * @param createGraph record the backward itself, for higher-order gradients
   */
  public static void backward(
      List<Tensor> roots, List<Tensor> grads, boolean retainGraph, boolean createGraph) {
    Engine.run(roots, grads, retainGraph, createGraph, null, false);
  }

  /**
   * The gradients of {@code outputs} (scalars) with respect to {@code inputs}, without touching
   * any {@code grad} field; like {@code torch.autograd.grad}.
   *
   * @throws IllegalArgumentException if an input was not used to compute the outputs
   */
  public static List<Tensor> grad(List<Tensor> outputs, List<Tensor> inputs) {
    return grad(outputs, inputs, null, false, false, false);
  }

  /**
   * The gradients of {@code outputs} with respect to {@code inputs}, like {@code
   * torch.autograd.grad}.
   *
   * @param gradOutputs the outputs' gradients (null, or null entries, for scalar outputs)
   * @param retainGraph keep the graph for another pass
   * @param createGraph record the backward, so the results can be differentiated again
   * @param allowUnused return null for inputs the outputs do not depend on, instead of failing
   */
  public static List<Tensor> grad(
      List<Tensor> outputs,
      List<Tensor> inputs,
      List<Tensor> gradOutputs,
      boolean retainGraph,
      boolean createGraph,
      boolean allowUnused) {
    return Engine.run(outputs, gradOutputs, retainGraph, createGraph, inputs, allowUnused);
  }
}
