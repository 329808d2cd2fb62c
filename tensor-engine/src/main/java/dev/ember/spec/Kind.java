package dev.ember.spec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A spec type (a layer, loss, optimizer or schedule kind) and its options, in the order they are
 * written: reads a JSON object or Java arguments into the canonical option values, with PyTorch's
 * defaults filled in.
 */
final class Kind {
  final String name;
  final List<Option> options;

  Kind(String name, Option... options) {
    this.name = name;
    this.options = List.of(options);
  }

  /**
   * The canonical values of {@code given} (keys without {@code "type"}), every option present, in
   * declaration order.
   *
   * @throws IllegalArgumentException prefixed with {@code where}: an unknown or missing key (with
   *     the list of what this kind accepts), a wrong type or a value outside its constraint
   */
  Map<String, Object> read(String where, Map<String, ?> given) {
    for (String k : given.keySet()) {
      if (options.stream().noneMatch(o -> o.key.equals(k))) {
        throw new IllegalArgumentException(
            where + ": unknown key \"" + k + "\"; " + accepts());
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Option o : options) {
      Object v;
      if (given.containsKey(o.key)) {
        v = o.read(where, given.get(o.key));
      } else if (o.dflt == null) {
        throw new IllegalArgumentException(
            where + ": missing key \"" + o.key + "\"; " + accepts());
      } else {
        v = o.dflt.apply(out);
      }
      out.put(o.key, v);
    }
    return Collections.unmodifiableMap(out);
  }

  /** {@code linear takes in, out, bias=true} or {@code relu takes no options}. */
  String accepts() {
    if (options.isEmpty()) {
      return name + " takes no options";
    }
    return name + " takes " + options.stream().map(Option::toString)
        .collect(Collectors.joining(", "));
  }

  /** The values for Java arguments given as alternating key, value. */
  static Map<String, Object> args(Object... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put((String) keyValues[i], keyValues[i + 1]);
    }
    return m;
  }

  /** {@code {"type": name, ...values}}, ready for {@link dev.ember.io.Json#write}. */
  static Map<String, Object> toJson(String type, Map<String, Object> values) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", type);
    m.putAll(values);
    return m;
  }

  /** The names of {@code kinds}, comma separated, for "accepted types" lists. */
  static String names(Map<String, Kind> kinds) {
    return String.join(", ", new ArrayList<>(kinds.keySet()));
  }
}
