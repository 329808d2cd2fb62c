package dev.ember.autograd;

import dev.ember.tensor.Tensor;

/** The node of a leaf tensor that requires grad: adds what arrives into the leaf's {@code grad}. */
public final class AccumulateGrad extends Node {
  private final Tensor leaf;

  /** Creates the accumulator of {@code leaf} (one per leaf; see {@link Tensor#gradEdge()}). */
  public AccumulateGrad(Tensor leaf) {
    super("AccumulateGrad", new Node[0]);
    this.leaf = leaf;
  }

  /** The leaf tensor. */
  public Tensor variable() {
    return leaf;
  }

  @Override
  protected Tensor[] apply(Tensor grad) {
    accumulate(grad, false);
    return new Tensor[0];
  }

  /**
   * Adds {@code grad} into the leaf's {@code grad}. With {@code owned} (the engine found no other
   * gradient of the pass in its memory, and no graph of the gradient is being built) a leaf with
   * no gradient yet keeps {@code grad} itself instead of a copy.
   */
  void accumulate(Tensor grad, boolean owned) {
    Tensor old = leaf.grad();
    if (old == null && owned && !grad.requiresGrad()) {
      leaf.setGrad(grad);
    } else if (old == null) {
      // A fresh copy: the incoming gradient may be a broadcast view, or the very tensor another
      // leaf receives, and .grad is later accumulated into in place. Detached unless a graph of
      // the gradient is being built (createGraph), so .grad never drags the graph along.
      Tensor g = Autograd.isGradEnabled() ? grad.clone() : grad.detach().clone();
      leaf.setGrad(g);
    } else if (Autograd.isGradEnabled()) {
      leaf.setGrad(old.add(grad));
    } else {
      old.add_(grad);
    }
  }
}
