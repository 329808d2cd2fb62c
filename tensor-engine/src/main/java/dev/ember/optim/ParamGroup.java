package dev.ember.optim;

import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parameter group: parameters that share hyperparameters, like one dict of PyTorch's {@code
 * optimizer.param_groups}.
 *
 * <p>Hyperparameters are named with PyTorch's keys ({@code "lr"}, {@code "momentum"}, {@code
 * "weight_decay"}, {@code "betas"}, {@code "initial_lr"}, ...) so state dicts interoperate. A value
 * is a number (a double), a flag ({@code "nesterov"}, {@code "amsgrad"}, {@code "maximize"},
 * {@code "centered"}) or a tuple of numbers ({@code "betas"}). To override an optimizer's defaults
 * for some parameters, give it groups:
 *
 * <pre>{@code
 * var opt = new SGD(List.of(
 *     new ParamGroup(backbone),
 *     new ParamGroup(head).set("lr", 1e-2)), SGD.options().lr(1e-3).momentum(0.9));
 * }</pre>
 *
 * <p>The optimizer fills in its defaults for the names a group does not set when the group is
 * added. Schedulers read and write hyperparameters while training ({@link #setLr}).
 */
public final class ParamGroup {
  private final List<Tensor> params;
  private final Map<String, Object> options = new LinkedHashMap<>();

  /**
   * A group of the given parameters (in order), with no hyperparameters set yet.
   *
   * @throws NullPointerException if a parameter is null
   */
  public ParamGroup(Iterable<Tensor> params) {
    List<Tensor> list = new ArrayList<>();
    for (Tensor p : params) {
      if (p == null) {
        throw new NullPointerException("parameter " + list.size() + " of a param group is null");
      }
      list.add(p);
    }
    this.params = Collections.unmodifiableList(list);
  }

  /** The parameters, in the order given (unmodifiable). */
  public List<Tensor> params() {
    return params;
  }

  /** The learning rate, {@code get("lr")}. */
  public double lr() {
    return get("lr");
  }

  /** Sets the learning rate; returns this. */
  public ParamGroup setLr(double lr) {
    return set("lr", lr);
  }

  /** Whether the group has a hyperparameter of this name (of any kind). */
  public boolean has(String name) {
    return options.containsKey(name);
  }

  /** The names of the hyperparameters, in insertion order (unmodifiable). */
  public Set<String> names() {
    return Collections.unmodifiableSet(options.keySet());
  }

  /**
   * A numeric hyperparameter.
   *
   * @throws IllegalArgumentException if the group has no such name, or it is a flag or a tuple
   */
  public double get(String name) {
    Object v = require(name);
    if (!(v instanceof Double d)) {
      throw new IllegalArgumentException("hyperparameter '" + name + "' is a " + kind(v)
          + ", not a number");
    }
    return d;
  }

  /** Sets a numeric hyperparameter; returns this. */
  public ParamGroup set(String name, double value) {
    options.put(name, value);
    return this;
  }

  /**
   * A flag hyperparameter ({@code "nesterov"}, {@code "amsgrad"}, ...).
   *
   * @throws IllegalArgumentException if the group has no such name, or it is not a flag
   */
  public boolean getFlag(String name) {
    Object v = require(name);
    if (!(v instanceof Boolean b)) {
      throw new IllegalArgumentException("hyperparameter '" + name + "' is a " + kind(v)
          + ", not a flag");
    }
    return b;
  }

  /** Sets a flag hyperparameter; returns this. */
  public ParamGroup setFlag(String name, boolean value) {
    options.put(name, value);
    return this;
  }

  /**
   * A tuple hyperparameter such as {@code "betas"} (a copy).
   *
   * @throws IllegalArgumentException if the group has no such name, or it is not a tuple
   */
  public double[] getTuple(String name) {
    Object v = require(name);
    if (!(v instanceof double[] t)) {
      throw new IllegalArgumentException("hyperparameter '" + name + "' is a " + kind(v)
          + ", not a tuple");
    }
    return t.clone();
  }

  /** Sets a tuple hyperparameter (copied); returns this. */
  public ParamGroup setTuple(String name, double... values) {
    options.put(name, values.clone());
    return this;
  }

  /** Removes a hyperparameter, if present; returns this. */
  public ParamGroup remove(String name) {
    options.remove(name);
    return this;
  }

  /** The raw value (Double, Boolean or double[]), or null: for the optimizer. */
  Object raw(String name) {
    return options.get(name);
  }

  /** Sets a raw value (Double, Boolean or double[], not copied): for the optimizer. */
  void putRaw(String name, Object value) {
    options.put(name, value);
  }

  void clearOptions() {
    options.clear();
  }

  Map<String, Object> rawOptions() {
    return options;
  }

  static String kind(Object v) {
    if (v instanceof Double) {
      return "number";
    }
    if (v instanceof Boolean) {
      return "flag";
    }
    return "tuple";
  }

  private Object require(String name) {
    Object v = options.get(name);
    if (v == null) {
      throw new IllegalArgumentException("param group has no hyperparameter '" + name
          + "'; it has " + options.keySet());
    }
    return v;
  }

  /** The hyperparameters and the number of parameters: {@code ParamGroup{lr=0.1, 3 params}}. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("ParamGroup{");
    for (Map.Entry<String, Object> e : options.entrySet()) {
      Object v = e.getValue();
      b.append(e.getKey()).append('=')
          .append(v instanceof double[] t ? Arrays.toString(t) : v).append(", ");
    }
    return b.append(params.size()).append(" params}").toString();
  }
}
