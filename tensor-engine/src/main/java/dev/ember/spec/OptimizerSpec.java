package dev.ember.spec;

import static dev.ember.spec.Option.bool;
import static dev.ember.spec.Option.nonNegativeNumber;
import static dev.ember.spec.Option.number;
import static dev.ember.spec.Option.numberList;

import dev.ember.io.Json;
import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamOptions;
import dev.ember.optim.AdamW;
import dev.ember.optim.Optimizer;
import dev.ember.optim.RMSprop;
import dev.ember.optim.SGD;
import dev.ember.tensor.Tensor;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A serializable optimizer choice with its hyperparameters (all but the learning rate, which is
 * given at {@link #build}), as PyTorch's {@code torch.optim}: a bare name ({@code "adam"}) or a
 * JSON object ({@code {"type":"sgd","momentum":0.9,"nesterov":true}}).
 *
 * <table>
 *   <caption>Optimizer types</caption>
 *   <tr><th>type</th><th>options (PyTorch's defaults)</th></tr>
 *   <tr><td>sgd</td><td>momentum (0), dampening (0), nesterov (false; needs momentum and zero
 *       dampening), weightDecay (0)</td></tr>
 *   <tr><td>adam</td><td>betas ([0.9, 0.999], each in [0, 1)), eps (1e-8), weightDecay (0),
 *       amsgrad (false)</td></tr>
 *   <tr><td>adamw</td><td>as adam, but weightDecay (0.01), decoupled</td></tr>
 *   <tr><td>rmsprop</td><td>alpha (0.99), eps (1e-8), momentum (0), centered (false),
 *       weightDecay (0)</td></tr>
 *   <tr><td>adagrad</td><td>lrDecay (0), eps (1e-10), weightDecay (0), initialAccumulatorValue
 *       (0)</td></tr>
 * </table>
 *
 * <p>Rates, decays, momenta and eps must be non-negative.
 */
public final class OptimizerSpec implements Serializable {
  private static final long serialVersionUID = 1L;

  static final Map<String, Kind> KINDS;

  static {
    Map<String, Kind> m = new LinkedHashMap<>();
    for (Kind k : List.of(
        new Kind("sgd", nonNegativeNumber("momentum", 0), number("dampening", 0, v -> true, null),
            bool("nesterov", false), nonNegativeNumber("weightDecay", 0)),
        adam("adam", 0), adam("adamw", 1e-2),
        new Kind("rmsprop", nonNegativeNumber("alpha", 0.99), nonNegativeNumber("eps", 1e-8),
            nonNegativeNumber("momentum", 0), bool("centered", false),
            nonNegativeNumber("weightDecay", 0)),
        new Kind("adagrad", nonNegativeNumber("lrDecay", 0), nonNegativeNumber("eps", 1e-10),
            nonNegativeNumber("weightDecay", 0),
            nonNegativeNumber("initialAccumulatorValue", 0)))) {
      m.put(k.name, k);
    }
    KINDS = Collections.unmodifiableMap(m);
  }

  private static Kind adam(String name, double weightDecay) {
    return new Kind(name,
        numberList("betas", v -> v.size() == 2 && v.stream().allMatch(b -> b >= 0 && b < 1),
            "two numbers in [0, 1)").withDefault(List.of(0.9, 0.999)),
        nonNegativeNumber("eps", 1e-8), nonNegativeNumber("weightDecay", weightDecay),
        bool("amsgrad", false));
  }

  private final transient Typed spec;

  private OptimizerSpec(Typed spec) {
    this.spec = spec;
  }

  /**
   * The optimizer named {@code nameOrJson} with PyTorch's defaults, or described by a JSON object
   * {@code {"type":...,options}}.
   *
   * @throws IllegalArgumentException for malformed JSON, an unknown type (listing the accepted
   *     ones), an unknown key, a wrong value type, an out-of-range option (naming the key), or
   *     nesterov without momentum or with dampening
   */
  public static OptimizerSpec of(String nameOrJson) {
    Typed t = Typed.read("optimizer", nameOrJson, KINDS);
    if (t.type().equals("sgd") && t.b("nesterov")
        && (t.d("momentum") <= 0 || t.d("dampening") != 0)) {
      throw new IllegalArgumentException(Typed.where("optimizer", "sgd") + ": nesterov needs a"
          + " positive momentum and zero dampening, got momentum " + t.d("momentum")
          + " and dampening " + t.d("dampening"));
    }
    return new OptimizerSpec(t);
  }

  /** The type name, e.g. {@code adamw}. */
  public String type() {
    return spec.type();
  }

  /** The JSON object with every option written. */
  public String toJson() {
    return Json.write(spec.toJsonMap());
  }

  /**
   * A new optimizer over {@code params} with learning rate {@code lr}.
   *
   * @throws IllegalArgumentException if {@code lr} is negative or not finite, or {@code params}
   *     is empty
   */
  public Optimizer build(List<Tensor> params, double lr) {
    if (!(lr >= 0) || Double.isInfinite(lr)) {
      throw new IllegalArgumentException(
          "optimizer " + type() + ": the learning rate must be a non-negative number, got " + lr);
    }
    if (params == null || params.isEmpty()) {
      throw new IllegalArgumentException("optimizer " + type() + " got an empty parameter list");
    }
    return switch (type()) {
      case "sgd" -> new SGD(params, SGD.options().lr(lr).momentum(spec.d("momentum"))
          .dampening(spec.d("dampening")).nesterov(spec.b("nesterov"))
          .weightDecay(spec.d("weightDecay")));
      case "adam" -> new Adam(params, adamOptions(Adam.options(), lr));
      case "adamw" -> new AdamW(params, adamOptions(AdamW.options(), lr));
      case "rmsprop" -> new RMSprop(params, RMSprop.options().lr(lr).alpha(spec.d("alpha"))
          .eps(spec.d("eps")).momentum(spec.d("momentum")).centered(spec.b("centered"))
          .weightDecay(spec.d("weightDecay")));
      case "adagrad" -> new Adagrad(params, Adagrad.options().lr(lr)
          .lrDecay(spec.d("lrDecay")).eps(spec.d("eps")).weightDecay(spec.d("weightDecay"))
          .initialAccumulatorValue(spec.d("initialAccumulatorValue")));
      default -> throw new AssertionError(type());
    };
  }

  private AdamOptions adamOptions(AdamOptions o, double lr) {
    List<Double> betas = Option.numbers(spec.values().get("betas"));
    return o.lr(lr).betas(betas.get(0), betas.get(1)).eps(spec.d("eps"))
        .weightDecay(spec.d("weightDecay")).amsgrad(spec.b("amsgrad"));
  }

  /** The JSON form, as {@link #toJson()}. */
  @Override
  public String toString() {
    return toJson();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OptimizerSpec s && s.spec.equals(spec);
  }

  @Override
  public int hashCode() {
    return spec.hashCode();
  }

  private Object writeReplace() {
    return new Serialized(toJson());
  }

  private void readObject(ObjectInputStream in) throws InvalidObjectException {
    throw new InvalidObjectException("an OptimizerSpec is deserialized from its JSON form");
  }

  /** The serialized form of an {@link OptimizerSpec}: its JSON. */
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
