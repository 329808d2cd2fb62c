package dev.ember.optim;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.backend.OptimizerUpdate;
import dev.ember.tensor.DType;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The base of the optimizers, like {@code torch.optim.Optimizer}: parameter groups with their
 * hyperparameters, per-parameter state, {@link #step()}, {@link #zeroGrad()} and state dicts.
 *
 * <pre>{@code
 * var opt = new Adam(model.parameters(), 1e-3);
 * for (Batch b : batches) {
 *   try (var s = Tensor.scope()) {
 *     opt.zeroGrad();
 *     lossFn(model.forward(b.x()), b.y()).backward();
 *     opt.step();
 *   }
 * }
 * }</pre>
 *
 * <p>Parameters are leaf tensors; those whose {@code grad} is null are skipped by {@link #step()}.
 * Updates happen in place, without recording a graph, through the fused {@link
 * dev.ember.backend.Backend#optimizerUpdate} primitive. State tensors are created outside every
 * scope ({@link Tensor#persist()}), so they survive the training step's scope.
 *
 * <p>The {@linkplain #stateDict() state dict} has PyTorch's structure and keys, built only from
 * maps, lists, tensors, numbers, booleans and strings:
 *
 * <pre>
 * {"state": {0: {"step": tensor(3.), "exp_avg": tensor, ...}, 1: {...}},
 *  "param_groups": [{"lr": 0.001, "betas": [0.9, 0.999], ..., "params": [0, 1]}]}
 * </pre>
 */
public abstract class Optimizer implements Stateful {
  private final String name;
  private final Map<String, Object> defaults;
  private final List<ParamGroup> groups = new ArrayList<>();
  private final List<ParamGroup> groupsView = Collections.unmodifiableList(groups);
  private final Map<Tensor, ParamState> state = new IdentityHashMap<>();

  /**
   * Creates an optimizer over {@code groups}, each completed with {@code defaults}.
   *
   * @param name the optimizer's name for messages ({@code "Adam"})
   * @param groups the parameter groups (at least one parameter in all)
   * @param defaults the default hyperparameters: Double, Boolean or double[] values, by PyTorch
   *     key; {@code "lr"} may be absent, and must then be set by every group
   * @throws IllegalArgumentException on an empty parameter list, a bad hyperparameter, a
   *     parameter in two groups, or a non-leaf parameter
   */
  protected Optimizer(String name, List<ParamGroup> groups, Map<String, Object> defaults) {
    this.name = name;
    this.defaults = Collections.unmodifiableMap(new LinkedHashMap<>(defaults));
    ParamGroup probe = new ParamGroup(List.of());
    for (Map.Entry<String, Object> e : defaults.entrySet()) {
      probe.putRaw(e.getKey(), e.getValue());
    }
    validate(probe);
    int total = 0;
    for (ParamGroup g : groups) {
      total += g.params().size();
    }
    if (groups.isEmpty() || total == 0) {
      throw new IllegalArgumentException(name + " got an empty parameter list");
    }
    for (ParamGroup g : groups) {
      addParamGroup(g);
    }
  }

  /** One group holding all of {@code params}. */
  static List<ParamGroup> single(Iterable<Tensor> params) {
    return List.of(new ParamGroup(params));
  }

  /** The optimizer's name, e.g. {@code "Adam"}. */
  public String name() {
    return name;
  }

  /** The default hyperparameters (unmodifiable; Double, Boolean or double[] values). */
  public Map<String, Object> defaults() {
    return defaults;
  }

  /** The parameter groups, in order (the list is unmodifiable, the groups are live). */
  public List<ParamGroup> paramGroups() {
    return groupsView;
  }

  /**
   * Adds a parameter group, filling in the defaults for the hyperparameters it does not set (like
   * {@code add_param_group}); useful to unfreeze layers while training.
   *
   * @throws IllegalArgumentException if a parameter is not a leaf, appears twice, or is already in
   *     a group, if no learning rate is given, or on a bad hyperparameter value
   */
  public void addParamGroup(ParamGroup group) {
    Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (ParamGroup g : groups) {
      if (g == group) {
        throw new IllegalArgumentException("this param group was already added to " + name);
      }
      seen.addAll(g.params());
    }
    Set<Tensor> mine = Collections.newSetFromMap(new IdentityHashMap<>());
    for (int i = 0; i < group.params().size(); i++) {
      Tensor p = group.params().get(i);
      if (!p.isLeaf()) {
        throw new IllegalArgumentException("can't optimize a non-leaf Tensor (parameter " + i
            + ", " + p.describe() + ")");
      }
      if (!mine.add(p)) {
        throw new IllegalArgumentException("parameter " + i + " (" + p.describe()
            + ") appears twice in one parameter group");
      }
      if (seen.contains(p)) {
        throw new IllegalArgumentException("some parameters appear in more than one parameter"
            + " group (parameter " + i + ", " + p.describe() + ")");
      }
    }
    for (Map.Entry<String, Object> e : defaults.entrySet()) {
      if (!group.has(e.getKey())) {
        Object v = e.getValue();
        group.putRaw(e.getKey(), v instanceof double[] t ? t.clone() : v);
      }
    }
    if (!group.has("lr")) {
      throw new IllegalArgumentException("parameter group didn't specify a value of required"
          + " optimization parameter lr");
    }
    checkKinds(group);
    validate(group);
    groups.add(group);
    for (Tensor p : group.params()) {
      onParamAdded(group, p);
    }
  }

  /** Each hyperparameter that has a default must have the default's kind (number/flag/tuple). */
  private void checkKinds(ParamGroup group) {
    for (Map.Entry<String, Object> e : defaults.entrySet()) {
      Object v = group.raw(e.getKey());
      Object d = e.getValue();
      boolean same = v instanceof double[] a ? d instanceof double[] b && a.length == b.length
          : v != null && v.getClass() == d.getClass();
      if (!same) {
        throw new IllegalArgumentException(name + "'s hyperparameter '" + e.getKey() + "' is a "
            + (d instanceof double[] b ? b.length + "-tuple" : ParamGroup.kind(d)) + ", got "
            + (v instanceof double[] a ? Arrays.toString(a) : v));
      }
    }
  }

  /**
   * Checks a group's hyperparameters (all defaults filled in, except perhaps {@code lr} for the
   * defaults themselves), throwing PyTorch's messages ({@code "Invalid learning rate: -1.0"}).
   *
   * @throws IllegalArgumentException on a bad value
   */
  protected abstract void validate(ParamGroup group);

  /** Called for each parameter of a newly added group (Adagrad creates its state here). */
  protected void onParamAdded(ParamGroup group, Tensor param) {}

  /**
   * Whether the state dict holds {@code "step"} as a 0-d float32 tensor (Adam, AdamW, Adagrad in
   * PyTorch 1.13) rather than an integer (RMSprop).
   */
  protected boolean stepIsTensor() {
    return true;
  }

  /** Performs one update of every parameter that has a gradient. */
  public abstract void step();

  /**
   * Evaluates {@code closure} (which recomputes the loss and its gradients) with grad enabled, then
   * performs {@link #step()}; returns the closure's loss.
   */
  public Tensor step(Supplier<Tensor> closure) {
    Tensor loss;
    try (GradMode g = Autograd.enableGrad()) {
      loss = closure.get();
    }
    step();
    return loss;
  }

  /**
   * Called first by {@link #step()}: when the parameters' backend is recording a step graph on
   * this thread (a GPU's {@code StepGraph}, captured with the step inside), registers this
   * optimizer's {@code step()} to run on the host at the start of every replay, where it advances
   * the step counts and rewrites the update kernels' scalars on the device (PyTorch's capturable
   * optimizers keep them on the device for the same reason).
   */
  protected final void registerForReplay() {
    for (ParamGroup group : groups) {
      for (Tensor p : group.params()) {
        if (p.backend().recordingStepGraph()) {
          p.backend().onReplay(this::step);
          return;
        }
      }
    }
  }

  /** Sets every parameter's gradient to null (PyTorch 2's default, {@code set_to_none=True}). */
  public void zeroGrad() {
    zeroGrad(true);
  }

  /**
   * Clears every parameter's gradient: to null with {@code setToNone}, else by filling it with
   * zeros in place (detaching it from any graph first).
   */
  public void zeroGrad(boolean setToNone) {
    try (GradMode g = Autograd.noGrad()) {
      for (ParamGroup group : groups) {
        for (Tensor p : group.params()) {
          Tensor grad = p.grad();
          if (grad == null) {
            continue;
          }
          if (setToNone) {
            p.setGrad(null);
          } else {
            if (grad.gradFn() != null) {
              grad = grad.detach();
              p.setGrad(grad);
            }
            grad.zero_();
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // State

  /** The state of one parameter: an optional step count and named buffers of its shape. */
  protected static final class ParamState {
    private boolean hasStep;
    private long step;
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();

    /** Whether nothing is stored yet (a parameter that has not been stepped). */
    public boolean isEmpty() {
      return !hasStep && buffers.isEmpty();
    }

    /** The step count. */
    public long step() {
      return step;
    }

    /** Sets the step count (and makes it part of the state). */
    public void setStep(long step) {
      this.hasStep = true;
      this.step = step;
    }

    /** Whether a step count is stored. */
    public boolean hasStep() {
      return hasStep;
    }

    /**
     * A state buffer.
     *
     * @throws IllegalStateException if there is none of that name (a state dict from another
     *     optimizer, or another configuration, was loaded)
     */
    public Tensor buffer(String key) {
      Tensor t = buffers.get(key);
      if (t == null) {
        throw new IllegalStateException("optimizer state has no '" + key + "' (it has "
            + buffers.keySet() + "); was the loaded state dict made by another optimizer?");
      }
      return t;
    }

    /** A state buffer, or null. */
    public Tensor bufferOrNull(String key) {
      return buffers.get(key);
    }

    /** Stores a buffer (which must be persistent: see {@link Optimizer#newBuffer}). */
    public void putBuffer(String key, Tensor buffer) {
      buffers.put(key, buffer);
    }
  }

  /** The state of {@code param}, created empty on first use. */
  protected final ParamState state(Tensor param) {
    return state.computeIfAbsent(param, k -> new ParamState());
  }

  /**
   * A new state buffer for {@code param}: contiguous, of its dtype, device and shape, filled with
   * {@code value}, and outside every scope so that it lives as long as the optimizer.
   */
  protected static Tensor newBuffer(Tensor param, double value) {
    try (GradMode g = Autograd.noGrad()) {
      return Tensor.full(param.shape(), value, param.dtype(), param.device()).persist();
    }
  }

  /**
   * Fused updates of one kind collected over a step and run together: consecutive parameters with
   * the same hyperparameters, device and dtype, each contiguous with a contiguous gradient, go to
   * the backend in one {@link dev.ember.backend.Backend#optimizerUpdates} call (a GPU runs them
   * in one launch where PyTorch's foreach implementation would); any other goes through {@link
   * #fusedUpdate}. The results are those of the updates one by one. Call {@link #flush} at the end.
   */
  protected static final class FusedBatch {
    private final OptimizerUpdate kind;
    private final List<Tensor> params = new ArrayList<>();
    private final List<Tensor> grads = new ArrayList<>();
    private final List<Tensor[]> states = new ArrayList<>();
    private double[] hyper;

    /** An empty batch of {@code kind} updates. */
    protected FusedBatch(OptimizerUpdate kind) {
      this.kind = kind;
    }

    /** Adds the update of {@code param} (run now, or at the next flush). */
    public void add(Tensor param, Tensor grad, Tensor[] state, double[] h) {
      if (!param.isContiguous() || !grad.isContiguous()) {
        fusedUpdate(kind, param, grad, state, h);
        return;
      }
      if (!params.isEmpty() && (!Arrays.equals(h, hyper)
          || !param.device().equals(params.get(0).device())
          || param.dtype() != params.get(0).dtype())) {
        flush();
      }
      params.add(param);
      grads.add(grad);
      states.add(state);
      hyper = h;
    }

    /** Runs the collected updates and bumps the versions of everything they wrote. */
    public void flush() {
      if (params.isEmpty()) {
        return;
      }
      params.get(0).backend().optimizerUpdates(kind, params, grads, states, hyper);
      for (int i = 0; i < params.size(); i++) {
        bumpVersions(params.get(i), states.get(i));
      }
      params.clear();
      grads.clear();
      states.clear();
    }
  }

  /**
   * Runs the fused update on one parameter and bumps the version of everything it wrote (so a
   * graph that saved the old values fails loudly in backward). A non-contiguous parameter or
   * gradient goes through contiguous copies.
   */
  protected static void fusedUpdate(
      OptimizerUpdate kind, Tensor param, Tensor grad, Tensor[] buffers, double[] hyper) {
    if (param.isContiguous() && grad.isContiguous()) {
      param.backend().optimizerUpdate(kind, param, grad, buffers, hyper);
    } else {
      try (GradMode g = Autograd.noGrad(); Scope s = Tensor.scope()) {
        Tensor p = param.contiguous();
        p.backend().optimizerUpdate(kind, p, grad.contiguous(), buffers, hyper);
        if (p != param) {
          param.copy_(p);
        }
      }
    }
    bumpVersions(param, buffers);
  }

  /**
   * Bumps the version of a parameter and its state buffers after an update wrote them (so a graph
   * that saved the old values fails loudly in backward).
   */
  private static void bumpVersions(Tensor param, Tensor[] buffers) {
    param.storage().bumpVersion();
    for (Tensor b : buffers) {
      if (b != null) {
        b.storage().bumpVersion();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // State dicts

  /**
   * The optimizer's state, with PyTorch's structure: {@code "state"} maps the index of a
   * parameter (an Integer, counting through the groups in order) to its state ({@code "step"} as
   * a 0-d float32 tensor or a Long, and the buffers), {@code "param_groups"} lists each group's
   * hyperparameters (numbers as Double, flags as Boolean, tuples as lists of Double) and its
   * {@code "params"} indices. The buffer tensors are the live state, not copies: write them out
   * (or clone them) before the next {@link #step()}.
   */
  @Override
  public Map<String, Object> stateDict() {
    Map<Tensor, Integer> index = new IdentityHashMap<>();
    List<Object> packedGroups = new ArrayList<>();
    for (ParamGroup g : groups) {
      Map<String, Object> packed = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : g.rawOptions().entrySet()) {
        packed.put(e.getKey(), exportValue(e.getValue()));
      }
      List<Object> ids = new ArrayList<>();
      for (Tensor p : g.params()) {
        index.putIfAbsent(p, index.size());
        ids.add(index.get(p));
      }
      packed.put("params", ids);
      packedGroups.add(packed);
    }
    Map<Object, Object> packedState = new LinkedHashMap<>();
    for (ParamGroup g : groups) {
      for (Tensor p : g.params()) {
        ParamState st = state.get(p);
        if (st == null || st.isEmpty()) {
          continue;
        }
        Map<String, Object> s = new LinkedHashMap<>();
        if (st.hasStep) {
          s.put("step", stepIsTensor()
              ? Tensor.scalar((double) st.step, DType.FLOAT32)
              : (Object) st.step);
        }
        s.putAll(st.buffers);
        packedState.put(index.get(p), s);
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("state", packedState);
    out.put("param_groups", packedGroups);
    return out;
  }

  private static Object exportValue(Object v) {
    if (v instanceof double[] t) {
      List<Double> list = new ArrayList<>();
      for (double x : t) {
        list.add(x);
      }
      return list;
    }
    return v;
  }

  /**
   * Loads a state dict made by {@link #stateDict()} (here or by PyTorch, once read into Java
   * values): the groups' hyperparameters are replaced by the saved ones (defaults fill in what is
   * missing), and the state of every parameter by the saved state, its tensors copied (never
   * aliased) and cast to the parameter's dtype. Parameters are matched by position: the i-th
   * parameter of the saved groups is the i-th of this optimizer's groups. Nothing changes if
   * validation fails.
   *
   * @throws IllegalArgumentException naming the problem if the dict's structure, the number of
   *     groups, the number of parameters of a group, a state tensor's shape, a step count or a
   *     hyperparameter is wrong
   */
  @Override
  public void loadStateDict(Map<String, Object> stateDict) {
    Object st = stateDict.get("state");
    Object pg = stateDict.get("param_groups");
    if (!(st instanceof Map<?, ?> savedState) || !(pg instanceof List<?> savedGroups)) {
      throw new IllegalArgumentException("a state dict has a map \"state\" and a list"
          + " \"param_groups\", got keys " + stateDict.keySet());
    }
    if (savedGroups.size() != groups.size()) {
      throw new IllegalArgumentException("loaded state dict has " + savedGroups.size()
          + " parameter groups, but the optimizer has " + groups.size());
    }
    Map<Long, Tensor> idMap = new LinkedHashMap<>();
    List<ParamGroup> newGroups = new ArrayList<>();
    for (int i = 0; i < groups.size(); i++) {
      ParamGroup mine = groups.get(i);
      if (!(savedGroups.get(i) instanceof Map<?, ?> saved)) {
        throw new IllegalArgumentException("param_groups[" + i + "] of the loaded state dict is"
            + " not a map");
      }
      if (!(saved.get("params") instanceof List<?> ids)) {
        throw new IllegalArgumentException("param_groups[" + i + "] of the loaded state dict has"
            + " no \"params\" list");
      }
      if (ids.size() != mine.params().size()) {
        throw new IllegalArgumentException("loaded state dict contains a parameter group that"
            + " doesn't match the size of optimizer's group: param_groups[" + i + "] has "
            + ids.size() + " parameters, the optimizer's has " + mine.params().size());
      }
      for (int j = 0; j < ids.size(); j++) {
        idMap.put(toIndex(ids.get(j), "param_groups[" + i + "].params[" + j + "]"),
            mine.params().get(j));
      }
      ParamGroup fresh = new ParamGroup(mine.params());
      for (Map.Entry<?, ?> e : saved.entrySet()) {
        String key = String.valueOf(e.getKey());
        if (!key.equals("params") && e.getValue() != null) {
          fresh.putRaw(key, importValue(e.getValue(), "param_groups[" + i + "]." + key));
        }
      }
      for (Map.Entry<String, Object> e : defaults.entrySet()) {
        if (!fresh.has(e.getKey())) {
          Object v = e.getValue();
          fresh.putRaw(e.getKey(), v instanceof double[] t ? t.clone() : v);
        }
      }
      if (!fresh.has("lr")) {
        throw new IllegalArgumentException("param_groups[" + i + "] of the loaded state dict has"
            + " no lr");
      }
      checkKinds(fresh);
      validate(fresh);
      newGroups.add(fresh);
    }
    // Validate every entry before copying anything, so a bad dict leaves the optimizer unchanged.
    Map<Tensor, Map<?, ?>> entries = new IdentityHashMap<>();
    for (Map.Entry<?, ?> e : savedState.entrySet()) {
      long id = toIndex(e.getKey(), "state key");
      Tensor p = idMap.get(id);
      if (p == null) {
        throw new IllegalArgumentException("loaded state dict has state for parameter " + id
            + ", which is in none of its param_groups " + idMap.keySet());
      }
      if (!(e.getValue() instanceof Map<?, ?> m)) {
        throw new IllegalArgumentException("state of parameter " + id + " is not a map");
      }
      for (Map.Entry<?, ?> b : m.entrySet()) {
        String key = String.valueOf(b.getKey());
        Object v = b.getValue();
        if (key.equals("step")) {
          toStep(v, id);
        } else if (v instanceof Tensor t) {
          if (!Arrays.equals(t.shape(), p.shape())) {
            throw new IllegalArgumentException("state '" + key + "' of parameter " + id
                + " has shape " + Arrays.toString(t.shape()) + ", but the parameter has shape "
                + Arrays.toString(p.shape()));
          }
          if (!t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("state '" + key + "' of parameter " + id
                + " is " + t.describe() + "; a floating point tensor was expected");
          }
        } else if (v != null) {
          throw new IllegalArgumentException("state '" + key + "' of parameter " + id
              + " is a " + v.getClass().getSimpleName() + "; a tensor was expected");
        }
      }
      entries.put(p, m);
    }
    Map<Tensor, ParamState> newState = new IdentityHashMap<>();
    for (Map.Entry<Tensor, Map<?, ?>> e : entries.entrySet()) {
      Tensor p = e.getKey();
      ParamState ps = new ParamState();
      for (Map.Entry<?, ?> b : e.getValue().entrySet()) {
        String key = String.valueOf(b.getKey());
        if (key.equals("step")) {
          ps.setStep(toStep(b.getValue(), -1));
        } else if (b.getValue() instanceof Tensor t) {
          Tensor copy = newBuffer(p, 0);
          try (GradMode g = Autograd.noGrad()) {
            copy.copy_(t.detach());
          }
          ps.putBuffer(key, copy);
        }
      }
      newState.put(p, ps);
    }
    for (int i = 0; i < groups.size(); i++) {
      ParamGroup mine = groups.get(i);
      mine.clearOptions();
      mine.rawOptions().putAll(newGroups.get(i).rawOptions());
    }
    state.clear();
    state.putAll(newState);
  }

  private static long toIndex(Object key, String what) {
    if (key instanceof Integer || key instanceof Long || key instanceof Short) {
      return ((Number) key).longValue();
    }
    if (key instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return n.longValue();
    }
    if (key instanceof String s && s.matches("-?\\d+")) {
      return Long.parseLong(s);
    }
    throw new IllegalArgumentException(what + " must be a parameter index, got " + key);
  }

  private static long toStep(Object v, long id) {
    double d;
    if (v instanceof Number n) {
      d = n.doubleValue();
    } else if (v instanceof Tensor t && t.numel() == 1) {
      d = t.item();
    } else {
      throw new IllegalArgumentException("step of parameter " + id
          + " must be a number or a one-element tensor, got " + v);
    }
    if (!(d >= 0) || d != Math.rint(d)) {
      throw new IllegalArgumentException("step of parameter " + id
          + " must be a non-negative integer, got " + d);
    }
    return (long) d;
  }

  private static Object importValue(Object v, String what) {
    if (v instanceof Boolean) {
      return v;
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof double[] t) {
      return t.clone();
    }
    if (v instanceof List<?> list) {
      double[] t = new double[list.size()];
      for (int i = 0; i < t.length; i++) {
        if (!(list.get(i) instanceof Number n)) {
          throw new IllegalArgumentException(what + " must be a list of numbers, got " + list);
        }
        t[i] = n.doubleValue();
      }
      return t;
    }
    throw new IllegalArgumentException(what + " must be a number, a boolean or a list of"
        + " numbers, got " + v);
  }

  // ---------------------------------------------------------------------------------------------
  // Validation helpers

  /** Throws {@code IllegalArgumentException(message + value)} unless {@code ok}. */
  protected static void check(boolean ok, String message, double value) {
    if (!ok) {
      throw new IllegalArgumentException(message + value);
    }
  }

  /** PyTorch's lr check: {@code "Invalid learning rate: -1.0"} (only where lr is present). */
  protected static void checkLr(ParamGroup g) {
    if (g.has("lr")) {
      check(g.lr() >= 0, "Invalid learning rate: ", g.lr());
    }
  }

  /** {@code 1.0} or {@code 0.0}. */
  static double flag(ParamGroup g, String name) {
    return g.getFlag(name) ? 1 : 0;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(name).append(" (");
    for (int i = 0; i < groups.size(); i++) {
      b.append("\nParameter Group ").append(i);
      ParamGroup g = groups.get(i);
      for (String k : new TreeSet<>(g.names())) {
        Object v = g.raw(k);
        b.append("\n    ").append(k).append(": ")
            .append(v instanceof double[] t ? Arrays.toString(t) : v);
      }
    }
    return b.append("\n)").toString();
  }
}
