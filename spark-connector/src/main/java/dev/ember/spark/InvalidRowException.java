package dev.ember.spark;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A row that Ember cannot train on or score: null or non-finite features, a wrong length, a label
 * outside the classes. The message names the column and the first offending value.
 */
public class InvalidRowException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String column;
  private final String problem;

  /** A bad value in {@code column}; {@code problem} says what and where. */
  public InvalidRowException(String column, String problem) {
    this(column, problem, null);
  }

  /** A bad value in {@code column}, reported on behalf of {@code cause}. */
  public InvalidRowException(String column, String problem, Throwable cause) {
    super("column '" + column + "': " + problem, cause);
    this.column = column;
    this.problem = problem;
  }

  /** The column holding the bad value. */
  public String column() {
    return column;
  }

  /** The message without the column: what is wrong and, where known, where. */
  public String problem() {
    return problem;
  }

  /**
   * The first {@code InvalidRowException} in {@code t}'s cause chain, copied so that it can be
   * thrown on the driver with {@code t} as its cause (same column and message).
   *
   * <p>A task's exception reaches the driver wrapped in a {@code SparkException} whose message
   * holds the executor's stack trace; rethrowing the copy lets the user catch the type and read
   * the one-line message.
   */
  public static Optional<InvalidRowException> findIn(Throwable t) {
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    for (Throwable c = t; c != null && seen.put(c, Boolean.TRUE) == null; c = c.getCause()) {
      if (c instanceof InvalidRowException e) {
        return Optional.of(new InvalidRowException(e.column, e.problem, t));
      }
    }
    return Optional.empty();
  }
}
