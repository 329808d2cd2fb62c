package dev.ember.autograd;

/** A try-with-resources scope that sets grad mode and restores the previous mode on close. */
public final class GradMode implements AutoCloseable {
  private final boolean previous;
  private boolean closed;

  GradMode(boolean enabled) {
    this.previous = Autograd.isGradEnabled();
    Autograd.setGradEnabled(enabled);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      Autograd.setGradEnabled(previous);
    }
  }
}
