package dev.ember.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void parsesEveryKindInDocumentOrder() {
    Object v = Json.parse(" {\"b\": [1, -2.5, 3e2, true, false, null], \"a\": {\"x\": \"s\\n\\u00e9\\\"\"},"
        + " \"big\": 18446744073709551615, \"min\": -9223372036854775808} ");
    Map<?, ?> m = (Map<?, ?>) v;
    assertEquals(List.of("b", "a", "big", "min"), List.copyOf(m.keySet()));
    assertEquals(Arrays.asList(1L, -2.5, 300.0, true, false, null), m.get("b"));
    assertEquals(Map.of("x", "s\n\u00e9\""), m.get("a"));
    assertEquals(new BigInteger("18446744073709551615"), m.get("big"));
    assertEquals(Long.MIN_VALUE, m.get("min"));
  }

  @Test
  void rejectsBadSyntaxNamingTheOffset() {
    String[][] cases = {
        {"{\"a\": 1,}", "expected a string key at offset 8"},
        {"{\"a\" 1}", "expected ':'"},
        {"[1, 2", "unexpected end of input"},
        {"{\"a\": 01}", "expected '}', got '1' at offset 7"},
        {"{\"a\": 1.}", "no digit after '.'"},
        {"{\"a\": tru}", "unexpected 't'"},
        {"\"a\\x\"", "bad escape \\x"},
        {"\"tab\there\"", "control character U+0009"},
        {"{\"a\": 1} x", "unexpected 'x' after the document at offset 9"},
        {"", "unexpected end of input"},
        {"\"abc", "unterminated string"},
    };
    for (String[] c : cases) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Json.parse(c[0]), c[0]);
      assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
    }
  }

  @Test
  void rejectsDuplicateKeys() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Json.parse("{\"w\": 1, \"w\": 2}"));
    assertTrue(e.getMessage().contains("duplicate key \"w\""), e.getMessage());
  }

  @Test
  void rejectsHostileNesting() {
    String deep = "[".repeat(10_000) + "]".repeat(10_000);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(deep));
    assertTrue(e.getMessage().contains("nesting deeper"), e.getMessage());
  }

  @Test
  void writesWhatItReads() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("z", List.of(1L, 2.5, "q\"\\\t\u0001", true));
    m.put("a", null);
    m.put("f", 0.1f);
    String text = Json.write(m);
    assertEquals("{\"z\":[1,2.5,\"q\\\"\\\\\\t\\u0001\",true],\"a\":null,\"f\":0.1}", text);
    Map<String, Object> back = new LinkedHashMap<>(m);
    back.put("f", 0.1); // a float is written as its shortest float decimal
    assertEquals(back, Json.parse(text));
  }

  @Test
  void refusesWhatJsonCannotHold() {
    assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of(1, 2)));
    assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
  }
}
