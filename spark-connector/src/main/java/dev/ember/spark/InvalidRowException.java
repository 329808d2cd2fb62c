package dev.ember.spark;

/**
 * A row that Ember cannot train on or score: null or non-finite features, a wrong length, a label
 * outside the classes. The message names the column and the first offending value.
 */
public class InvalidRowException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String column;

  /** A bad value in {@code column}; {@code problem} says what and where. */
  public InvalidRowException(String column, String problem) {
    super("column '" + column + "': " + problem);
    this.column = column;
  }

  /** The column holding the bad value. */
  public String column() {
    return column;
  }
}
