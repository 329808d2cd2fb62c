package dev.ember.io;

import dev.ember.nn.Module;
import dev.ember.optim.Stateful;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Model weights and whole training checkpoints as safetensors files.
 *
 * <p>{@link #saveWeights} writes a module's state dict with PyTorch's key names, so the file
 * opens with {@code safetensors.torch.load_file} and loads into the same PyTorch model. {@link
 * #save} writes one file holding what resuming needs — model, optimizer, scheduler, epoch and the
 * random generator's state — through {@link Checkpoints}; {@link #load} restores all of it into
 * freshly built objects, so training continues exactly as if it had not stopped. Writes are atomic
 * (temporary file, then rename); loads change nothing unless every part fits.
 *
 * <pre>{@code
 * TrainingCheckpoint.save(dir.resolve("ckpt.safetensors"), epoch, model, opt, sched,
 *     Generator.getDefault());
 * int epoch = TrainingCheckpoint.load(path, model, opt, sched, Generator.getDefault());
 * }</pre>
 */
public final class TrainingCheckpoint {
  /** The value of the {@code format} entry of a checkpoint. */
  public static final String FORMAT = "ember-training-checkpoint";

  private TrainingCheckpoint() {}

  /** Writes {@code model}'s state dict to a safetensors file (atomically). */
  public static void saveWeights(Module model, Path path) throws IOException {
    SafeTensors.save(model.stateDict(), Map.of("format", "pt"), path);
  }

  /**
   * Loads a safetensors state dict (Ember's or PyTorch's) into {@code model}, strictly.
   *
   * @throws IllegalArgumentException naming missing, unexpected or mis-shaped keys
   */
  public static void loadWeights(Module model, Path path) throws IOException {
    model.loadStateDict(SafeTensors.load(path).tensors(), true);
  }

  /**
   * Writes a checkpoint after {@code epoch} completed epochs; {@code optimizer}, {@code
   * scheduler} and {@code rng} may be null (not saved).
   */
  public static void save(Path path, int epoch, Module model, Stateful optimizer,
      Stateful scheduler, Generator rng) throws IOException {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("format", FORMAT);
    state.put("epoch", epoch);
    state.put("model", new LinkedHashMap<>(model.stateDict()));
    if (optimizer != null) {
      state.put("optimizer", optimizer.stateDict());
    }
    if (scheduler != null) {
      state.put("scheduler", scheduler.stateDict());
    }
    if (rng != null) {
      state.put("rng", rng.state());
    }
    Checkpoints.save(state, path);
  }

  /**
   * Restores a checkpoint into {@code model} and, where not null, {@code optimizer}, {@code
   * scheduler} and {@code rng}; returns the number of completed epochs it records. Every part is
   * checked before anything changes: on an error, all objects keep their state.
   *
   * @throws IllegalArgumentException if the file is not a training checkpoint, lacks a part that
   *     was asked for, or a part does not fit its object
   * @throws IOException if the file cannot be read or is corrupt
   */
  public static int load(Path path, Module model, Stateful optimizer, Stateful scheduler,
      Generator rng) throws IOException {
    Map<String, Object> state = Checkpoints.load(path);
    if (!FORMAT.equals(state.get("format"))) {
      throw new IllegalArgumentException(
          path + " is not an Ember training checkpoint (format " + state.get("format") + ")");
    }
    Map<String, Tensor> weights = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : part(path, state, "model").entrySet()) {
      if (!(e.getValue() instanceof Tensor t)) {
        throw new IllegalArgumentException(path + ": model entry " + e.getKey() + " is not a tensor");
      }
      weights.put(e.getKey(), t);
    }
    Map<String, Object> opt = optimizer == null ? null : part(path, state, "optimizer");
    Map<String, Object> sched = scheduler == null ? null : part(path, state, "scheduler");
    long[] rngState = null;
    if (rng != null) {
      if (!(state.get("rng") instanceof long[] r)) {
        throw new IllegalArgumentException(path + " holds no generator state");
      }
      rngState = r;
    }
    if (!(state.get("epoch") instanceof Number n)) {
      throw new IllegalArgumentException(path + " records no epoch");
    }
    int epochs = n.intValue();
    if (rngState != null && !Generator.isValidState(rngState)) {
      throw new IllegalArgumentException(path + ": invalid generator state");
    }
    // Load in an order that can be undone. Each object validates before it changes; the model
    // and the scheduler are restored from snapshots if a later part does not fit, and the
    // optimizer, whose state dict aliases its live tensors, goes last.
    Map<String, Tensor> modelBefore = new LinkedHashMap<>();
    model.stateDict().forEach((k, v) -> modelBefore.put(k, v.clone().persist()));
    Map<String, Object> schedBefore = scheduler == null ? null : scheduler.stateDict();
    model.loadStateDict(weights, true);
    try {
      if (scheduler != null) {
        scheduler.loadStateDict(sched);
      }
      if (optimizer != null) {
        optimizer.loadStateDict(opt);
      }
    } catch (RuntimeException e) {
      model.loadStateDict(modelBefore, true);
      if (scheduler != null) {
        scheduler.loadStateDict(schedBefore);
      }
      throw e;
    }
    if (rng != null) {
      rng.setState(rngState);
    }
    return epochs;
  }

  private static Map<String, Object> part(Path path, Map<String, Object> state, String key) {
    Object v = state.get(key);
    if (!(v instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException(
          path + " holds no " + key + " state (it has " + List.copyOf(state.keySet()) + ")");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach((k, val) -> out.put(String.valueOf(k), val));
    return out;
  }
}
