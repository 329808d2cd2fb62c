package dev.ember.spec;

import static dev.ember.spec.Option.anyInt;
import static dev.ember.spec.Option.bool;
import static dev.ember.spec.Option.choice;
import static dev.ember.spec.Option.intList;
import static dev.ember.spec.Option.nonNegativeInt;
import static dev.ember.spec.Option.number;
import static dev.ember.spec.Option.positiveInt;

import dev.ember.nn.Module;
import dev.ember.nn.activation.ELU;
import dev.ember.nn.activation.GELU;
import dev.ember.nn.activation.LeakyReLU;
import dev.ember.nn.activation.LogSoftmax;
import dev.ember.nn.activation.ReLU;
import dev.ember.nn.activation.SiLU;
import dev.ember.nn.activation.Sigmoid;
import dev.ember.nn.activation.Softmax;
import dev.ember.nn.activation.Softplus;
import dev.ember.nn.activation.Tanh;
import dev.ember.nn.conv.AdaptiveAvgPool2d;
import dev.ember.nn.conv.AvgPool2d;
import dev.ember.nn.conv.Conv1d;
import dev.ember.nn.conv.Conv2d;
import dev.ember.nn.conv.ConvTranspose2d;
import dev.ember.nn.conv.MaxPool2d;
import dev.ember.nn.layers.Dropout;
import dev.ember.nn.layers.Embedding;
import dev.ember.nn.layers.Flatten;
import dev.ember.nn.layers.Linear;
import dev.ember.nn.norm.BatchNorm1d;
import dev.ember.nn.norm.BatchNorm2d;
import dev.ember.nn.norm.LayerNorm;
import dev.ember.tensor.Generator;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The layer types a {@link Network} spec may hold: for each, its options with PyTorch's defaults,
 * how it is built into a module, how it is named in messages, and what per-sample input it takes
 * (so that {@link Network#outputShape} can say what a layer expected, not only that it failed).
 */
final class Layers {
  private Layers() {}

  /** Builds the module of a layer with its parameters drawn from a generator. */
  interface Builder {
    Module build(Layer layer, Generator gen);
  }

  /**
   * A layer type.
   *
   * @param kind the options
   * @param builder makes the module
   * @param summary the layer in messages: {@code linear 3136->128}
   * @param input what is wrong with a per-sample input shape (null if nothing is)
   * @param check what is wrong between the options (null if nothing is); null for no check
   */
  record LayerKind(Kind kind, Builder builder, Function<Layer, String> summary,
      BiFunction<Layer, int[], String> input, Function<Layer, String> check) {}

  static final Map<String, LayerKind> KINDS;

  private static final Function<Layer, String> NO_CHECK = null;

  static {
    Map<String, LayerKind> m = new LinkedHashMap<>();
    put(m, new Kind("linear", positiveInt("in"), positiveInt("out"), bool("bias", true)),
        (l, g) -> new Linear(l.i("in"), l.i("out"), l.b("bias"), g),
        l -> "linear " + l.i("in") + "->" + l.i("out"),
        (l, s) -> s.length >= 1 && s[s.length - 1] == l.i("in") ? null
            : "expects " + l.i("in") + " features in the last dimension",
        NO_CHECK);
    put(m, new Kind("conv1d", positiveInt("in"), positiveInt("out"), positiveInt("kernel"),
            positiveInt("stride", 1), nonNegativeInt("padding", 0), positiveInt("dilation", 1),
            positiveInt("groups", 1), bool("bias", true)),
        (l, g) -> new Conv1d(l.i("in"), l.i("out"), l.i("kernel"), l.i("stride"), l.i("padding"),
            l.i("dilation"), l.i("groups"), l.b("bias"), g),
        l -> "conv1d " + l.i("in") + "->" + l.i("out"),
        (l, s) -> s.length == 2 && s[0] == l.i("in") ? null
            : "expects (" + l.i("in") + ", L) per sample (channels, length)",
        Layers::checkGroups);
    Kind conv2d = new Kind("conv2d", positiveInt("in"), positiveInt("out"), positiveInt("kernel"),
        positiveInt("stride", 1), nonNegativeInt("padding", 0), positiveInt("dilation", 1),
        positiveInt("groups", 1), bool("bias", true));
    put(m, conv2d,
        (l, g) -> new Conv2d(l.i("in"), l.i("out"), pair(l.i("kernel")), pair(l.i("stride")),
            pair(l.i("padding")), pair(l.i("dilation")), l.i("groups"), l.b("bias"), g),
        l -> "conv2d " + l.i("in") + "->" + l.i("out"),
        Layers::channelsHw,
        Layers::checkGroups);
    put(m, new Kind("convTranspose2d", positiveInt("in"), positiveInt("out"),
            positiveInt("kernel"), positiveInt("stride", 1), nonNegativeInt("padding", 0),
            nonNegativeInt("outputPadding", 0)),
        (l, g) -> new ConvTranspose2d(l.i("in"), l.i("out"), pair(l.i("kernel")),
            pair(l.i("stride")), pair(l.i("padding")), pair(l.i("outputPadding")), 1, true,
            pair(1), g),
        l -> "convTranspose2d " + l.i("in") + "->" + l.i("out"),
        Layers::channelsHw,
        l -> l.i("outputPadding") < Math.max(l.i("stride"), 1) ? null
            : "outputPadding must be smaller than stride (or dilation 1), got outputPadding "
                + l.i("outputPadding") + " and stride " + l.i("stride"));
    for (String pool : List.of("maxPool2d", "avgPool2d")) {
      boolean max = pool.equals("maxPool2d");
      put(m, new Kind(pool, positiveInt("kernel"),
              positiveInt("stride").withDefault(v -> v.get("kernel"), "kernel"),
              nonNegativeInt("padding", 0)),
          (l, g) -> max
              ? new MaxPool2d(pair(l.i("kernel")), pair(l.i("stride")), pair(l.i("padding")),
                  pair(1), false)
              : new AvgPool2d(pair(l.i("kernel")), pair(l.i("stride")), pair(l.i("padding")),
                  false, true, 0),
          l -> pool + " " + l.i("kernel"),
          (l, s) -> s.length == 3 ? null : "expects (C, H, W) per sample",
          l -> l.i("padding") <= l.i("kernel") / 2 ? null
              : "padding must be at most half the kernel size, got padding " + l.i("padding")
                  + " and kernel " + l.i("kernel"));
    }
    put(m, new Kind("adaptiveAvgPool2d", positiveInt("outH"), positiveInt("outW")),
        (l, g) -> new AdaptiveAvgPool2d(new int[] {l.i("outH"), l.i("outW")}),
        l -> "adaptiveAvgPool2d " + l.i("outH") + "x" + l.i("outW"),
        (l, s) -> s.length == 3 ? null : "expects (C, H, W) per sample",
        NO_CHECK);
    put(m, new Kind("batchNorm1d", positiveInt("features")),
        (l, g) -> new BatchNorm1d(l.i("features")),
        l -> "batchNorm1d " + l.i("features"),
        (l, s) -> (s.length == 1 || s.length == 2) && s[0] == l.i("features") ? null
            : "expects (" + l.i("features") + ") or (" + l.i("features") + ", L) per sample",
        NO_CHECK);
    put(m, new Kind("batchNorm2d", positiveInt("features")),
        (l, g) -> new BatchNorm2d(l.i("features")),
        l -> "batchNorm2d " + l.i("features"),
        (l, s) -> s.length == 3 && s[0] == l.i("features") ? null
            : "expects (" + l.i("features") + ", H, W) per sample",
        NO_CHECK);
    put(m, new Kind("layerNorm", intList("normalizedShape",
            v -> !v.isEmpty() && v.stream().allMatch(x -> x > 0), "a non-empty array of positive"
                + " sizes")),
        (l, g) -> new LayerNorm(l.ints("normalizedShape")),
        l -> "layerNorm " + Arrays.toString(l.ints("normalizedShape")),
        (l, s) -> {
          int[] ns = l.ints("normalizedShape");
          return s.length >= ns.length
              && Arrays.equals(Arrays.copyOfRange(s, s.length - ns.length, s.length), ns) ? null
              : "expects the last dimensions to be " + Arrays.toString(ns);
        },
        NO_CHECK);
    put(m, new Kind("dropout", number("p", 0.5, p -> p >= 0 && p <= 1, "in [0, 1]")),
        (l, g) -> new Dropout(l.d("p")),
        l -> "dropout " + l.d("p"),
        (l, s) -> null,
        NO_CHECK);
    put(m, new Kind("embedding", positiveInt("num"), positiveInt("dim"),
            anyInt("paddingIdx").nullableDefault("none")),
        (l, g) -> new Embedding(l.i("num"), l.i("dim"), l.nullableInt("paddingIdx"), g),
        l -> "embedding " + l.i("num") + "x" + l.i("dim"),
        (l, s) -> null,
        l -> {
          Integer p = l.nullableInt("paddingIdx");
          return p == null || (p >= -l.i("num") && p < l.i("num")) ? null
              : "paddingIdx must be within [-num, num) = [" + -l.i("num") + ", " + l.i("num")
                  + "), got " + p;
        });
    put(m, new Kind("flatten"), (l, g) -> new Flatten(), l -> "flatten", (l, s) -> null,
        NO_CHECK);
    for (String rnn : List.of("rnn", "lstm", "gru")) {
      put(m, new Kind(rnn, positiveInt("input"), positiveInt("hidden"), positiveInt("numLayers", 1),
              bool("bidirectional", false), choice("output", "last", "last", "all")),
          (l, g) -> RecurrentLayers.create(rnn, l.i("input"), l.i("hidden"), l.i("numLayers"),
              l.b("bidirectional"), l.s("output").equals("last"), g),
          l -> rnn + " " + l.i("input") + "->" + l.i("hidden"),
          (l, s) -> s.length == 2 && s[1] == l.i("input") ? null
              : "expects (L, " + l.i("input") + ") per sample (sequence length, features)",
          NO_CHECK);
    }
    simple(m, "relu", ReLU::new);
    put(m, new Kind("leakyRelu", number("slope", 0.01, v -> true, null)),
        (l, g) -> new LeakyReLU(l.d("slope")), l -> "leakyRelu", (l, s) -> null, NO_CHECK);
    put(m, new Kind("elu", number("alpha", 1.0, v -> true, null)),
        (l, g) -> new ELU(l.d("alpha")), l -> "elu", (l, s) -> null, NO_CHECK);
    simple(m, "gelu", GELU::new);
    simple(m, "silu", SiLU::new);
    simple(m, "sigmoid", Sigmoid::new);
    simple(m, "tanh", Tanh::new);
    for (String sm : List.of("softmax", "logSoftmax")) {
      put(m, new Kind(sm, anyInt("dim")),
          (l, g) -> sm.equals("softmax") ? new Softmax(l.i("dim")) : new LogSoftmax(l.i("dim")),
          l -> sm + " dim " + l.i("dim"),
          (l, s) -> l.i("dim") >= -(s.length + 1) && l.i("dim") <= s.length ? null
              : "dim " + l.i("dim") + " is out of range for a batch of " + (s.length + 1)
                  + " dimensions (dims count the batch dimension, as in PyTorch)",
          NO_CHECK);
    }
    simple(m, "softplus", Softplus::new);
    KINDS = Collections.unmodifiableMap(m);
  }

  private static void put(Map<String, LayerKind> m, Kind kind, Builder builder,
      Function<Layer, String> summary, BiFunction<Layer, int[], String> input,
      Function<Layer, String> check) {
    m.put(kind.name, new LayerKind(kind, builder, summary, input, check));
  }

  private static void simple(
      Map<String, LayerKind> m, String name, java.util.function.Supplier<Module> ctor) {
    put(m, new Kind(name), (l, g) -> ctor.get(), l -> name, (l, s) -> null, NO_CHECK);
  }

  private static String channelsHw(Layer l, int[] s) {
    return s.length == 3 && s[0] == l.i("in") ? null
        : "expects (" + l.i("in") + ", H, W) per sample (channels, height, width)";
  }

  private static String checkGroups(Layer l) {
    int g = l.i("groups");
    return l.i("in") % g == 0 && l.i("out") % g == 0 ? null
        : "in and out must be divisible by groups, got in " + l.i("in") + ", out " + l.i("out")
            + ", groups " + g;
  }

  private static int[] pair(int v) {
    return new int[] {v, v};
  }

  /** {@code layer 3 (conv2d)}: how messages about layer {@code index} begin. */
  static String where(int index, String type) {
    return "layer " + index + " (" + type + ")";
  }

  /**
   * Reads layer {@code index} of type {@code type} from its options (JSON values or Java
   * arguments).
   *
   * @throws IllegalArgumentException naming the layer index, type and key, and what is accepted
   */
  static Layer read(int index, String type, Map<String, ?> given) {
    LayerKind k = KINDS.get(type);
    if (k == null) {
      throw new IllegalArgumentException("layer " + index + ": unknown type \"" + type
          + "\"; accepted types: " + String.join(", ", KINDS.keySet()));
    }
    String where = where(index, type);
    Layer l = new Layer(type, k.kind().read(where, given));
    if (k.check() != null) {
      String problem = k.check().apply(l);
      if (problem != null) {
        throw new IllegalArgumentException(where + ": " + problem);
      }
    }
    return l;
  }
}
