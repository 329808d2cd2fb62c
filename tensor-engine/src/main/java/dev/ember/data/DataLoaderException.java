package dev.ember.data;

/**
 * A batch of a {@link DataLoader} could not be made: the message names the batch, its epoch, its
 * dataset indices and the thread that failed; the cause is the original exception.
 */
public final class DataLoaderException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An exception with a message and the original cause. */
  public DataLoaderException(String message, Throwable cause) {
    super(message, cause);
  }
}
