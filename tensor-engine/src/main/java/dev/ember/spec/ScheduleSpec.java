package dev.ember.spec;

import static dev.ember.spec.Option.bool;
import static dev.ember.spec.Option.choice;
import static dev.ember.spec.Option.intList;
import static dev.ember.spec.Option.nonNegativeInt;
import static dev.ember.spec.Option.nonNegativeNumber;
import static dev.ember.spec.Option.number;
import static dev.ember.spec.Option.positiveInt;
import static dev.ember.spec.Option.positiveNumber;

import dev.ember.io.Json;
import dev.ember.optim.ChainedScheduler;
import dev.ember.optim.CosineAnnealingLR;
import dev.ember.optim.ExponentialLR;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.LinearLR;
import dev.ember.optim.MultiStepLR;
import dev.ember.optim.OneCycleLR;
import dev.ember.optim.Optimizer;
import dev.ember.optim.ReduceLROnPlateau;
import dev.ember.optim.StepLR;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A serializable learning-rate schedule with its options, as PyTorch's {@code
 * torch.optim.lr_scheduler}: a bare name ({@code "cosine"}) or a JSON object ({@code
 * {"type":"step","stepSize":10,"gamma":0.5}}), built into a {@link Schedule} for an optimizer and
 * a run's length.
 *
 * <table>
 *   <caption>Schedule types</caption>
 *   <tr><th>type</th><th>options (default)</th><th>PyTorch</th><th>steps</th></tr>
 *   <tr><td>constant</td><td>none</td><td>no scheduler</td><td>never</td></tr>
 *   <tr><td>step</td><td>stepSize, gamma (0.1)</td><td>StepLR</td><td>per epoch</td></tr>
 *   <tr><td>multiStep</td><td>milestones (epochs), gamma (0.1)</td><td>MultiStepLR</td>
 *       <td>per epoch</td></tr>
 *   <tr><td>exponential</td><td>gamma</td><td>ExponentialLR</td><td>per epoch</td></tr>
 *   <tr><td>cosine</td><td>tMax (null: the number of epochs), etaMin (0)</td>
 *       <td>CosineAnnealingLR</td><td>per epoch</td></tr>
 *   <tr><td>linear</td><td>startFactor (1/3), endFactor (1.0), totalIters (5)</td>
 *       <td>LinearLR (warm-up)</td><td>per epoch</td></tr>
 *   <tr><td>oneCycle</td><td>maxLr (null: the optimizer's learning rate), pctStart (0.3),
 *       annealStrategy ("cos" or "linear"), divFactor (25), finalDivFactor (1e4), cycleMomentum
 *       (true), threePhase (false); total steps = steps per epoch x epochs</td>
 *       <td>OneCycleLR</td><td>per batch</td></tr>
 *   <tr><td>plateau</td><td>mode ("min" or "max"), factor (0.1), patience (10), threshold
 *       (1e-4), thresholdMode ("rel" or "abs"), cooldown (0), minLr (0)</td>
 *       <td>ReduceLROnPlateau</td><td>per epoch, on the validation loss</td></tr>
 *   <tr><td>chain</td><td>schedules (an array of step, multiStep, exponential, cosine, linear
 *       or chain schedules, by name or as objects)</td><td>ChainedScheduler (their factors
 *       multiply)</td><td>per epoch</td></tr>
 * </table>
 */
public final class ScheduleSpec implements Serializable {
  private static final long serialVersionUID = 1L;

  static final Map<String, Kind> KINDS;

  /** The types a chain may hold: the per-epoch {@link LRScheduler}s. */
  private static final List<String> CHAINABLE =
      List.of("step", "multiStep", "exponential", "cosine", "linear", "chain");

  static {
    Map<String, Kind> m = new LinkedHashMap<>();
    for (Kind k : List.of(
        new Kind("constant"),
        new Kind("step", positiveInt("stepSize"), positiveNumber("gamma", 0.1)),
        new Kind("multiStep", intList("milestones",
            v -> !v.isEmpty() && v.stream().allMatch(x -> x > 0),
            "a non-empty array of positive epochs"), positiveNumber("gamma", 0.1)),
        new Kind("exponential", positiveNumber("gamma")),
        new Kind("cosine", positiveInt("tMax").nullableDefault("the number of epochs"),
            nonNegativeNumber("etaMin", 0)),
        new Kind("linear", number("startFactor", 1.0 / 3, v -> v > 0 && v <= 1, "in (0, 1]"),
            number("endFactor", 1.0, v -> v >= 0 && v <= 1, "in [0, 1]"),
            positiveInt("totalIters", 5)),
        new Kind("oneCycle", positiveNumber("maxLr").nullableDefault("the learning rate"),
            number("pctStart", 0.3, v -> v >= 0 && v <= 1, "in [0, 1]"),
            choice("annealStrategy", "cos", "cos", "linear"), positiveNumber("divFactor", 25),
            positiveNumber("finalDivFactor", 1e4), bool("cycleMomentum", true),
            bool("threePhase", false)),
        new Kind("plateau", choice("mode", "min", "min", "max"),
            number("factor", 0.1, v -> v >= 0 && v < 1, "in [0, 1)"),
            nonNegativeInt("patience", 10), nonNegativeNumber("threshold", 1e-4),
            choice("thresholdMode", "rel", "rel", "abs"), nonNegativeInt("cooldown", 0),
            nonNegativeNumber("minLr", 0)),
        new Kind("chain"))) {
      m.put(k.name, k);
    }
    KINDS = Collections.unmodifiableMap(m);
  }

  private final transient Typed spec;
  /** The schedules of a chain; empty for the other types. */
  private final transient List<ScheduleSpec> chain;

  private ScheduleSpec(Typed spec, List<ScheduleSpec> chain) {
    this.spec = spec;
    this.chain = chain;
  }

  /**
   * The schedule named {@code nameOrJson} with default options, or described by a JSON object
   * {@code {"type":...,options}} ({@code {"type":"chain","schedules":[...]}} for a chain).
   *
   * @throws IllegalArgumentException for malformed JSON, an unknown type (listing the accepted
   *     ones), an unknown key, a wrong value type, an out-of-range option (naming the key), or a
   *     chain that is empty or holds a schedule that cannot be chained
   */
  public static ScheduleSpec of(String nameOrJson) {
    if (nameOrJson != null && nameOrJson.strip().startsWith("{")) {
      Object json;
      try {
        json = Json.parse(nameOrJson);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("schedule JSON is malformed: " + e.getMessage(), e);
      }
      return read("schedule", json);
    }
    return read("schedule", Typed.read("schedule", nameOrJson, KINDS));
  }

  private static ScheduleSpec read(String what, Object json) {
    if (json instanceof Map<?, ?> obj && "chain".equals(obj.get("type"))) {
      String where = Typed.where(what, "chain");
      for (Object k : obj.keySet()) {
        if (!k.equals("type") && !k.equals("schedules")) {
          throw new IllegalArgumentException(where + ": unknown key \"" + k + "\"; " + chainTakes());
        }
      }
      if (!(obj.get("schedules") instanceof List<?> items) || items.isEmpty()) {
        throw new IllegalArgumentException(where + ": key \"schedules\" must be a non-empty array,"
            + " got " + (obj.containsKey("schedules") ? Option.describe(obj.get("schedules"))
                : "nothing") + "; " + chainTakes());
      }
      List<ScheduleSpec> children = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        String at = where + ": schedules[" + i + "]";
        ScheduleSpec child = read(at, items.get(i));
        if (!CHAINABLE.contains(child.type())) {
          throw new IllegalArgumentException(at + ": a chain cannot hold " + child.type() + "; "
              + chainTakes());
        }
        children.add(child);
      }
      return new ScheduleSpec(new Typed("chain", Map.of()), List.copyOf(children));
    }
    return read(what, Typed.fromJson(what, json, KINDS));
  }

  private static ScheduleSpec read(String what, Typed t) {
    if (t.type().equals("chain")) {
      throw new IllegalArgumentException(Typed.where(what, "chain") + ": missing key"
          + " \"schedules\"; " + chainTakes());
    }
    return new ScheduleSpec(t, List.of());
  }

  private static String chainTakes() {
    return "chain takes schedules (a non-empty array of " + String.join(", ", CHAINABLE) + ")";
  }

  /** The type name, e.g. {@code oneCycle}. */
  public String type() {
    return spec.type();
  }

  /** The JSON object with every option written. */
  public String toJson() {
    return Json.write(toJsonMap());
  }

  private Map<String, Object> toJsonMap() {
    if (!type().equals("chain")) {
      return spec.toJsonMap();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "chain");
    List<Object> items = new ArrayList<>();
    for (ScheduleSpec c : chain) {
      items.add(c.toJsonMap());
    }
    m.put("schedules", items);
    return m;
  }

  /**
   * A new schedule driving {@code optimizer} over a run of {@code epochs} epochs of {@code
   * stepsPerEpoch} optimizer steps each (a one-cycle schedule lasts exactly their product, so
   * {@link Schedule#afterBatch()} may be called at most that many times).
   *
   * @throws IllegalArgumentException if {@code optimizer} is null, {@code stepsPerEpoch} or
   *     {@code epochs} is below 1, or the scheduler rejects the optimizer (a one-cycle schedule
   *     with cycleMomentum on an optimizer without momentum or betas)
   */
  public Schedule build(Optimizer optimizer, int stepsPerEpoch, int epochs) {
    if (optimizer == null) {
      throw new IllegalArgumentException("schedule " + type() + ": optimizer is null");
    }
    if (stepsPerEpoch < 1 || epochs < 1) {
      throw new IllegalArgumentException("schedule " + type() + ": stepsPerEpoch and epochs must"
          + " be positive, got " + stepsPerEpoch + " and " + epochs);
    }
    return switch (type()) {
      case "constant" -> new Constant();
      case "oneCycle" -> new PerBatch(oneCycle(optimizer, stepsPerEpoch, epochs));
      case "plateau" -> new Plateau(plateau(optimizer));
      default -> new PerEpoch(scheduler(optimizer, epochs));
    };
  }

  private LRScheduler scheduler(Optimizer opt, int epochs) {
    return switch (type()) {
      case "step" -> new StepLR(opt, spec.i("stepSize"), spec.d("gamma"));
      case "multiStep" -> new MultiStepLR(opt, Option.ints(spec.values().get("milestones"))
          .stream().mapToInt(Integer::intValue).toArray(), spec.d("gamma"));
      case "exponential" -> new ExponentialLR(opt, spec.d("gamma"));
      case "cosine" -> new CosineAnnealingLR(opt,
          spec.nullableInt("tMax") == null ? epochs : spec.i("tMax"), spec.d("etaMin"));
      case "linear" -> new LinearLR(opt, spec.d("startFactor"), spec.d("endFactor"),
          spec.i("totalIters"));
      case "chain" -> {
        List<LRScheduler> list = new ArrayList<>();
        for (ScheduleSpec c : chain) {
          list.add(c.scheduler(opt, epochs));
        }
        yield new ChainedScheduler(list);
      }
      default -> throw new AssertionError(type());
    };
  }

  private OneCycleLR oneCycle(Optimizer opt, int stepsPerEpoch, int epochs) {
    Double maxLr = spec.nullableDouble("maxLr");
    long total = (long) stepsPerEpoch * epochs;
    if (total > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("schedule oneCycle: stepsPerEpoch x epochs = " + total
          + " steps is more than a one-cycle schedule counts");
    }
    return new OneCycleLR(opt, OneCycleLR.options()
        .maxLr(maxLr == null ? opt.paramGroups().get(0).lr() : maxLr)
        .totalSteps((int) total)
        .pctStart(spec.d("pctStart"))
        .anneal(spec.s("annealStrategy").equals("cos") ? OneCycleLR.Anneal.COS
            : OneCycleLR.Anneal.LINEAR)
        .divFactor(spec.d("divFactor"))
        .finalDivFactor(spec.d("finalDivFactor"))
        .cycleMomentum(spec.b("cycleMomentum"))
        .threePhase(spec.b("threePhase")));
  }

  private ReduceLROnPlateau plateau(Optimizer opt) {
    return new ReduceLROnPlateau(opt, ReduceLROnPlateau.options()
        .mode(spec.s("mode").equals("min") ? ReduceLROnPlateau.Mode.MIN
            : ReduceLROnPlateau.Mode.MAX)
        .factor(spec.d("factor"))
        .patience(spec.i("patience"))
        .threshold(spec.d("threshold"))
        .thresholdMode(spec.s("thresholdMode").equals("rel") ? ReduceLROnPlateau.ThresholdMode.REL
            : ReduceLROnPlateau.ThresholdMode.ABS)
        .cooldown(spec.i("cooldown"))
        .minLr(spec.d("minLr")));
  }

  /** The JSON form, as {@link #toJson()}. */
  @Override
  public String toString() {
    return toJson();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ScheduleSpec s && s.spec.equals(spec) && s.chain.equals(chain);
  }

  @Override
  public int hashCode() {
    return 31 * spec.hashCode() + chain.hashCode();
  }

  // ---------------------------------------------------------------------------------------------
  // Schedules

  /** No change of the learning rate; its state is empty. */
  private static final class Constant implements Schedule {
    @Override
    public void afterBatch() {}

    @Override
    public void afterEpoch(double validationLoss) {}

    @Override
    public Map<String, Object> stateDict() {
      return new LinkedHashMap<>();
    }

    @Override
    public void loadStateDict(Map<String, Object> stateDict) {
      if (!stateDict.isEmpty()) {
        throw new IllegalArgumentException("a constant schedule has no state, got keys "
            + stateDict.keySet());
      }
    }
  }

  /** A scheduler stepped once per epoch. */
  private static final class PerEpoch implements Schedule {
    private final LRScheduler scheduler;

    PerEpoch(LRScheduler scheduler) {
      this.scheduler = scheduler;
    }

    @Override
    public void afterBatch() {}

    @Override
    public void afterEpoch(double validationLoss) {
      scheduler.step();
    }

    @Override
    public Map<String, Object> stateDict() {
      return scheduler.stateDict();
    }

    @Override
    public void loadStateDict(Map<String, Object> stateDict) {
      scheduler.loadStateDict(stateDict);
    }
  }

  /** A scheduler stepped after every optimizer step. */
  private static final class PerBatch implements Schedule {
    private final LRScheduler scheduler;

    PerBatch(LRScheduler scheduler) {
      this.scheduler = scheduler;
    }

    @Override
    public void afterBatch() {
      scheduler.step();
    }

    @Override
    public void afterEpoch(double validationLoss) {}

    @Override
    public Map<String, Object> stateDict() {
      return scheduler.stateDict();
    }

    @Override
    public void loadStateDict(Map<String, Object> stateDict) {
      scheduler.loadStateDict(stateDict);
    }
  }

  /** ReduceLROnPlateau, stepped with each epoch's validation loss. */
  private static final class Plateau implements Schedule {
    private final ReduceLROnPlateau scheduler;

    Plateau(ReduceLROnPlateau scheduler) {
      this.scheduler = scheduler;
    }

    @Override
    public void afterBatch() {}

    @Override
    public void afterEpoch(double validationLoss) {
      if (Double.isNaN(validationLoss)) {
        throw new IllegalArgumentException("schedule plateau reduces the learning rate when the"
            + " validation loss stops improving, but the epoch has no validation loss (NaN):"
            + " give the training validation data, or choose another schedule");
      }
      scheduler.step(validationLoss);
    }

    @Override
    public Map<String, Object> stateDict() {
      return scheduler.stateDict();
    }

    @Override
    public void loadStateDict(Map<String, Object> stateDict) {
      scheduler.loadStateDict(stateDict);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Serialization

  private Object writeReplace() {
    return new Serialized(toJson());
  }

  private void readObject(ObjectInputStream in) throws InvalidObjectException {
    throw new InvalidObjectException("a ScheduleSpec is deserialized from its JSON form");
  }

  /** The serialized form of a {@link ScheduleSpec}: its JSON. */
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
