package dev.ember.io;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON reader and writer for file headers (safetensors, checkpoints), so that the
 * tensor engine needs no JSON library.
 *
 * <p>Reading: objects become {@link LinkedHashMap}s in document order (a repeated key is an
 * error), arrays {@link ArrayList}s, strings {@link String}s, {@code true}/{@code false} {@link
 * Boolean}s, {@code null} null; an integer literal becomes a {@link Long} (a {@link BigInteger}
 * beyond the long range, so that a huge offset is reported as such, not rounded), any other number
 * a {@link Double}. Writing takes the same types (plus {@link Integer} and {@link Float}) and
 * produces compact JSON.
 *
 * <p>Public so that the specs of {@code dev.ember.spec} (networks, losses, optimizers, schedules
 * held as Spark ML string params) share this one strict reader instead of a JSON library.
 */
public final class Json {
  /** Deeper nesting than any header needs; guards the recursive reader against hostile input. */
  private static final int MAX_DEPTH = 256;

  private final String s;
  private int pos;
  private int depth;

  private Json(String s) {
    this.s = s;
  }

  /**
   * Parses one JSON document (surrounding whitespace allowed).
   *
   * @throws IllegalArgumentException naming the character offset of the first syntax error
   */
  public static Object parse(String text) {
    Json p = new Json(text);
    p.skipWs();
    Object v = p.value();
    p.skipWs();
    if (p.pos != p.s.length()) {
      throw p.error("unexpected '" + p.s.charAt(p.pos) + "' after the document");
    }
    return v;
  }

  private Object value() {
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
        if (c == '-' || (c >= '0' && c <= '9')) {
          return number();
        }
        throw error("unexpected '" + c + "'");
    }
  }

  private Map<String, Object> object() {
    enter();
    Map<String, Object> m = new LinkedHashMap<>();
    pos++;
    skipWs();
    if (peek() == '}') {
      pos++;
      depth--;
      return m;
    }
    while (true) {
      skipWs();
      if (peek() != '"') {
        throw error("expected a string key");
      }
      int keyAt = pos;
      String key = string();
      skipWs();
      expect(':');
      skipWs();
      Object v = value();
      if (m.containsKey(key)) {
        pos = keyAt;
        throw error("duplicate key \"" + key + "\"");
      }
      m.put(key, v);
      skipWs();
      if (peek() == ',') {
        pos++;
      } else {
        expect('}');
        depth--;
        return m;
      }
    }
  }

  private List<Object> array() {
    enter();
    List<Object> list = new ArrayList<>();
    pos++;
    skipWs();
    if (peek() == ']') {
      pos++;
      depth--;
      return list;
    }
    while (true) {
      skipWs();
      list.add(value());
      skipWs();
      if (peek() == ',') {
        pos++;
      } else {
        expect(']');
        depth--;
        return list;
      }
    }
  }

  private void enter() {
    if (++depth > MAX_DEPTH) {
      throw error("nesting deeper than " + MAX_DEPTH);
    }
  }

  private String string() {
    pos++; // the opening quote
    StringBuilder b = new StringBuilder();
    while (true) {
      if (pos >= s.length()) {
        throw error("unterminated string");
      }
      char c = s.charAt(pos++);
      if (c == '"') {
        return b.toString();
      }
      if (c < 0x20) {
        pos--;
        throw error("control character U+" + String.format("%04X", (int) c) + " in a string");
      }
      if (c != '\\') {
        b.append(c);
        continue;
      }
      if (pos >= s.length()) {
        throw error("unterminated string");
      }
      char e = s.charAt(pos++);
      switch (e) {
        case '"' -> b.append('"');
        case '\\' -> b.append('\\');
        case '/' -> b.append('/');
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case 'u' -> {
          if (pos + 4 > s.length()) {
            throw error("truncated \\u escape");
          }
          int code = 0;
          for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(pos + i), 16);
            if (d < 0) {
              throw error("bad \\u escape");
            }
            code = code * 16 + d;
          }
          b.append((char) code);
          pos += 4;
        }
        default -> {
          pos -= 2;
          throw error("bad escape \\" + e);
        }
      }
    }
  }

  /** A number per RFC 8259: {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?}. */
  private Object number() {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    if (peek() == '0') {
      pos++;
    } else if (isDigit(peek())) {
      while (isDigit(peek())) {
        pos++;
      }
    } else {
      throw error("bad number");
    }
    boolean integral = true;
    if (peek() == '.') {
      integral = false;
      pos++;
      if (!isDigit(peek())) {
        throw error("bad number: no digit after '.'");
      }
      while (isDigit(peek())) {
        pos++;
      }
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      if (!isDigit(peek())) {
        throw error("bad number: no digit in the exponent");
      }
      while (isDigit(peek())) {
        pos++;
      }
    }
    String text = s.substring(start, pos);
    if (!integral) {
      return Double.parseDouble(text);
    }
    BigInteger big = new BigInteger(text);
    return big.bitLength() < 64 ? (Object) big.longValue() : big;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private Object literal(String word, Object v) {
    if (!s.startsWith(word, pos)) {
      throw error("unexpected '" + s.charAt(pos) + "'");
    }
    pos += word.length();
    return v;
  }

  private void expect(char c) {
    if (peek() != c) {
      throw error(pos >= s.length() ? "unexpected end of input, expected '" + c + "'"
          : "expected '" + c + "', got '" + s.charAt(pos) + "'");
    }
    pos++;
  }

  private char peek() {
    return pos < s.length() ? s.charAt(pos) : '\0';
  }

  private void skipWs() {
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException(what + " at offset " + pos);
  }

  // ---------------------------------------------------------------------------------------------
  // Writing

  /**
   * Compact JSON for a value built of maps with string keys, lists, strings, booleans, null,
   * integers ({@link Integer}, {@link Long}, {@link BigInteger}) and finite {@link Float}s or
   * {@link Double}s. A float is written as its shortest float decimal, so it reads back exactly
   * with {@link Float#parseFloat}.
   *
   * @throws IllegalArgumentException for a non-finite number, a non-string key or another type
   */
  public static String write(Object value) {
    StringBuilder b = new StringBuilder();
    write(b, value);
    return b.toString();
  }

  private static void write(StringBuilder b, Object v) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof String str) {
      quote(b, str);
    } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long
        || v instanceof BigInteger) {
      b.append(v);
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (!Double.isFinite(d)) {
        throw new IllegalArgumentException("JSON has no " + v + "; encode it as a string");
      }
      b.append(v);
    } else if (v instanceof Map<?, ?> m) {
      b.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!(e.getKey() instanceof String key)) {
          throw new IllegalArgumentException("JSON object keys are strings, got " + e.getKey());
        }
        if (!first) {
          b.append(',');
        }
        first = false;
        quote(b, key);
        b.append(':');
        write(b, e.getValue());
      }
      b.append('}');
    } else if (v instanceof List<?> list) {
      b.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        write(b, list.get(i));
      }
      b.append(']');
    } else {
      throw new IllegalArgumentException("cannot write a " + v.getClass().getName() + " as JSON");
    }
  }

  /** Appends {@code str} as a JSON string literal (non-ASCII characters are kept as they are). */
  static void quote(StringBuilder b, String str) {
    b.append('"');
    for (int i = 0; i < str.length(); i++) {
      char c = str.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
