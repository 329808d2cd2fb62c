package dev.ember.spec;

import dev.ember.io.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A spec of one of several types with options (a loss, an optimizer, a schedule): the type and
 * its canonical option values, read from a bare type name or a JSON object {@code
 * {"type":...,options}}.
 *
 * @param type the type name, as written
 * @param values every option of the type, in declaration order
 */
record Typed(String type, Map<String, Object> values) {

  /**
   * Reads {@code nameOrJson}: a bare type name (every option at its default) or a JSON object.
   *
   * @param what what is read, for messages: {@code loss}, {@code optimizer}, {@code schedule}
   * @throws IllegalArgumentException for malformed JSON, an unknown type, or an unknown key, a
   *     missing key, a wrong value type or a value outside its range (naming the key and listing
   *     what the type accepts)
   */
  static Typed read(String what, String nameOrJson, Map<String, Kind> kinds) {
    if (nameOrJson == null) {
      throw new IllegalArgumentException(what + " spec is null; give a name (one of "
          + Kind.names(kinds) + ") or a JSON object {\"type\":...}");
    }
    String text = nameOrJson.strip();
    if (!text.startsWith("{")) {
      return of(what, text, Map.of(), kinds);
    }
    Object json;
    try {
      json = Json.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " JSON is malformed: " + e.getMessage(), e);
    }
    return fromJson(what, json, kinds);
  }

  /** Reads a parsed JSON value: a type name string or an object; see {@link #read}. */
  static Typed fromJson(String what, Object json, Map<String, Kind> kinds) {
    if (json instanceof String name) {
      return of(what, name, Map.of(), kinds);
    }
    if (!(json instanceof Map<?, ?> obj)) {
      throw new IllegalArgumentException(what + " must be a name or a JSON object"
          + " {\"type\":...}, got " + Option.describe(json));
    }
    Object type = obj.get("type");
    if (!(type instanceof String t)) {
      throw new IllegalArgumentException(what + ": key \"type\" must be a string, got "
          + (obj.containsKey("type") ? Option.describe(type) : "nothing") + "; accepted types: "
          + Kind.names(kinds));
    }
    Map<String, Object> options = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : obj.entrySet()) {
      if (!e.getKey().equals("type")) {
        options.put((String) e.getKey(), e.getValue());
      }
    }
    return of(what, t, options, kinds);
  }

  /** The spec of type {@code type} with the given options (JSON values or Java arguments). */
  static Typed of(String what, String type, Map<String, ?> options, Map<String, Kind> kinds) {
    Kind k = kinds.get(type);
    if (k == null) {
      throw new IllegalArgumentException(what + ": unknown type \"" + type
          + "\"; accepted types: " + Kind.names(kinds));
    }
    return new Typed(type, k.read(where(what, type), options));
  }

  /** {@code loss (crossEntropy)}: how messages about this spec begin. */
  static String where(String what, String type) {
    return what + " (" + type + ")";
  }

  /** {@code {"type":...,options}} with every option. */
  Map<String, Object> toJsonMap() {
    return Kind.toJson(type, values);
  }

  double d(String key) {
    return (Double) values.get(key);
  }

  Double nullableDouble(String key) {
    return (Double) values.get(key);
  }

  int i(String key) {
    return (Integer) values.get(key);
  }

  Integer nullableInt(String key) {
    return (Integer) values.get(key);
  }

  boolean b(String key) {
    return (Boolean) values.get(key);
  }

  String s(String key) {
    return (String) values.get(key);
  }
}
