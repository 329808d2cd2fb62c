package dev.ember.autograd;

import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A node of the autograd graph: the backward of one operation, recorded when the operation ran.
 *
 * <p>A node receives the gradient of the loss with respect to its operation's output and returns
 * the gradients with respect to the operation's inputs; its edges ({@link #nextFunctions()}) lead
 * to the nodes of those inputs ({@code null} where an input does not require grad). After a
 * backward pass without {@code retainGraph}, nodes drop what they saved and cannot run again.
 */
public abstract class Node {
  private final String name;
  private final Node[] next;
  private boolean released;

  /**
   * Creates a node with one edge per input of the operation.
   *
   * @param name a PyTorch-style name such as {@code MulBackward}, used in error messages
   * @param next the nodes receiving the gradients of the inputs, {@code null} where not needed
   */
  protected Node(String name, Node[] next) {
    this.name = name;
    this.next = next.clone();
  }

  /** The operation's backward name, e.g. {@code MulBackward}. */
  public final String name() {
    return name;
  }

  /** The nodes this node sends gradients to, one per input ({@code null} if not needed). */
  public final List<Node> nextFunctions() {
    List<Node> l = new ArrayList<>(next.length);
    Collections.addAll(l, next);
    return Collections.unmodifiableList(l);
  }

  final Node[] edges() {
    return next;
  }

  /** Whether input {@code i} needs a gradient. */
  protected final boolean needsInputGrad(int i) {
    return next[i] != null;
  }

  /**
   * Computes the gradients of the inputs from the gradient of the output.
   *
   * @return one entry per input; entries for inputs that do not need a gradient may be null
   */
  protected abstract Tensor[] apply(Tensor gradOutput);

  /** Drops saved tensors; called once after a backward pass that does not retain the graph. */
  protected void releaseSaved() {}

  final Tensor[] run(Tensor gradOutput) {
    if (released) {
      throw new IllegalStateException(
          "Trying to backward through the graph a second time (or to use saved tensors after they"
              + " were freed) at " + name + ": pass retainGraph=true to the first backward call"
              + " if you need to backward twice");
    }
    return apply(gradOutput);
  }

  final void release() {
    if (!released) {
      released = true;
      releaseSaved();
    }
  }

  @Override
  public String toString() {
    return "<" + name + ">";
  }
}
