package dev.ember.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Deterministic release of temporaries: every tensor created on this thread while a scope is open
 * belongs to the innermost scope, and closing the scope releases the memory of all of them except
 * those that escaped with {@link Tensor#keep()} (which moves a tensor to the enclosing scope, or
 * out of all scopes). A released tensor cannot be used again.
 *
 * <pre>{@code
 * try (var s = Tensor.scope()) {
 *   Tensor loss = model.forward(x).sub(y).pow(2).mean();
 *   loss.backward();
 *   lastLoss = loss.keep();   // survives the scope
 * }
 * }</pre>
 *
 * <p>Tensors created outside any scope (model parameters, optimizer state) are freed by the
 * garbage collector. On the CPU a scope only makes lifetimes explicit; on a GPU it returns device
 * buffers to the pool at once.
 */
public final class Scope implements AutoCloseable {
  private static final ThreadLocal<Deque<Scope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

  private final Scope parent;
  private final Thread owner;
  private List<Tensor> tensors = new ArrayList<>();
  private boolean closed;

  Scope() {
    Deque<Scope> stack = STACK.get();
    this.parent = stack.peek();
    this.owner = Thread.currentThread();
    stack.push(this);
  }

  /** The innermost open scope of this thread, or null. */
  static Scope current() {
    return STACK.get().peek();
  }

  void add(Tensor t) {
    tensors.add(t);
  }

  /** The scope a tensor moves to when kept: the enclosing one, or none. */
  Scope parent() {
    return parent;
  }

  /** Whether the scope is closed. */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Releases every tensor created in this scope that was not kept.
   *
   * @throws IllegalStateException if called from another thread, or while an inner scope is open
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    if (Thread.currentThread() != owner) {
      throw new IllegalStateException("a scope must be closed by the thread that opened it");
    }
    Deque<Scope> stack = STACK.get();
    if (stack.peek() != this) {
      throw new IllegalStateException("scopes must be closed innermost first");
    }
    stack.pop();
    closed = true;
    List<Tensor> list = tensors;
    tensors = null;
    for (Tensor t : list) {
      if (t.ownerScope() == this) {
        t.releaseFromScope();
      }
    }
  }
}
