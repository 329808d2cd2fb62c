package dev.ember.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal JSON reader for the golden files (test code only, so no dependency is added; a copy
 * of {@code dev.ember.tensor.ops.Json}, which is package-private there).
 *
 * <p>Objects become {@link LinkedHashMap}s, arrays {@link ArrayList}s, strings {@link String}s,
 * {@code true}/{@code false} {@link Boolean}s and {@code null} null. Numbers become {@link Num},
 * which keeps the literal text: a float32 value must be read with {@link Float#parseFloat} from
 * the shortest decimal the generator wrote (going through double first could round twice), and
 * integers must stay exact up to 2^63.
 */
final class Json {
  private final String s;
  private int pos;

  private Json(String s) {
    this.s = s;
  }

  /** A JSON number, as written. */
  record Num(String text) {
    /** Whether the literal is an integer (no fraction, no exponent). */
    boolean isIntegral() {
      return text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0;
    }

    long asLong() {
      return Long.parseLong(text);
    }

    double asDouble() {
      return Double.parseDouble(text);
    }

    float asFloat() {
      return Float.parseFloat(text);
    }

    /** A Long for an integer literal, else a Double: Java's scalar kinds, as Python's int/float. */
    Number asNumber() {
      return isIntegral() ? (Number) asLong() : (Number) asDouble();
    }

    @Override
    public String toString() {
      return text;
    }
  }

  /**
   * Parses one JSON document.
   *
   * @throws IllegalArgumentException naming the offset of a syntax error
   */
  static Object parse(String text) {
    Json p = new Json(text);
    Object v = p.value();
    p.skipWs();
    if (p.pos != p.s.length()) {
      throw p.error("trailing characters");
    }
    return v;
  }

  private Object value() {
    skipWs();
    if (pos >= s.length()) {
      throw error("unexpected end of input");
    }
    char c = s.charAt(pos);
    switch (c) {
      case '{':
        return object();
      case '[':
        return array();
      case '"':
        return string();
      case 't':
        return literal("true", Boolean.TRUE);
      case 'f':
        return literal("false", Boolean.FALSE);
      case 'n':
        return literal("null", null);
      default:
        return number();
    }
  }

  private Map<String, Object> object() {
    Map<String, Object> m = new LinkedHashMap<>();
    pos++;
    skipWs();
    if (peek() == '}') {
      pos++;
      return m;
    }
    while (true) {
      skipWs();
      String key = string();
      skipWs();
      expect(':');
      m.put(key, value());
      skipWs();
      if (peek() == ',') {
        pos++;
      } else {
        expect('}');
        return m;
      }
    }
  }

  private List<Object> array() {
    List<Object> list = new ArrayList<>();
    pos++;
    skipWs();
    if (peek() == ']') {
      pos++;
      return list;
    }
    while (true) {
      list.add(value());
      skipWs();
      if (peek() == ',') {
        pos++;
      } else {
        expect(']');
        return list;
      }
    }
  }

  private String string() {
    expect('"');
    StringBuilder b = new StringBuilder();
    while (true) {
      if (pos >= s.length()) {
        throw error("unterminated string");
      }
      char c = s.charAt(pos++);
      if (c == '"') {
        return b.toString();
      }
      if (c != '\\') {
        b.append(c);
        continue;
      }
      char e = s.charAt(pos++);
      switch (e) {
        case 'n' -> b.append('\n');
        case 't' -> b.append('\t');
        case 'r' -> b.append('\r');
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'u' -> {
          b.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
          pos += 4;
        }
        default -> b.append(e); // \" \\ \/
      }
    }
  }

  private Num number() {
    int start = pos;
    while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
      pos++;
    }
    if (start == pos) {
      throw error("unexpected character '" + s.charAt(pos) + "'");
    }
    return new Num(s.substring(start, pos));
  }

  private Object literal(String word, Object v) {
    if (!s.startsWith(word, pos)) {
      throw error("expected " + word);
    }
    pos += word.length();
    return v;
  }

  private void expect(char c) {
    if (peek() != c) {
      throw error("expected '" + c + "'");
    }
    pos++;
  }

  private char peek() {
    return pos < s.length() ? s.charAt(pos) : '\0';
  }

  private void skipWs() {
    while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
      pos++;
    }
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException("JSON: " + what + " at offset " + pos);
  }
}
