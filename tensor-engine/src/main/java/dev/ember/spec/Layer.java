package dev.ember.spec;

import java.util.List;
import java.util.Map;

/**
 * One layer of a {@link Network}: its type and canonical option values (every option present, in
 * the order written).
 */
record Layer(String type, Map<String, Object> values) {

  int i(String key) {
    return (Integer) values.get(key);
  }

  Integer nullableInt(String key) {
    return (Integer) values.get(key);
  }

  double d(String key) {
    return (Double) values.get(key);
  }

  boolean b(String key) {
    return (Boolean) values.get(key);
  }

  String s(String key) {
    return (String) values.get(key);
  }

  int[] ints(String key) {
    List<Integer> l = Option.ints(values.get(key));
    return l.stream().mapToInt(Integer::intValue).toArray();
  }
}
