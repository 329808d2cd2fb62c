package dev.ember.nn;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The base of every layer and model, as {@code torch.nn.Module}: named parameters, buffers and
 * child modules registered in order, training/evaluation mode, device and dtype moves, state
 * dicts and a readable tree.
 *
 * <p>Layers read their parameters by name at each call ({@code parameter("weight")}) instead of
 * caching them in fields, so that {@link #to(Device)} and {@link #to(DType)} can replace them.
 * Construct optimizers after moving a model, as in PyTorch.
 *
 * <p>State-dict order is PyTorch's: a module's own parameters, then its own persistent buffers,
 * then each child's entries prefixed with {@code childName.}.
 */
public abstract class Module {
  private final Map<String, Tensor> parameters = new LinkedHashMap<>();
  private final Map<String, Tensor> buffers = new LinkedHashMap<>();
  private final Set<String> nonPersistent = new LinkedHashSet<>();
  private final Map<String, Module> children = new LinkedHashMap<>();
  private boolean training = true;

  /** Computes this module's output for {@code input}. */
  public abstract Tensor forward(Tensor input);

  // ---------------------------------------------------------------------------------------------
  // Registration

  private void checkName(String kind, String name) {
    if (name == null || name.isEmpty() || name.contains(".")) {
      throw new IllegalArgumentException(
          kind + " name must be non-empty and contain no '.', got \"" + name + "\"");
    }
    if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
      throw new IllegalArgumentException(
          "attribute \"" + name + "\" already exists in " + getClass().getSimpleName());
    }
  }

  /**
   * Registers a parameter (made a {@link Parameter} if it is not one); {@code null} registers an
   * absent optional parameter (such as a disabled bias). Returns the registered tensor.
   */
  protected Tensor registerParameter(String name, Tensor value) {
    checkName("parameter", name);
    Tensor p = value == null ? null : Parameter.of(value);
    parameters.put(name, p);
    return p;
  }

  /** Registers a persistent buffer (saved in the state dict); returns it. */
  protected Tensor registerBuffer(String name, Tensor value) {
    return registerBuffer(name, value, true);
  }

  /**
   * Registers a buffer: state that is not trained (running statistics); persistent buffers are
   * part of the state dict. Returns it.
   */
  protected Tensor registerBuffer(String name, Tensor value, boolean persistent) {
    checkName("buffer", name);
    Tensor b = value == null ? null : value.detach().persist();
    buffers.put(name, b);
    if (!persistent) {
      nonPersistent.add(name);
    }
    return b;
  }

  /** Registers a child module; returns it. */
  protected <M extends Module> M registerModule(String name, M module) {
    checkName("module", name);
    if (module == null) {
      throw new IllegalArgumentException("module \"" + name + "\" is null");
    }
    children.put(name, module);
    return module;
  }

  /**
   * This module's own parameter {@code name} (null for an absent optional one).
   *
   * @throws IllegalArgumentException if there is no such parameter
   */
  public Tensor parameter(String name) {
    if (!parameters.containsKey(name)) {
      throw new IllegalArgumentException(
          getClass().getSimpleName() + " has no parameter \"" + name + "\"; it has "
              + parameters.keySet());
    }
    return parameters.get(name);
  }

  /**
   * This module's own buffer {@code name}.
   *
   * @throws IllegalArgumentException if there is no such buffer
   */
  public Tensor buffer(String name) {
    if (!buffers.containsKey(name)) {
      throw new IllegalArgumentException(
          getClass().getSimpleName() + " has no buffer \"" + name + "\"; it has "
              + buffers.keySet());
    }
    return buffers.get(name);
  }

  /** Replaces the value of this module's own buffer {@code name} (for running statistics). */
  protected void setBuffer(String name, Tensor value) {
    buffer(name);
    buffers.put(name, value.detach().persist());
  }

  // ---------------------------------------------------------------------------------------------
  // Traversal

  /** The direct children, by name, in registration order. */
  public Map<String, Module> namedChildren() {
    return Collections.unmodifiableMap(children);
  }

  /** The direct children in registration order. */
  public List<Module> children() {
    return List.copyOf(children.values());
  }

  /** This module and all its descendants, by dotted name ("" for this one), depth first. */
  public Map<String, Module> namedModules() {
    Map<String, Module> out = new LinkedHashMap<>();
    collectModules("", out);
    return out;
  }

  private void collectModules(String prefix, Map<String, Module> out) {
    out.put(prefix, this);
    for (Map.Entry<String, Module> e : children.entrySet()) {
      e.getValue().collectModules(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), out);
    }
  }

  /** All parameters of this module and its descendants, by dotted name (absent ones skipped). */
  public Map<String, Tensor> namedParameters() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    Set<Tensor> seen = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Map.Entry<String, Module> m : namedModules().entrySet()) {
      for (Map.Entry<String, Tensor> p : m.getValue().parameters.entrySet()) {
        if (p.getValue() != null && seen.add(p.getValue())) {
          out.put(join(m.getKey(), p.getKey()), p.getValue());
        }
      }
    }
    return out;
  }

  /** All parameters, each once, in {@link #namedParameters()} order: what optimizers take. */
  public List<Tensor> parameters() {
    return new ArrayList<>(namedParameters().values());
  }

  /** All buffers of this module and its descendants, by dotted name. */
  public Map<String, Tensor> namedBuffers() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Module> m : namedModules().entrySet()) {
      for (Map.Entry<String, Tensor> b : m.getValue().buffers.entrySet()) {
        if (b.getValue() != null) {
          out.put(join(m.getKey(), b.getKey()), b.getValue());
        }
      }
    }
    return out;
  }

  /** The number of elements of all parameters (optionally only the trainable ones). */
  public long numParameters(boolean trainableOnly) {
    long n = 0;
    for (Tensor p : namedParameters().values()) {
      if (!trainableOnly || p.requiresGrad()) {
        n += p.numel();
      }
    }
    return n;
  }

  private static String join(String prefix, String name) {
    return prefix.isEmpty() ? name : prefix + "." + name;
  }

  /** Calls {@code fn} on every descendant (children first) and then on this module; returns this. */
  public Module apply(Consumer<Module> fn) {
    for (Module c : children.values()) {
      c.apply(fn);
    }
    fn.accept(this);
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // Modes and gradients

  /** Sets training mode on this module and its descendants; returns this. */
  public Module train(boolean mode) {
    training = mode;
    for (Module c : children.values()) {
      c.train(mode);
    }
    return this;
  }

  /** Training mode (dropout active, batch norm uses and updates batch statistics); returns this. */
  public Module train() {
    return train(true);
  }

  /** Evaluation mode; returns this. */
  public Module eval() {
    return train(false);
  }

  /** Whether this module is in training mode. */
  public boolean isTraining() {
    return training;
  }

  /** Clears the gradient of every parameter (sets it to null, as PyTorch 2 does by default). */
  public void zeroGrad() {
    for (Tensor p : namedParameters().values()) {
      p.setGrad(null);
    }
  }

  /** Turns gradient tracking of every parameter on or off (freezing); returns this. */
  public Module requiresGrad(boolean flag) {
    for (Tensor p : namedParameters().values()) {
      p.requiresGrad(flag);
    }
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // Moves

  /** Moves every parameter and buffer to {@code device}; returns this. */
  public Module to(Device device) {
    return map(t -> t.to(device), t -> t.to(device));
  }

  /**
   * Converts floating-point parameters and buffers to {@code dtype} (integer buffers such as
   * {@code num_batches_tracked} keep theirs); returns this.
   *
   * @throws IllegalArgumentException if {@code dtype} is not floating point
   */
  public Module to(DType dtype) {
    if (!dtype.isFloatingPoint()) {
      throw new IllegalArgumentException("a module's dtype must be floating point, got " + dtype);
    }
    UnaryOperator<Tensor> cast = t -> t.dtype().isFloatingPoint() ? t.to(dtype) : t;
    return map(cast, cast);
  }

  private Module map(UnaryOperator<Tensor> params, UnaryOperator<Tensor> bufs) {
    for (Module m : namedModules().values()) {
      try (GradMode ng = Autograd.noGrad()) {
        for (Map.Entry<String, Tensor> e : m.parameters.entrySet()) {
          Tensor p = e.getValue();
          if (p != null) {
            Tensor moved = params.apply(p);
            if (moved != p) {
              boolean trainable = p.requiresGrad();
              e.setValue(Parameter.of(moved).requiresGrad(trainable));
            }
          }
        }
        for (Map.Entry<String, Tensor> e : m.buffers.entrySet()) {
          if (e.getValue() != null) {
            e.setValue(bufs.apply(e.getValue()).persist());
          }
        }
      }
    }
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // State dicts

  /**
   * The parameters and persistent buffers by dotted name, in PyTorch's order; the tensors are
   * detached aliases of the module's (writing into them writes the module).
   */
  public Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Module> m : namedModules().entrySet()) {
      Module mod = m.getValue();
      for (Map.Entry<String, Tensor> p : mod.parameters.entrySet()) {
        if (p.getValue() != null) {
          out.put(join(m.getKey(), p.getKey()), p.getValue().detach());
        }
      }
      for (Map.Entry<String, Tensor> b : mod.buffers.entrySet()) {
        if (b.getValue() != null && !mod.nonPersistent.contains(b.getKey())) {
          out.put(join(m.getKey(), b.getKey()), b.getValue().detach());
        }
      }
    }
    return out;
  }

  /** What {@link #loadStateDict} did not match: keys the module has but the dict lacks, and the reverse. */
  public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys) {}

  /**
   * Copies values from {@code state} into this module's parameters and buffers (converting dtype
   * and device). With {@code strict}, missing or unexpected keys are an error; otherwise they are
   * reported in the result. Nothing is written unless every present key's shape matches.
   *
   * @throws IllegalArgumentException naming the keys, or a key and both shapes on a size mismatch
   */
  public LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
    Map<String, Tensor> own = stateDict();
    List<String> missing = new ArrayList<>();
    List<String> unexpected = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    for (String k : own.keySet()) {
      if (!state.containsKey(k)) {
        missing.add(k);
      }
    }
    for (Map.Entry<String, Tensor> e : state.entrySet()) {
      Tensor mine = own.get(e.getKey());
      if (mine == null) {
        unexpected.add(e.getKey());
      } else if (!Arrays.equals(mine.shape(), e.getValue().shape())) {
        errors.add("size mismatch for " + e.getKey() + ": copying a param with shape "
            + Arrays.toString(e.getValue().shape()) + " from checkpoint, the shape in current model is "
            + Arrays.toString(mine.shape()));
      }
    }
    if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
      if (!missing.isEmpty()) {
        errors.add("missing keys: " + missing);
      }
      if (!unexpected.isEmpty()) {
        errors.add("unexpected keys: " + unexpected);
      }
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(
          "error(s) in loading state dict for " + getClass().getSimpleName() + ":\n\t"
              + String.join("\n\t", errors));
    }
    try (GradMode ng = Autograd.noGrad()) {
      for (Map.Entry<String, Tensor> e : state.entrySet()) {
        Tensor mine = own.get(e.getKey());
        if (mine != null) {
          mine.copy_(e.getValue());
        }
      }
    }
    return new LoadResult(List.copyOf(missing), List.copyOf(unexpected));
  }

  /** {@link #loadStateDict(Map, boolean)} with {@code strict = true}. */
  public LoadResult loadStateDict(Map<String, Tensor> state) {
    return loadStateDict(state, true);
  }

  // ---------------------------------------------------------------------------------------------
  // Printing

  /** The part inside the parentheses of this module's line, e.g. {@code in_features=784, ...}. */
  protected String extraRepr() {
    return "";
  }

  /**
   * A tree like PyTorch's, one line per module, followed (at the top level) by the parameter
   * count: {@code Linear(in_features=784, out_features=10, bias=true)}.
   */
  @Override
  public String toString() {
    return repr() + "\n" + String.format("%,d parameters (%,d trainable)", numParameters(false),
        numParameters(true));
  }

  private String repr() {
    String name = getClass().getSimpleName();
    if (children.isEmpty()) {
      return name + "(" + extraRepr() + ")";
    }
    StringBuilder sb = new StringBuilder(name).append("(");
    String extra = extraRepr();
    if (!extra.isEmpty()) {
      sb.append("\n  ").append(extra);
    }
    for (Map.Entry<String, Module> e : children.entrySet()) {
      sb.append("\n  (").append(e.getKey()).append("): ")
          .append(e.getValue().repr().replace("\n", "\n  "));
    }
    return sb.append("\n)").toString();
  }
}
