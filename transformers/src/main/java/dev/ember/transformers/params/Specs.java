package dev.ember.transformers.params;

import dev.ember.io.Json;
import java.util.Map;

/**
 * Reading of the loss, optimizer and schedule params, and their defaults.
 *
 * <p>Until {@code dev.ember.spec} has loss, optimizer and schedule specs, a value is checked to be
 * a JSON object whose {@code "type"} is a string; the estimators resolve the type at fit.
 */
final class Specs {
  static final String DEFAULT_CLASSIFICATION_LOSS = "{\"type\":\"crossEntropy\"}";
  static final String DEFAULT_REGRESSION_LOSS = "{\"type\":\"mse\"}";
  static final String DEFAULT_OPTIMIZER = "{\"type\":\"adam\"}";
  static final String DEFAULT_SCHEDULE = "{\"type\":\"constant\"}";

  private Specs() {}

  static void loss(String json) {
    typed("loss", json);
  }

  static void optimizer(String json) {
    typed("optimizer", json);
  }

  static void schedule(String json) {
    typed("schedule", json);
  }

  private static void typed(String what, String json) {
    Object root;
    try {
      root = Json.parse(json);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " JSON is malformed: " + e.getMessage(), e);
    }
    if (!(root instanceof Map<?, ?> m) || !(m.get("type") instanceof String t) || t.isEmpty()) {
      throw new IllegalArgumentException(what + " JSON must be an object with a string \"type\","
          + " e.g. {\"type\":\"" + (what.equals("loss") ? "crossEntropy" : what.equals("optimizer")
              ? "adam" : "constant") + "\"}; got " + json);
    }
  }
}
