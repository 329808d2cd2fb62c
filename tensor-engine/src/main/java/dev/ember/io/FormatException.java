package dev.ember.io;

import java.io.IOException;

/**
 * Data that does not follow its format: a bad magic number, a truncated file, an inconsistent
 * header, a value that does not parse. The message names the file (or stream), and the tensor,
 * row or column at fault.
 */
public final class FormatException extends IOException {
  private static final long serialVersionUID = 1L;

  /** An exception with the given message. */
  public FormatException(String message) {
    super(message);
  }

  /** An exception with the given message and cause. */
  public FormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
