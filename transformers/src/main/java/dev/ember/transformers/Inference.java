package dev.ember.transformers;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.io.FormatException;
import dev.ember.io.SafeTensors;
import dev.ember.nn.Module;
import dev.ember.nn.Sequential;
import dev.ember.spark.DeviceAssignment;
import dev.ember.spec.Network;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.io.Serializable;
import java.util.Arrays;
import org.apache.spark.broadcast.Broadcast;

/**
 * What an executor needs to run a model's network over batches: the spec, a handle on the weights
 * (a broadcast, or the bytes themselves on the driver), the per-sample input and output shapes.
 * Small to serialize; the network is built at most once per concurrent user per JVM through
 * {@link ModulePool}.
 */
final class Inference implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The weights in safetensors form, however they reach this JVM. */
  interface Weights extends Serializable {
    byte[] bytes();
  }

  /** Weights shipped with a Spark broadcast: fetched once per executor. */
  static Weights broadcast(Broadcast<byte[]> b) {
    return b::value;
  }

  /** Weights held directly (the driver's own model). */
  static Weights direct(byte[] bytes) {
    return () -> bytes;
  }

  private final String key;
  private final String model;
  private final String networkJson;
  private final Weights weights;
  private final int[] sampleShape;
  private final int numFeatures;
  private final int outputSize;
  private final boolean indexInput;
  private final String device;

  Inference(String key, String model, String networkJson, Weights weights, int[] sampleShape,
      int outputSize, boolean indexInput) {
    this(key, model, networkJson, weights, sampleShape, outputSize, indexInput, "cpu");
  }

  private Inference(String key, String model, String networkJson, Weights weights,
      int[] sampleShape, int outputSize, boolean indexInput, String device) {
    this.key = key;
    this.model = model;
    this.networkJson = networkJson;
    this.weights = weights;
    this.sampleShape = sampleShape.clone();
    this.numFeatures = Arrays.stream(sampleShape).reduce(1, Math::multiplyExact);
    this.outputSize = outputSize;
    this.indexInput = indexInput;
    this.device = DeviceAssignment.normalize(device);
  }

  /** The same network with its weights reached another way. */
  Inference with(Weights w) {
    return new Inference(key, model, networkJson, w, sampleShape, outputSize, indexInput, device);
  }

  /**
   * The same network run on the device {@code requested} ({@code auto}, {@code cpu}, {@code
   * cuda} or {@code opencl}), chosen per task where it runs as training chooses it ({@link
   * DeviceAssignment#forCurrentTask}): an explicit GPU request on a machine without one fails
   * there, it never runs on the CPU instead.
   *
   * @throws IllegalArgumentException for another request
   */
  Inference onDevice(String requested) {
    return new Inference(key, model, networkJson, weights, sampleShape, outputSize, indexInput,
        requested);
  }

  /** A content hash of the spec and weights (the pool key is it plus {@code @device}). */
  String key() {
    return key;
  }

  int numFeatures() {
    return numFeatures;
  }

  int outputSize() {
    return outputSize;
  }

  /**
   * Builds the network with the weights loaded, in evaluation mode on the inference device.
   *
   * @throws IllegalArgumentException if the weights are not safetensors (naming the problem) or
   *     do not fit the network
   */
  Module build(Device device) {
    Sequential net = Network.fromJson(networkJson).build();
    SafeTensors.Loaded loaded;
    try {
      loaded = SafeTensors.fromBytes(weights.bytes(), model + " weights");
    } catch (FormatException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    try {
      net.loadStateDict(loaded.tensors());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(model + ": the weights do not fit the network: "
          + e.getMessage(), e);
    }
    net.eval();
    net.to(device);
    return net;
  }

  /**
   * Runs the network on {@code rows} samples whose features fill {@code features[0 .. rows *
   * numFeatures)}, returning the outputs row-major, {@code rows * outputSize} floats.
   *
   * @throws IllegalStateException if the network's output is not (rows, outputSize)
   */
  float[] forward(float[] features, int rows) {
    int[] shape = new int[sampleShape.length + 1];
    shape[0] = rows;
    System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
    int n = rows * numFeatures;
    float[] data = features.length == n ? features : Arrays.copyOf(features, n);
    Device d = DeviceAssignment.forCurrentTask(device);
    String poolKey = key + "@" + d;
    Module net = ModulePool.borrow(poolKey, () -> build(d));
    try (Scope s = Tensor.scope(); GradMode g = Autograd.noGrad()) {
      Tensor x = Tensor.of(data, shape).to(d);
      if (indexInput) {
        x = x.to(DType.INT64);
      }
      Tensor y = net.forward(x);
      if (y.numel() != (long) rows * outputSize || y.shape()[0] != rows) {
        throw new IllegalStateException(model + ": the network returned shape "
            + Arrays.toString(y.shape()) + " for a batch of " + rows + ", expected (" + rows
            + ", " + outputSize + ")");
      }
      return y.toFloatArray();
    } finally {
      ModulePool.release(poolKey, net);
    }
  }
}
