package dev.ember.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The per-epoch history of a distributed fit ({@link EpochRecord}s), the best epoch, and whether
 * training stopped early; it persists with a model as JSON ({@link #toJson()}, {@link
 * #fromJson}).
 *
 * <p>The best epoch is the one with the lowest validation loss (the earliest on a tie), or the
 * last epoch when there is no validation data.
 */
public final class TrainingSummary implements Serializable {
  private static final long serialVersionUID = 1L;
  /** The version written by {@link #toJson()}; {@link #fromJson} reads this one and older. */
  public static final int FORMAT_VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String metricName;
  private final List<EpochRecord> epochs;
  private final boolean stoppedEarly;

  /**
   * A summary of {@code epochs} (copied), which must count 1, 2, 3, ...
   *
   * @param metricName the validation metric, {@code "accuracy"} or {@code "rmse"}
   * @throws IllegalArgumentException if the epochs do not count up from 1 or the metric is
   *     unknown
   */
  public TrainingSummary(String metricName, List<EpochRecord> epochs, boolean stoppedEarly) {
    if (!"accuracy".equals(metricName) && !"rmse".equals(metricName)) {
      throw new IllegalArgumentException("metricName must be accuracy or rmse, got "
          + metricName);
    }
    for (int i = 0; i < epochs.size(); i++) {
      if (epochs.get(i).epoch() != i + 1) {
        throw new IllegalArgumentException("epoch record " + i + " is for epoch "
            + epochs.get(i).epoch() + ", expected " + (i + 1));
      }
    }
    this.metricName = metricName;
    this.epochs = Collections.unmodifiableList(new ArrayList<>(epochs));
    this.stoppedEarly = stoppedEarly;
  }

  /** The validation metric: {@code "accuracy"} (classification) or {@code "rmse"} (regression). */
  public String metricName() {
    return metricName;
  }

  /** The epochs in order (unmodifiable). */
  public List<EpochRecord> epochs() {
    return epochs;
  }

  /** The number of epochs trained. */
  public int totalEpochs() {
    return epochs.size();
  }

  /** Whether early stopping ended the fit before {@code maxEpochs}. */
  public boolean stoppedEarly() {
    return stoppedEarly;
  }

  /**
   * The best epoch (counting from 1): the lowest validation loss, else the last; 0 when no epoch
   * was trained.
   */
  public int bestEpoch() {
    int best = 0;
    double bestLoss = Double.POSITIVE_INFINITY;
    for (EpochRecord r : epochs) {
      if (r.hasValidation() && r.validationLoss() < bestLoss) {
        bestLoss = r.validationLoss();
        best = r.epoch();
      }
    }
    return best > 0 ? best : epochs.size();
  }

  /** A summary with {@code record} appended (this one is not changed). */
  TrainingSummary with(EpochRecord record) {
    List<EpochRecord> more = new ArrayList<>(epochs);
    more.add(record);
    return new TrainingSummary(metricName, more, stoppedEarly);
  }

  /** This summary marked as stopped early. */
  TrainingSummary stoppedEarlyNow() {
    return new TrainingSummary(metricName, epochs, true);
  }

  /**
   * The JSON form: {@code {"formatVersion": 1, "metric": "accuracy", "bestEpoch": 3,
   * "stoppedEarly": false, "epochs": [{"epoch": 1, "trainLoss": 0.52, "validationLoss": 0.47,
   * "validationMetric": 0.83, "samplesPerSecond": 5120.0, "syncMillis": 41}, ...]}}; NaN is
   * written as null.
   */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("formatVersion", FORMAT_VERSION);
    root.put("metric", metricName);
    root.put("bestEpoch", bestEpoch());
    root.put("stoppedEarly", stoppedEarly);
    ArrayNode list = root.putArray("epochs");
    for (EpochRecord r : epochs) {
      ObjectNode e = list.addObject();
      e.put("epoch", r.epoch());
      putNumber(e, "trainLoss", r.trainLoss());
      putNumber(e, "validationLoss", r.validationLoss());
      putNumber(e, "validationMetric", r.validationMetric());
      putNumber(e, "samplesPerSecond", r.samplesPerSecond());
      e.put("syncMillis", r.syncMillis());
    }
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a training summary as JSON", e);
    }
  }

  private static void putNumber(ObjectNode node, String key, double v) {
    if (Double.isFinite(v)) {
      node.put(key, v);
    } else {
      node.putNull(key);
    }
  }

  /**
   * Reads {@link #toJson()} output.
   *
   * @throws IllegalArgumentException naming the field if the text is not such JSON, lacks a
   *     field, has a wrong type, or has a newer {@code formatVersion}
   */
  public static TrainingSummary fromJson(String json) {
    Objects.requireNonNull(json, "json");
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("training summary is not valid JSON: "
          + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("training summary must be a JSON object");
    }
    JsonNode version = root.get("formatVersion");
    if (version == null || !version.canConvertToInt() || !version.isIntegralNumber()) {
      throw new IllegalArgumentException("training summary has no integer formatVersion");
    }
    if (version.asInt() > FORMAT_VERSION || version.asInt() < 1) {
      throw new IllegalArgumentException("training summary formatVersion " + version.asInt()
          + " is not supported (this version reads 1 to " + FORMAT_VERSION + ")");
    }
    JsonNode metric = root.get("metric");
    if (metric == null || !metric.isTextual()) {
      throw new IllegalArgumentException("training summary has no string 'metric'");
    }
    JsonNode stopped = root.get("stoppedEarly");
    if (stopped == null || !stopped.isBoolean()) {
      throw new IllegalArgumentException("training summary has no boolean 'stoppedEarly'");
    }
    JsonNode list = root.get("epochs");
    if (list == null || !list.isArray()) {
      throw new IllegalArgumentException("training summary has no 'epochs' array");
    }
    List<EpochRecord> epochs = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode e = list.get(i);
      String where = "epochs[" + i + "]";
      if (!e.isObject()) {
        throw new IllegalArgumentException("training summary " + where + " is not an object");
      }
      epochs.add(new EpochRecord((int) integer(e, "epoch", where), number(e, "trainLoss", where),
          number(e, "validationLoss", where), number(e, "validationMetric", where),
          number(e, "samplesPerSecond", where), integer(e, "syncMillis", where)));
    }
    return new TrainingSummary(metric.asText(), epochs, stopped.asBoolean());
  }

  private static double number(JsonNode node, String key, String where) {
    JsonNode v = node.get(key);
    if (v == null) {
      throw new IllegalArgumentException("training summary " + where + " has no '" + key + "'");
    }
    if (v.isNull()) {
      return Double.NaN;
    }
    if (!v.isNumber()) {
      throw new IllegalArgumentException("training summary " + where + "." + key
          + " is not a number: " + v);
    }
    return v.asDouble();
  }

  private static long integer(JsonNode node, String key, String where) {
    JsonNode v = node.get(key);
    if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException("training summary " + where + "." + key
          + " must be an integer, got " + v);
    }
    return v.asLong();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrainingSummary s && metricName.equals(s.metricName)
        && epochs.equals(s.epochs) && stoppedEarly == s.stoppedEarly;
  }

  @Override
  public int hashCode() {
    return Objects.hash(metricName, epochs, stoppedEarly);
  }

  @Override
  public String toString() {
    return "TrainingSummary" + toJson();
  }
}
