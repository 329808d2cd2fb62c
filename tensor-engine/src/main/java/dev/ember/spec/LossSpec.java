package dev.ember.spec;

import static dev.ember.spec.Option.anyInt;
import static dev.ember.spec.Option.nonNegativeNumber;
import static dev.ember.spec.Option.number;
import static dev.ember.spec.Option.numberList;
import static dev.ember.spec.Option.positiveNumber;

import dev.ember.io.Json;
import dev.ember.nn.Reduction;
import dev.ember.nn.loss.BCELoss;
import dev.ember.nn.loss.BCEWithLogitsLoss;
import dev.ember.nn.loss.CrossEntropyLoss;
import dev.ember.nn.loss.HuberLoss;
import dev.ember.nn.loss.L1Loss;
import dev.ember.nn.loss.Loss;
import dev.ember.nn.loss.MSELoss;
import dev.ember.nn.loss.NLLLoss;
import dev.ember.nn.loss.SmoothL1Loss;
import dev.ember.tensor.Tensor;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A serializable loss choice with its options, as PyTorch's loss modules: a bare name ({@code
 * "crossEntropy"}) or a JSON object ({@code {"type":"crossEntropy","labelSmoothing":0.1}}), built
 * into a {@link Loss} where the training runs.
 *
 * <table>
 *   <caption>Loss types</caption>
 *   <tr><th>type</th><th>options (default)</th><th>targets</th></tr>
 *   <tr><td>mse, l1</td><td>none</td><td>as the input</td></tr>
 *   <tr><td>smoothL1</td><td>beta (1.0, non-negative)</td><td>as the input</td></tr>
 *   <tr><td>huber</td><td>delta (1.0, positive)</td><td>as the input</td></tr>
 *   <tr><td>crossEntropy</td><td>labelSmoothing (0.0, in [0, 1]), ignoreIndex (-100)</td>
 *       <td>class indices</td></tr>
 *   <tr><td>nll</td><td>ignoreIndex (-100)</td><td>class indices</td></tr>
 *   <tr><td>bce</td><td>none</td><td>probabilities, as the input</td></tr>
 *   <tr><td>bceWithLogits</td><td>posWeight (null: none; else an array of numbers, one per
 *       output, broadcast)</td><td>probabilities, as the input</td></tr>
 * </table>
 */
public final class LossSpec implements Serializable {
  private static final long serialVersionUID = 1L;

  static final Map<String, Kind> KINDS;

  static {
    Map<String, Kind> m = new LinkedHashMap<>();
    for (Kind k : List.of(
        new Kind("mse"),
        new Kind("l1"),
        new Kind("smoothL1", nonNegativeNumber("beta", 1.0)),
        new Kind("huber", positiveNumber("delta", 1.0)),
        new Kind("crossEntropy", number("labelSmoothing", 0.0, v -> v >= 0 && v <= 1,
            "in [0, 1]"), anyInt("ignoreIndex").withDefault(-100)),
        new Kind("nll", anyInt("ignoreIndex").withDefault(-100)),
        new Kind("bce"),
        new Kind("bceWithLogits", numberList("posWeight", v -> !v.isEmpty(),
            "a non-empty array of numbers").nullableDefault("none")))) {
      m.put(k.name, k);
    }
    KINDS = Collections.unmodifiableMap(m);
  }

  private final transient Typed spec;

  private LossSpec(Typed spec) {
    this.spec = spec;
  }

  /**
   * The loss named {@code nameOrJson} with default options, or described by a JSON object
   * {@code {"type":...,options}}.
   *
   * @throws IllegalArgumentException for malformed JSON, an unknown type (listing the accepted
   *     ones), an unknown key, a wrong value type or an out-of-range option (naming the key)
   */
  public static LossSpec of(String nameOrJson) {
    return new LossSpec(Typed.read("loss", nameOrJson, KINDS));
  }

  /** The type name, e.g. {@code crossEntropy}. */
  public String type() {
    return spec.type();
  }

  /** The JSON object with every option written: {@code {"type":"huber","delta":1.0}}. */
  public String toJson() {
    return Json.write(spec.toJsonMap());
  }

  /**
   * Whether targets are class indices (crossEntropy, nll) rather than values shaped like the
   * network's output.
   */
  public boolean classIndexTargets() {
    return type().equals("crossEntropy") || type().equals("nll");
  }

  /**
   * A new loss module.
   *
   * @param classWeights per-class weights (C) for crossEntropy and nll, or null
   * @param reduction how per-sample losses are combined
   * @throws IllegalArgumentException if {@code classWeights} is given for a loss without class
   *     weights or is not 1-D, or {@code reduction} is null
   */
  public Loss build(Tensor classWeights, Reduction reduction) {
    if (reduction == null) {
      throw new IllegalArgumentException("loss " + type() + ": reduction is null");
    }
    if (classWeights != null && !classIndexTargets()) {
      throw new IllegalArgumentException("loss " + type() + " takes no class weights; they"
          + " apply to crossEntropy and nll" + (type().equals("bceWithLogits")
              ? " (bceWithLogits weighs positives with the posWeight option)" : ""));
    }
    if (classWeights != null && classWeights.dim() != 1) {
      throw new IllegalArgumentException("loss " + type() + ": class weights must be 1-D (one per"
          + " class), got " + classWeights.describe());
    }
    Loss loss = switch (type()) {
      case "mse" -> new MSELoss();
      case "l1" -> new L1Loss();
      case "smoothL1" -> new SmoothL1Loss().beta(spec.d("beta"));
      case "huber" -> new HuberLoss().delta(spec.d("delta"));
      case "crossEntropy" -> new CrossEntropyLoss().weight(classWeights)
          .ignoreIndex(spec.i("ignoreIndex")).labelSmoothing(spec.d("labelSmoothing"));
      case "nll" -> new NLLLoss().weight(classWeights).ignoreIndex(spec.i("ignoreIndex"));
      case "bce" -> new BCELoss();
      case "bceWithLogits" -> new BCEWithLogitsLoss().posWeight(posWeight());
      default -> throw new AssertionError(type());
    };
    return loss.reduction(reduction);
  }

  private Tensor posWeight() {
    List<Double> w = Option.numbers(spec.values().get("posWeight"));
    if (w == null) {
      return null;
    }
    float[] data = new float[w.size()];
    for (int i = 0; i < data.length; i++) {
      data[i] = w.get(i).floatValue();
    }
    return Tensor.of(data, data.length);
  }

  /** The JSON form, as {@link #toJson()}. */
  @Override
  public String toString() {
    return toJson();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LossSpec l && l.spec.equals(spec);
  }

  @Override
  public int hashCode() {
    return spec.hashCode();
  }

  private Object writeReplace() {
    return new Serialized(toJson());
  }

  private void readObject(ObjectInputStream in) throws InvalidObjectException {
    throw new InvalidObjectException("a LossSpec is deserialized from its JSON form");
  }

  /** The serialized form of a {@link LossSpec}: its JSON. */
  private static final class Serialized implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String json;

    Serialized(String json) {
      this.json = json;
    }

    private Object readResolve() {
      return of(json);
    }
  }
}
