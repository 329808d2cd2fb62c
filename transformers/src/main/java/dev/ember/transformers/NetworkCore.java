package dev.ember.transformers;

import dev.ember.io.FormatException;
import dev.ember.io.Json;
import dev.ember.io.SafeTensors;
import dev.ember.spec.Network;
import dev.ember.tensor.Device;
import dev.ember.tensor.Tensor;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The part of a fitted model that is not Spark params: the network spec, its weights in
 * safetensors form, the per-sample input shape and output size, checked against each other once
 * at construction.
 */
final class NetworkCore implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Layers that keep the feature count, skipped when looking for the first sized layer. */
  private static final Set<String> SHAPE_KEEPING = Set.of("dropout", "flatten", "relu", "gelu",
      "silu", "sigmoid", "tanh", "softplus", "leakyRelu", "elu", "softmax", "logSoftmax");

  private final Network network;
  private final byte[] weights;
  private final int[] inputShape;
  private final int[] sampleShape;
  private final int outputSize;
  private final Inference local;

  /**
   * Checks and wraps a model's network and weights.
   *
   * @param model names the model in messages (class and uid)
   * @param inputShape the per-sample shape flat features are reshaped to; empty: flat features,
   *     as many as the first sized layer takes (a linear layer's {@code in})
   * @param outputSize classes or regression outputs: the network's per-sample output must be
   *     {@code [outputSize]}
   * @throws IllegalArgumentException if the weights are not safetensors, do not match the
   *     network's parameters (missing, unexpected or mis-shaped keys), the feature count cannot be
   *     told from a flat network, or the network's output for {@code inputShape} is not {@code
   *     [outputSize]}
   */
  NetworkCore(String model, Network network, byte[] weights, int[] inputShape, int outputSize) {
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(weights, "weightsSafetensors");
    Objects.requireNonNull(inputShape, "inputShape");
    if (outputSize < 1) {
      throw new IllegalArgumentException(model + ": the number of outputs must be positive, got "
          + outputSize);
    }
    this.network = network;
    this.weights = weights.clone();
    this.inputShape = inputShape.clone();
    this.sampleShape = inputShape.length > 0 ? inputShape.clone()
        : new int[] {flatFeatures(model, network)};
    this.outputSize = outputSize;
    int[] out;
    try {
      out = network.outputShape(sampleShape);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(model + ": the network cannot take per-sample input "
          + Arrays.toString(sampleShape) + ": " + e.getMessage(), e);
    }
    if (!Arrays.equals(out, new int[] {outputSize})) {
      throw new IllegalArgumentException(model + ": the network's per-sample output for input "
          + Arrays.toString(sampleShape) + " is " + Arrays.toString(out) + ", expected ["
          + outputSize + "]");
    }
    String json = network.toJson();
    this.local = new Inference(key(json, this.weights), model, json,
        Inference.direct(this.weights), sampleShape, outputSize, firstLayer(network)
            .equals("embedding"));
    // Fail here, not on an executor, if the weights do not fit; the module built is kept.
    ModulePool.release(local.key() + "@" + Device.CPU, local.build(Device.CPU));
  }

  private static String key(String json, byte[] weights) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(json.getBytes(StandardCharsets.UTF_8));
      d.update((byte) 0);
      d.update(weights);
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static List<?> layers(Network network) {
    return (List<?>) ((Map<?, ?>) Json.parse(network.toJson())).get("layers");
  }

  private static String firstLayer(Network network) {
    List<?> layers = layers(network);
    return layers.isEmpty() ? "" : (String) ((Map<?, ?>) layers.get(0)).get("type");
  }

  /** The feature count of a network fed flat features: the first sized layer's input size. */
  private static int flatFeatures(String model, Network network) {
    for (Object o : layers(network)) {
      Map<?, ?> layer = (Map<?, ?>) o;
      String type = (String) layer.get("type");
      if (SHAPE_KEEPING.contains(type)) {
        continue;
      }
      switch (type) {
        case "linear":
          return ((Number) layer.get("in")).intValue();
        case "batchNorm1d":
          return ((Number) layer.get("features")).intValue();
        default:
          throw new IllegalArgumentException(model + ": cannot tell how many flat features a"
              + " network starting with " + type + " takes; give the model an inputShape");
      }
    }
    throw new IllegalArgumentException(model + ": a network without a sized layer needs an"
        + " inputShape");
  }

  Network network() {
    return network;
  }

  /** The weights in safetensors form (a copy). */
  byte[] weights() {
    return weights.clone();
  }

  /** The weights by state-dict key, as new tensors. */
  Map<String, Tensor> stateDict() {
    try {
      return SafeTensors.fromBytes(weights, "model weights").tensors();
    } catch (FormatException e) {
      throw new IllegalStateException("weights checked at construction no longer decode", e);
    }
  }

  /** The input shape as given: empty for flat features. */
  int[] inputShape() {
    return inputShape.clone();
  }

  int numFeatures() {
    return local.numFeatures();
  }

  int outputSize() {
    return outputSize;
  }

  /** Inference on this JVM from the bytes held here. */
  Inference local() {
    return local;
  }
}
