package dev.ember.spark;

import dev.ember.io.SafeTensors;
import dev.ember.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link DistributedTrainer#fit} returns: the model state of the final epoch (or, with early
 * stopping, of the best one), as a state dict and as safetensors bytes, the averaged optimizer
 * state, and the {@link TrainingSummary}.
 */
public final class TrainResult {
  private final Map<String, Tensor> stateDict;
  private final byte[] safetensors;
  private final Map<String, Tensor> optimizerState;
  private final TrainingSummary summary;
  private final int epoch;

  TrainResult(Map<String, Tensor> stateDict, Map<String, Tensor> optimizerState,
      TrainingSummary summary, int epoch) {
    this.stateDict = Collections.unmodifiableMap(new LinkedHashMap<>(stateDict));
    this.safetensors = SafeTensors.toBytes(stateDict, Map.of("format", "pt"));
    this.optimizerState = Collections.unmodifiableMap(optimizerState == null
        ? new LinkedHashMap<>() : new LinkedHashMap<>(optimizerState));
    this.summary = summary;
    this.epoch = epoch;
  }

  /**
   * The model's state dict (parameters and persistent buffers by PyTorch's names, e.g. {@code
   * 0.weight}); the tensors are persistent (outside every scope). Load it with {@code
   * network.build().loadStateDict(result.stateDict())}.
   */
  public Map<String, Tensor> stateDict() {
    return stateDict;
  }

  /** The state dict in the safetensors format (a copy), as a model file or a broadcast holds it. */
  public byte[] safetensors() {
    return safetensors.clone();
  }

  /**
   * The averaged optimizer state, flat: {@code <parameter index>/<key>} (e.g. {@code
   * 0/exp_avg}, {@code 0/step}); empty when the optimizer state policy is reset or keepLocal,
   * or when the optimizer keeps no state.
   */
  public Map<String, Tensor> optimizerState() {
    return optimizerState;
  }

  /** The per-epoch history. */
  public TrainingSummary summary() {
    return summary;
  }

  /** The epoch whose state this is (the best one with early stopping, else the last). */
  public int epoch() {
    return epoch;
  }
}
