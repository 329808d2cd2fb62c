package dev.ember.examples;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code --name value} command-line arguments, checked against the names a job accepts. */
final class Args {
  private final Map<String, String> values;

  private Args(Map<String, String> values) {
    this.values = values;
  }

  /**
   * Parses {@code args} as {@code --name value} pairs.
   *
   * @throws IllegalArgumentException on an unknown name or a name without a value (the message
   *     lists the accepted names)
   */
  static Args parse(String[] args, String... accepted) {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!List.of(accepted).contains(args[i])) {
        throw new IllegalArgumentException("unknown argument '" + args[i] + "'; accepted: "
            + String.join(" ", accepted) + " (each followed by a value)");
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      values.put(args[i], args[++i]);
    }
    return new Args(values);
  }

  String value(String name, String otherwise) {
    return values.getOrDefault(name, otherwise);
  }

  int intValue(String name, int otherwise) {
    String v = values.get(name);
    if (v == null) {
      return otherwise;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " takes a whole number; got '" + v + "'", e);
    }
  }
}
