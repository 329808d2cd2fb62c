package dev.ember.spec;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.io.Json;
import dev.ember.nn.Sequential;
import dev.ember.tensor.DType;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A serializable description of a sequential network, as {@code torch.nn.Sequential} of standard
 * layers: written in Java with a fluent builder, held as JSON in a Spark ML string param, and
 * turned into a live {@link Sequential} on each executor with {@link #build()}.
 *
 * <pre>{@code
 * Network cnn = Network.sequential()
 *     .conv2d(1, 32, 3, 1, 1).relu().maxPool2d(2)
 *     .conv2d(32, 64, 3, 1, 1).relu().maxPool2d(2)
 *     .flatten().linear(3136, 128).relu().linear(128, 10);
 * String json = cnn.toJson();          // {"formatVersion":1,"layers":[{"type":"conv2d",...},...]}
 * Network.fromJson(json).equals(cnn);  // true
 * cnn.outputShape(1, 28, 28);          // [10]
 * }</pre>
 *
 * <p>Immutable: every builder method returns a new network with one more layer. Layer arguments
 * follow PyTorch's order and defaults; sizes are checked when a layer is added or read, shapes
 * between layers by {@link #outputShape}.
 *
 * <p>JSON: {@code {"formatVersion":1,"layers":[{"type":...,options},...]}}. {@link #toJson()}
 * writes every option, so a spec describes itself; {@link #fromJson} fills omitted options with
 * PyTorch's defaults (and a missing {@code formatVersion} means 1) and rejects unknown types and
 * keys, wrong value types and sizes that are not positive, naming the layer index, type and key.
 * The layer types and their options:
 *
 * <table>
 *   <caption>Layer types</caption>
 *   <tr><th>type</th><th>options (default)</th><th>per-sample input</th></tr>
 *   <tr><td>linear</td><td>in, out, bias (true)</td><td>(*, in)</td></tr>
 *   <tr><td>conv1d</td><td>in, out, kernel, stride (1), padding (0), dilation (1), groups (1),
 *       bias (true)</td><td>(in, L)</td></tr>
 *   <tr><td>conv2d</td><td>as conv1d</td><td>(in, H, W)</td></tr>
 *   <tr><td>convTranspose2d</td><td>in, out, kernel, stride (1), padding (0), outputPadding
 *       (0)</td><td>(in, H, W)</td></tr>
 *   <tr><td>maxPool2d, avgPool2d</td><td>kernel, stride (kernel), padding (0)</td>
 *       <td>(C, H, W)</td></tr>
 *   <tr><td>adaptiveAvgPool2d</td><td>outH, outW</td><td>(C, H, W)</td></tr>
 *   <tr><td>batchNorm1d</td><td>features</td><td>(features) or (features, L)</td></tr>
 *   <tr><td>batchNorm2d</td><td>features</td><td>(features, H, W)</td></tr>
 *   <tr><td>layerNorm</td><td>normalizedShape (array)</td><td>(*, normalizedShape)</td></tr>
 *   <tr><td>dropout</td><td>p (0.5)</td><td>any</td></tr>
 *   <tr><td>embedding</td><td>num, dim, paddingIdx (null: none)</td><td>integer indices</td></tr>
 *   <tr><td>flatten</td><td>none (flattens all but the batch dimension)</td><td>any</td></tr>
 *   <tr><td>rnn, lstm, gru</td><td>input, hidden, numLayers (1), bidirectional (false), output
 *       ("last"; or "all")</td><td>(L, input)</td></tr>
 *   <tr><td>relu, gelu, silu, sigmoid, tanh, softplus</td><td>none</td><td>any</td></tr>
 *   <tr><td>leakyRelu</td><td>slope (0.01)</td><td>any</td></tr>
 *   <tr><td>elu</td><td>alpha (1.0)</td><td>any</td></tr>
 *   <tr><td>softmax, logSoftmax</td><td>dim (counting the batch dimension, as in PyTorch)</td>
 *       <td>any</td></tr>
 * </table>
 *
 * <p>Java serialization writes the JSON and reads it back through {@link #fromJson}, so a
 * serialized network is validated like any other.
 */
public final class Network implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The JSON format version this class writes and reads. */
  public static final int FORMAT_VERSION = 1;

  /** What a recurrent layer passes on to the next layer. */
  public enum RecurrentOutput {
    /**
     * The top layer's final hidden state, (N, D * hidden): for a bidirectional layer the forward
     * direction's after the last step and the reverse direction's after reading the whole
     * sequence, side by side (PyTorch's {@code torch.cat([h_n[-2], h_n[-1]], dim=1)}; for one
     * direction, {@code h_n[-1]}, equal to {@code output[:, -1]}). What "LSTM, then the last
     * hidden state, then Linear" needs.
     */
    LAST,
    /** The top layer's output at every step, (N, L, D * hidden). */
    ALL
  }

  private final transient List<Layer> layers;

  private Network(List<Layer> layers) {
    this.layers = layers;
  }

  /** An empty network (the identity), to add layers to. */
  public static Network sequential() {
    return new Network(List.of());
  }

  /**
   * Reads a network from its JSON form.
   *
   * @throws IllegalArgumentException for malformed JSON (with the offset), an unsupported {@code
   *     formatVersion}, or a layer of an unknown type, with an unknown or missing key, a value of
   *     the wrong type or a size that is not positive (naming the layer index, type and key, and
   *     listing what is accepted)
   */
  public static Network fromJson(String json) {
    if (json == null) {
      throw new IllegalArgumentException("network JSON is null");
    }
    Object root;
    try {
      root = Json.parse(json);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("network JSON is malformed: " + e.getMessage(), e);
    }
    if (!(root instanceof Map<?, ?> top)) {
      throw new IllegalArgumentException("network JSON must be an object {\"formatVersion\":"
          + FORMAT_VERSION + ",\"layers\":[...]}, got " + Option.describe(root));
    }
    for (Object k : top.keySet()) {
      if (!k.equals("formatVersion") && !k.equals("layers")) {
        throw new IllegalArgumentException("network JSON: unknown key \"" + k
            + "\"; a network takes formatVersion and layers");
      }
    }
    checkVersion("network", top.get("formatVersion"));
    Object list = top.get("layers");
    if (!(list instanceof List<?> items)) {
      throw new IllegalArgumentException("network JSON: key \"layers\" must be an array of layer"
          + " objects, got " + (top.containsKey("layers") ? Option.describe(list) : "nothing"));
    }
    List<Layer> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      out.add(readLayer(i, items.get(i)));
    }
    return new Network(List.copyOf(out));
  }

  static void checkVersion(String what, Object v) {
    if (v != null && !(v instanceof Long l && l == FORMAT_VERSION)) {
      throw new IllegalArgumentException(what + " JSON: unsupported formatVersion "
          + Option.describe(v) + "; this version of Ember reads formatVersion " + FORMAT_VERSION);
    }
  }

  private static Layer readLayer(int index, Object item) {
    if (!(item instanceof Map<?, ?> obj)) {
      throw new IllegalArgumentException("layer " + index + ": must be an object"
          + " {\"type\":...}, got " + Option.describe(item));
    }
    Object type = obj.get("type");
    if (!(type instanceof String t)) {
      throw new IllegalArgumentException("layer " + index + ": key \"type\" must be a string"
          + " naming the layer, got " + (obj.containsKey("type") ? Option.describe(type)
              : "nothing") + "; accepted types: " + String.join(", ", Layers.KINDS.keySet()));
    }
    Map<String, Object> options = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : obj.entrySet()) {
      if (!e.getKey().equals("type")) {
        options.put((String) e.getKey(), e.getValue());
      }
    }
    return Layers.read(index, t, options);
  }

  /** The JSON form: {@code {"formatVersion":1,"layers":[...]}} with every option written. */
  public String toJson() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("formatVersion", FORMAT_VERSION);
    List<Object> list = new ArrayList<>();
    for (Layer l : layers) {
      list.add(Kind.toJson(l.type(), l.values()));
    }
    root.put("layers", list);
    return Json.write(root);
  }

  /** The number of layers. */
  public int numLayers() {
    return layers.size();
  }

  /** The JSON form, as {@link #toJson()}. */
  @Override
  public String toString() {
    return toJson();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Network n && n.layers.equals(layers);
  }

  @Override
  public int hashCode() {
    return layers.hashCode();
  }

  // ---------------------------------------------------------------------------------------------
  // Building

  /**
   * A new {@link Sequential} of the layers, in training mode, with PyTorch's default
   * initialization drawn from the default {@link Generator}. Children are named {@code 0}, {@code
   * 1}, ..., so state-dict keys are those of {@code torch.nn.Sequential} ({@code 0.weight},
   * {@code 3.bias}, and for a recurrent layer its own {@code 0.weight_ih_l0}).
   */
  public Sequential build() {
    return build(Generator.getDefault());
  }

  /** {@link #build()} with the parameters drawn from {@code gen}. */
  Sequential build(Generator gen) {
    Sequential s = new Sequential();
    for (Layer l : layers) {
      s.add(Layers.KINDS.get(l.type()).builder().build(l, gen));
    }
    return s;
  }

  /**
   * The per-sample output shape for a per-sample input shape (both without the batch dimension),
   * found by running the network (in evaluation mode, with throwaway parameters, so the default
   * generator is left alone) on a zero batch of one. Integer indices are fed when the first layer
   * is an embedding.
   *
   * @throws IllegalArgumentException for a size below 1 in {@code inputShape}, or naming the
   *     first layer that cannot take its input: {@code layer 7 (linear 3136->128): cannot take
   *     input of shape [64, 7, 7]: expects 3136 features in the last dimension}
   */
  public int[] outputShape(int... inputShape) {
    for (int d : inputShape) {
      if (d < 1) {
        throw new IllegalArgumentException(
            "input shape sizes must be positive, got " + Arrays.toString(inputShape));
      }
    }
    Sequential net = build(new Generator(0));
    net.eval();
    int[] batched = new int[inputShape.length + 1];
    batched[0] = 1;
    System.arraycopy(inputShape, 0, batched, 1, inputShape.length);
    boolean indices = !layers.isEmpty() && layers.get(0).type().equals("embedding");
    try (Scope s = Tensor.scope(); GradMode ng = Autograd.noGrad()) {
      Tensor x = Tensor.zeros(indices ? DType.INT64 : DType.FLOAT32, batched);
      for (int i = 0; i < layers.size(); i++) {
        Layer l = layers.get(i);
        Layers.LayerKind k = Layers.KINDS.get(l.type());
        int[] in = perSample(x);
        String problem = k.input().apply(l, in);
        if (problem == null) {
          try {
            x = net.get(i).forward(x);
            continue;
          } catch (RuntimeException e) {
            problem = e.getMessage();
          }
        }
        throw new IllegalArgumentException("layer " + i + " (" + k.summary().apply(l)
            + "): cannot take input of shape " + Arrays.toString(in) + ": " + problem);
      }
      return perSample(x);
    }
  }

  private static int[] perSample(Tensor batch) {
    return Arrays.copyOfRange(batch.shape(), 1, batch.dim());
  }

  // ---------------------------------------------------------------------------------------------
  // Layers

  private Network add(String type, Object... keyValues) {
    Layer l = Layers.read(layers.size(), type, Kind.args(keyValues));
    List<Layer> next = new ArrayList<>(layers);
    next.add(l);
    return new Network(List.copyOf(next));
  }

  /**
   * Adds {@code Linear(in, out)} with bias. Input (N, *, in), output (N, *, out).
   *
   * @throws IllegalArgumentException if a size is not positive
   */
  public Network linear(int in, int out) {
    return linear(in, out, true);
  }

  /** Adds {@code Linear(in, out, bias)}; see {@link #linear(int, int)}. */
  public Network linear(int in, int out, boolean bias) {
    return add("linear", "in", in, "out", out, "bias", bias);
  }

  /**
   * Adds {@code Conv1d(in, out, kernel)}: stride 1, no padding, with bias. Input (N, in, L).
   *
   * @throws IllegalArgumentException if a size is not positive
   */
  public Network conv1d(int in, int out, int kernel) {
    return conv1d(in, out, kernel, 1, 0, 1, 1, true);
  }

  /**
   * Adds {@code Conv1d} with every option, in PyTorch's order.
   *
   * @throws IllegalArgumentException if a size is not positive, padding is negative, or groups
   *     does not divide in and out
   */
  public Network conv1d(int in, int out, int kernel, int stride, int padding, int dilation,
      int groups, boolean bias) {
    return add("conv1d", "in", in, "out", out, "kernel", kernel, "stride", stride, "padding",
        padding, "dilation", dilation, "groups", groups, "bias", bias);
  }

  /**
   * Adds {@code Conv2d(in, out, kernel)} with a square kernel: stride 1, no padding, with bias.
   * Input (N, in, H, W).
   *
   * @throws IllegalArgumentException if a size is not positive
   */
  public Network conv2d(int in, int out, int kernel) {
    return conv2d(in, out, kernel, 1, 0);
  }

  /** Adds {@code Conv2d(in, out, kernel, stride, padding)}; see {@link #conv2d(int, int, int)}. */
  public Network conv2d(int in, int out, int kernel, int stride, int padding) {
    return conv2d(in, out, kernel, stride, padding, 1, 1, true);
  }

  /**
   * Adds {@code Conv2d} with every option, in PyTorch's order.
   *
   * @throws IllegalArgumentException if a size is not positive, padding is negative, or groups
   *     does not divide in and out
   */
  public Network conv2d(int in, int out, int kernel, int stride, int padding, int dilation,
      int groups, boolean bias) {
    return add("conv2d", "in", in, "out", out, "kernel", kernel, "stride", stride, "padding",
        padding, "dilation", dilation, "groups", groups, "bias", bias);
  }

  /**
   * Adds {@code ConvTranspose2d(in, out, kernel)}: stride 1, no padding. Input (N, in, H, W).
   *
   * @throws IllegalArgumentException if a size is not positive
   */
  public Network convTranspose2d(int in, int out, int kernel) {
    return convTranspose2d(in, out, kernel, 1, 0, 0);
  }

  /**
   * Adds {@code ConvTranspose2d(in, out, kernel, stride, padding, outputPadding)} with bias.
   *
   * @throws IllegalArgumentException if a size is not positive, a padding is negative, or
   *     outputPadding is not below stride
   */
  public Network convTranspose2d(int in, int out, int kernel, int stride, int padding,
      int outputPadding) {
    return add("convTranspose2d", "in", in, "out", out, "kernel", kernel, "stride", stride,
        "padding", padding, "outputPadding", outputPadding);
  }

  /** Adds {@code MaxPool2d(kernel)} (stride = kernel). Input (N, C, H, W). */
  public Network maxPool2d(int kernel) {
    return maxPool2d(kernel, kernel, 0);
  }

  /**
   * Adds {@code MaxPool2d(kernel, stride, padding)}.
   *
   * @throws IllegalArgumentException if kernel or stride is not positive, or padding is negative
   *     or more than half the kernel
   */
  public Network maxPool2d(int kernel, int stride, int padding) {
    return add("maxPool2d", "kernel", kernel, "stride", stride, "padding", padding);
  }

  /** Adds {@code AvgPool2d(kernel)} (stride = kernel). Input (N, C, H, W). */
  public Network avgPool2d(int kernel) {
    return avgPool2d(kernel, kernel, 0);
  }

  /** Adds {@code AvgPool2d(kernel, stride, padding)}; checked as {@link #maxPool2d(int, int, int)}. */
  public Network avgPool2d(int kernel, int stride, int padding) {
    return add("avgPool2d", "kernel", kernel, "stride", stride, "padding", padding);
  }

  /** Adds {@code AdaptiveAvgPool2d((outH, outW))}. Input (N, C, H, W), output (N, C, outH, outW). */
  public Network adaptiveAvgPool2d(int outH, int outW) {
    return add("adaptiveAvgPool2d", "outH", outH, "outW", outW);
  }

  /** Adds {@code BatchNorm1d(features)}. Input (N, features) or (N, features, L). */
  public Network batchNorm1d(int features) {
    return add("batchNorm1d", "features", features);
  }

  /** Adds {@code BatchNorm2d(features)}. Input (N, features, H, W). */
  public Network batchNorm2d(int features) {
    return add("batchNorm2d", "features", features);
  }

  /** Adds {@code LayerNorm(normalizedShape)} over the last dimensions. */
  public Network layerNorm(int... normalizedShape) {
    return add("layerNorm", "normalizedShape", normalizedShape.clone());
  }

  /**
   * Adds {@code Dropout(p)}.
   *
   * @throws IllegalArgumentException unless {@code 0 <= p <= 1}
   */
  public Network dropout(double p) {
    return add("dropout", "p", p);
  }

  /** Adds {@code Embedding(num, dim)}. Input (N, *) integer indices, output (N, *, dim). */
  public Network embedding(int num, int dim) {
    return add("embedding", "num", num, "dim", dim, "paddingIdx", null);
  }

  /**
   * Adds {@code Embedding(num, dim, padding_idx=paddingIdx)}.
   *
   * @throws IllegalArgumentException unless {@code -num <= paddingIdx < num}
   */
  public Network embedding(int num, int dim, int paddingIdx) {
    return add("embedding", "num", num, "dim", dim, "paddingIdx", paddingIdx);
  }

  /** Adds {@code Flatten()}: all dimensions but the batch one into one. */
  public Network flatten() {
    return add("flatten");
  }

  /** Adds a one-layer tanh RNN returning its last hidden state; see {@link RecurrentOutput}. */
  public Network rnn(int input, int hidden) {
    return rnn(input, hidden, 1, false, RecurrentOutput.LAST);
  }

  /**
   * Adds a tanh RNN (batch first). Input (N, L, input); output per {@link RecurrentOutput}.
   *
   * @throws IllegalArgumentException if a size is not positive
   */
  public Network rnn(int input, int hidden, int numLayers, boolean bidirectional,
      RecurrentOutput output) {
    return recurrent("rnn", input, hidden, numLayers, bidirectional, output);
  }

  /** Adds a one-layer LSTM returning its last hidden state; see {@link RecurrentOutput}. */
  public Network lstm(int input, int hidden) {
    return lstm(input, hidden, 1, false, RecurrentOutput.LAST);
  }

  /**
   * Adds an LSTM (batch first). Input (N, L, input); output per {@link RecurrentOutput}.
   *
   * @throws IllegalArgumentException if a size is not positive
   */
  public Network lstm(int input, int hidden, int numLayers, boolean bidirectional,
      RecurrentOutput output) {
    return recurrent("lstm", input, hidden, numLayers, bidirectional, output);
  }

  /** Adds a one-layer GRU returning its last hidden state; see {@link RecurrentOutput}. */
  public Network gru(int input, int hidden) {
    return gru(input, hidden, 1, false, RecurrentOutput.LAST);
  }

  /**
   * Adds a GRU (batch first). Input (N, L, input); output per {@link RecurrentOutput}.
   *
   * @throws IllegalArgumentException if a size is not positive
   */
  public Network gru(int input, int hidden, int numLayers, boolean bidirectional,
      RecurrentOutput output) {
    return recurrent("gru", input, hidden, numLayers, bidirectional, output);
  }

  private Network recurrent(String type, int input, int hidden, int numLayers,
      boolean bidirectional, RecurrentOutput output) {
    if (output == null) {
      throw new IllegalArgumentException(Layers.where(layers.size(), type)
          + ": output must be LAST or ALL, got null");
    }
    return add(type, "input", input, "hidden", hidden, "numLayers", numLayers, "bidirectional",
        bidirectional, "output", output.name().toLowerCase(Locale.ROOT));
  }

  /** Adds {@code ReLU()}. */
  public Network relu() {
    return add("relu");
  }

  /** Adds {@code LeakyReLU()} with slope 0.01. */
  public Network leakyRelu() {
    return leakyRelu(0.01);
  }

  /** Adds {@code LeakyReLU(slope)}. */
  public Network leakyRelu(double slope) {
    return add("leakyRelu", "slope", slope);
  }

  /** Adds {@code ELU()} with alpha 1. */
  public Network elu() {
    return elu(1.0);
  }

  /** Adds {@code ELU(alpha)}. */
  public Network elu(double alpha) {
    return add("elu", "alpha", alpha);
  }

  /** Adds {@code GELU()} (the exact, erf form). */
  public Network gelu() {
    return add("gelu");
  }

  /** Adds {@code SiLU()}. */
  public Network silu() {
    return add("silu");
  }

  /** Adds {@code Sigmoid()}. */
  public Network sigmoid() {
    return add("sigmoid");
  }

  /** Adds {@code Tanh()}. */
  public Network tanh() {
    return add("tanh");
  }

  /** Adds {@code Softmax(dim)}; {@code dim} counts the batch dimension, as in PyTorch. */
  public Network softmax(int dim) {
    return add("softmax", "dim", dim);
  }

  /** Adds {@code LogSoftmax(dim)}; {@code dim} counts the batch dimension, as in PyTorch. */
  public Network logSoftmax(int dim) {
    return add("logSoftmax", "dim", dim);
  }

  /** Adds {@code Softplus()} (beta 1, threshold 20). */
  public Network softplus() {
    return add("softplus");
  }

  // ---------------------------------------------------------------------------------------------
  // Serialization: the JSON form, validated again on the way in

  private Object writeReplace() {
    return new Serialized(toJson());
  }

  private void readObject(ObjectInputStream in) throws InvalidObjectException {
    throw new InvalidObjectException("a Network is deserialized from its JSON form");
  }

  /** The serialized form of a {@link Network}: its JSON. */
  private static final class Serialized implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String json;

    Serialized(String json) {
      this.json = json;
    }

    private Object readResolve() {
      return fromJson(json);
    }
  }
}
