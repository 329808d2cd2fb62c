package dev.ember.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.io.Json;
import dev.ember.nn.Sequential;
import dev.ember.spec.Network.RecurrentOutput;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NetworkTest {

  /** W1 of WORKLOADS.md. */
  static Network w1() {
    return Network.sequential().flatten().linear(784, 256).relu().linear(256, 128).relu()
        .linear(128, 10);
  }

  /** W2. */
  static Network w2() {
    return Network.sequential().conv2d(1, 32, 3, 1, 1).relu().maxPool2d(2)
        .conv2d(32, 64, 3, 1, 1).relu().maxPool2d(2).flatten().linear(3136, 128).relu()
        .linear(128, 10);
  }

  /** W3. */
  static Network w3() {
    return Network.sequential().lstm(28, 128).linear(128, 10);
  }

  /** The "all" case of spec.json: every layer type with parameters or buffers. */
  static Network all() {
    return Network.sequential().conv1d(4, 6, 3, 2, 1, 1, 2, false).conv2d(3, 8, 5)
        .convTranspose2d(8, 4, 3, 2, 1, 1).batchNorm1d(6).batchNorm2d(8).layerNorm(4, 5)
        .embedding(100, 16, 0).rnn(16, 12, 2, false, RecurrentOutput.ALL)
        .gru(12, 10, 2, true, RecurrentOutput.ALL).lstm(20, 7, 1, true, RecurrentOutput.LAST)
        .linear(14, 3, false);
  }

  /** Every layer type, with non-default options where there are options. */
  static Network everyType() {
    return all().maxPool2d(3, 2, 1).avgPool2d(2, 1, 0).adaptiveAvgPool2d(2, 3).dropout(0.25)
        .flatten().relu().leakyRelu(0.2).elu(0.5).gelu().silu().sigmoid().tanh().softmax(1)
        .logSoftmax(-1).softplus().gru(3, 4).rnn(3, 4).lstm(3, 4).maxPool2d(2).avgPool2d(2)
        .leakyRelu().elu().conv1d(1, 2, 3).conv2d(1, 2, 3, 2, 1, 2, 1, true)
        .convTranspose2d(1, 2, 3).embedding(5, 2).linear(2, 3);
  }

  @Test
  void builderIsImmutable() {
    Network empty = Network.sequential();
    Network one = empty.relu();
    assertEquals(0, empty.numLayers());
    assertEquals(1, one.numLayers());
    assertEquals(10, w2().numLayers());
    assertNotEquals(one, empty);
  }

  @Test
  void jsonFormat() {
    assertEquals("{\"formatVersion\":1,\"layers\":[{\"type\":\"conv2d\",\"in\":1,\"out\":32,"
        + "\"kernel\":3,\"stride\":1,\"padding\":1,\"dilation\":1,\"groups\":1,\"bias\":true},"
        + "{\"type\":\"relu\"},{\"type\":\"maxPool2d\",\"kernel\":2,\"stride\":2,\"padding\":0},"
        + "{\"type\":\"lstm\",\"input\":28,\"hidden\":128,\"numLayers\":1,"
        + "\"bidirectional\":false,\"output\":\"last\"},{\"type\":\"embedding\",\"num\":5,"
        + "\"dim\":2,\"paddingIdx\":null},{\"type\":\"dropout\",\"p\":0.5}]}",
        Network.sequential().conv2d(1, 32, 3, 1, 1).relu().maxPool2d(2).lstm(28, 128)
            .embedding(5, 2).dropout(0.5).toJson());
    assertEquals(w1().toJson(), w1().toString());
  }

  @Test
  void jsonRoundTripOfEveryLayerType() {
    Network n = everyType();
    List<String> types = new ArrayList<>();
    for (Object l : (List<?>) ((Map<?, ?>) Json.parse(n.toJson())).get("layers")) {
      types.add((String) ((Map<?, ?>) l).get("type"));
    }
    assertTrue(types.containsAll(Layers.KINDS.keySet()),
        "not covered: " + Layers.KINDS.keySet().stream().filter(t -> !types.contains(t)).toList());
    Network back = Network.fromJson(n.toJson());
    assertEquals(n, back);
    assertEquals(n.hashCode(), back.hashCode());
    assertEquals(n.toJson(), back.toJson());
    for (Network w : List.of(w1(), w2(), w3(), Network.sequential())) {
      assertEquals(w, Network.fromJson(w.toJson()));
    }
  }

  /**
   * A spec written by the first release (formatVersion 1, every layer type) still reads as the
   * same network: renaming a key or changing a default breaks saved models and fails here.
   */
  @Test
  void savedVersion1SpecStillReads() throws IOException {
    try (InputStream in = NetworkTest.class.getResourceAsStream("/spec/network-v1.json")) {
      assertNotNull(in, "spec/network-v1.json is missing");
      String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(everyType(), Network.fromJson(json));
      assertEquals(json.replaceAll("\\s", ""), everyType().toJson());
    }
  }

  @Test
  void omittedOptionsTakePyTorchDefaults() {
    Network read = Network.fromJson("{\"layers\":[{\"type\":\"conv2d\",\"in\":1,\"out\":32,"
        + "\"kernel\":3,\"padding\":1},{\"type\":\"relu\"},{\"type\":\"maxPool2d\",\"kernel\":2},"
        + "{\"type\":\"lstm\",\"input\":28,\"hidden\":128},{\"type\":\"embedding\",\"num\":5,"
        + "\"dim\":2},{\"type\":\"leakyRelu\"},{\"type\":\"elu\"},{\"type\":\"dropout\"},"
        + "{\"type\":\"linear\",\"in\":3,\"out\":4},{\"type\":\"avgPool2d\",\"kernel\":3,"
        + "\"padding\":1}]}");
    assertEquals(Network.sequential().conv2d(1, 32, 3, 1, 1).relu().maxPool2d(2).lstm(28, 128)
        .embedding(5, 2).leakyRelu().elu().dropout(0.5).linear(3, 4).avgPool2d(3, 3, 1), read);
    assertEquals(Network.sequential().relu(),
        Network.fromJson("{\"formatVersion\":1,\"layers\":[{\"type\":\"relu\"}]}"));
  }

  @Test
  void javaSerializationGoesThroughJson() throws Exception {
    Network n = everyType();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(n);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertEquals(n, in.readObject());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Errors

  private static String readError(String json) {
    return assertThrows(IllegalArgumentException.class, () -> Network.fromJson(json))
        .getMessage();
  }

  private static String layers(String... layers) {
    return "{\"formatVersion\":1,\"layers\":[" + String.join(",", layers) + "]}";
  }

  @Test
  void unknownTypeListsTheAcceptedOnes() {
    String m = readError(layers("{\"type\":\"relu\"}", "{\"type\":\"conv3d\",\"in\":1}"));
    assertTrue(m.startsWith("layer 1: unknown type \"conv3d\"; accepted types: linear, conv1d,"),
        m);
    assertTrue(m.contains("lstm") && m.contains("softplus"), m);
    assertEquals("layer 0: key \"type\" must be a string naming the layer, got nothing; accepted"
        + " types: " + String.join(", ", Layers.KINDS.keySet()),
        readError(layers("{\"in\":1}")));
    assertTrue(readError(layers("{\"type\":3}")).startsWith(
        "layer 0: key \"type\" must be a string naming the layer, got 3;"));
    assertEquals("layer 0: must be an object {\"type\":...}, got \"relu\" (a string)",
        readError(layers("\"relu\"")));
  }

  @Test
  void unknownAndMissingKeysListTheOptions() {
    assertEquals("layer 0 (conv2d): unknown key \"strides\"; conv2d takes in, out, kernel,"
        + " stride=1, padding=0, dilation=1, groups=1, bias=true",
        readError(layers("{\"type\":\"conv2d\",\"in\":1,\"out\":2,\"kernel\":3,\"strides\":2}")));
    assertEquals("layer 1 (linear): missing key \"out\"; linear takes in, out, bias=true",
        readError(layers("{\"type\":\"relu\"}", "{\"type\":\"linear\",\"in\":3}")));
    assertEquals("layer 0 (relu): unknown key \"inplace\"; relu takes no options",
        readError(layers("{\"type\":\"relu\",\"inplace\":true}")));
    assertEquals("layer 0 (maxPool2d): unknown key \"size\"; maxPool2d takes kernel,"
        + " stride=kernel, padding=0",
        readError(layers("{\"type\":\"maxPool2d\",\"size\":2}")));
    assertEquals("layer 0 (embedding): unknown key \"x\"; embedding takes num, dim,"
        + " paddingIdx=null (none)",
        readError(layers("{\"type\":\"embedding\",\"num\":2,\"dim\":2,\"x\":1}")));
  }

  @Test
  void wrongValueTypes() {
    assertEquals("layer 0 (linear): key \"in\" must be an integer, got \"784\" (a string)",
        readError(layers("{\"type\":\"linear\",\"in\":\"784\",\"out\":10}")));
    assertEquals("layer 0 (linear): key \"in\" must be an integer, got 784.0",
        readError(layers("{\"type\":\"linear\",\"in\":784.0,\"out\":10}")));
    assertEquals("layer 0 (linear): key \"in\" must be an integer in the int range, got"
        + " 3000000000", readError(layers("{\"type\":\"linear\",\"in\":3000000000,\"out\":10}")));
    assertEquals("layer 0 (linear): key \"bias\" must be a boolean (true or false), got 1",
        readError(layers("{\"type\":\"linear\",\"in\":1,\"out\":1,\"bias\":1}")));
    assertEquals("layer 0 (dropout): key \"p\" must be a number, got \"0.5\" (a string)",
        readError(layers("{\"type\":\"dropout\",\"p\":\"0.5\"}")));
    assertEquals("layer 0 (linear): key \"out\" must be an integer, got null",
        readError(layers("{\"type\":\"linear\",\"in\":1,\"out\":null}")));
    assertEquals("layer 0 (layerNorm): key \"normalizedShape\" must be an array of integers,"
        + " got 4", readError(layers("{\"type\":\"layerNorm\",\"normalizedShape\":4}")));
    assertEquals("layer 0 (layerNorm): key \"normalizedShape\" must be an array of integers,"
        + " got 1.5", readError(layers("{\"type\":\"layerNorm\",\"normalizedShape\":[4,1.5]}")));
    assertEquals("layer 0 (lstm): key \"output\" must be one of last, all, got \"first\""
        + " (a string)",
        readError(layers("{\"type\":\"lstm\",\"input\":1,\"hidden\":1,\"output\":\"first\"}")));
  }

  @Test
  void badSizes() {
    assertEquals("layer 0 (linear): key \"out\" must be positive, got 0",
        readError(layers("{\"type\":\"linear\",\"in\":1,\"out\":0}")));
    assertEquals("layer 0 (conv2d): key \"padding\" must be non-negative, got -1",
        readError(layers("{\"type\":\"conv2d\",\"in\":1,\"out\":2,\"kernel\":3,\"padding\":-1}")));
    assertEquals("layer 0 (dropout): key \"p\" must be in [0, 1], got 1.5",
        readError(layers("{\"type\":\"dropout\",\"p\":1.5}")));
    assertEquals("layer 0 (layerNorm): key \"normalizedShape\" must be a non-empty array of"
        + " positive sizes, got [] (an array)",
        readError(layers("{\"type\":\"layerNorm\",\"normalizedShape\":[]}")));
    assertEquals("layer 0 (conv2d): in and out must be divisible by groups, got in 3, out 4,"
        + " groups 2",
        readError(layers("{\"type\":\"conv2d\",\"in\":3,\"out\":4,\"kernel\":3,\"groups\":2}")));
    assertEquals("layer 0 (embedding): paddingIdx must be within [-num, num) = [-5, 5), got 5",
        readError(layers("{\"type\":\"embedding\",\"num\":5,\"dim\":2,\"paddingIdx\":5}")));
    assertEquals("layer 0 (maxPool2d): padding must be at most half the kernel size, got"
        + " padding 2 and kernel 3",
        readError(layers("{\"type\":\"maxPool2d\",\"kernel\":3,\"padding\":2}")));
    assertEquals("layer 0 (convTranspose2d): outputPadding must be smaller than stride (or"
        + " dilation 1), got outputPadding 1 and stride 1",
        readError(layers("{\"type\":\"convTranspose2d\",\"in\":1,\"out\":1,\"kernel\":3,"
            + "\"outputPadding\":1}")));
  }

  @Test
  void javaBuilderChecksLikeTheReader() {
    Network n = Network.sequential().relu();
    assertEquals("layer 1 (linear): key \"in\" must be positive, got -3",
        assertThrows(IllegalArgumentException.class, () -> n.linear(-3, 4)).getMessage());
    assertEquals("layer 1 (dropout): key \"p\" must be in [0, 1], got -0.1",
        assertThrows(IllegalArgumentException.class, () -> n.dropout(-0.1)).getMessage());
    assertEquals("layer 1 (layerNorm): key \"normalizedShape\" must be a non-empty array of"
        + " positive sizes, got [3, 0]",
        assertThrows(IllegalArgumentException.class, () -> n.layerNorm(3, 0)).getMessage());
    assertEquals("layer 1 (gru): output must be LAST or ALL, got null",
        assertThrows(IllegalArgumentException.class, () -> n.gru(1, 2, 1, false, null))
            .getMessage());
    assertEquals("layer 1 (leakyRelu): key \"slope\" must be a finite number, got NaN",
        assertThrows(IllegalArgumentException.class, () -> n.leakyRelu(Double.NaN))
            .getMessage());
  }

  @Test
  void documentErrors() {
    assertEquals("network JSON: unsupported formatVersion 2; this version of Ember reads"
        + " formatVersion 1", readError("{\"formatVersion\":2,\"layers\":[]}"));
    assertEquals("network JSON: unsupported formatVersion \"1\" (a string); this version of"
        + " Ember reads formatVersion 1", readError("{\"formatVersion\":\"1\",\"layers\":[]}"));
    assertEquals("network JSON: unknown key \"layer\"; a network takes formatVersion and layers",
        readError("{\"formatVersion\":1,\"layer\":[]}"));
    assertEquals("network JSON: key \"layers\" must be an array of layer objects, got nothing",
        readError("{\"formatVersion\":1}"));
    assertEquals("network JSON must be an object {\"formatVersion\":1,\"layers\":[...]}, got"
        + " [] (an array)", readError("[]"));
    assertTrue(readError("{\"layers\":[").startsWith("network JSON is malformed: "));
    assertEquals("network JSON is null", readError(null));
  }

  // ---------------------------------------------------------------------------------------------
  // build() against torch.nn.Sequential

  private static Map<String, Object> golden() throws IOException {
    try (InputStream in = NetworkTest.class.getResourceAsStream("/golden/spec.json")) {
      assertNotNull(in, "golden/spec.json is missing");
      @SuppressWarnings("unchecked")
      Map<String, Object> root =
          (Map<String, Object>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      return root;
    }
  }

  @Test
  void stateDictMatchesTorchSequential() throws IOException {
    Map<String, Object> golden = golden();
    Map<String, Network> nets = Map.of("w1", w1(), "w2", w2(), "w3", w3(), "all", all());
    assertEquals(golden.keySet(), nets.keySet());
    for (Map.Entry<String, Network> e : nets.entrySet()) {
      Map<?, ?> g = (Map<?, ?>) golden.get(e.getKey());
      try (var s = Tensor.scope()) {
        Sequential m = e.getValue().build();
        List<String> expected = new ArrayList<>();
        for (Object entry : (List<?>) g.get("state")) {
          List<?> kv = (List<?>) entry;
          expected.add(kv.get(0) + " " + kv.get(1));
        }
        List<String> actual = new ArrayList<>();
        for (Map.Entry<String, Tensor> t : m.stateDict().entrySet()) {
          actual.add(t.getKey() + " " + Arrays.toString(t.getValue().shape()).replace(" ", ""));
        }
        assertEquals(String.join("\n", expected).replace(" ", "").replace("[", " ["),
            String.join("\n", actual).replace(" ", "").replace("[", " ["), e.getKey());
        assertEquals(((Number) g.get("parameters")).longValue(), m.numParameters(false),
            e.getKey());
      }
    }
  }

  @Test
  void buildDrawsFromTheDefaultGeneratorAndOutputShapeDoesNot() {
    Network n = w1();
    try (var s = Tensor.scope()) {
      Generator.manualSeed(7);
      float[] first = n.build().stateDict().get("1.weight").toFloatArray();
      Generator.manualSeed(7);
      n.outputShape(784);
      float[] second = n.build().stateDict().get("1.weight").toFloatArray();
      assertArrayEquals(first, second);
      float[] third = n.build().stateDict().get("1.weight").toFloatArray();
      assertNotEquals(first[0], third[0]);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // outputShape

  @Test
  void outputShapesOfTheWorkloads() {
    assertArrayEquals(new int[] {10}, w1().outputShape(1, 28, 28));
    assertArrayEquals(new int[] {10}, w1().outputShape(784));
    assertArrayEquals(new int[] {10}, w2().outputShape(1, 28, 28));
    assertArrayEquals(new int[] {10}, w3().outputShape(28, 28));
    assertArrayEquals(new int[] {64, 7, 7}, Network.sequential().conv2d(1, 32, 3, 1, 1).relu()
        .maxPool2d(2).conv2d(32, 64, 3, 1, 1).relu().maxPool2d(2).outputShape(1, 28, 28));
    assertArrayEquals(new int[] {3, 4}, Network.sequential().outputShape(3, 4));
  }

  @Test
  void outputShapesOfRecurrentOutputs() {
    assertArrayEquals(new int[] {16},
        Network.sequential().gru(5, 8, 2, true, RecurrentOutput.LAST).outputShape(9, 5));
    assertArrayEquals(new int[] {9, 16},
        Network.sequential().lstm(5, 8, 1, true, RecurrentOutput.ALL).outputShape(9, 5));
    assertArrayEquals(new int[] {9, 8},
        Network.sequential().rnn(5, 8, 3, false, RecurrentOutput.ALL).outputShape(9, 5));
    assertArrayEquals(new int[] {3},
        Network.sequential().embedding(50, 6).lstm(6, 4).linear(4, 3).outputShape(12));
  }

  @Test
  void outputShapesThroughEveryKindOfLayer() {
    Network n = Network.sequential().conv1d(2, 4, 3, 1, 1, 1, 2, true).batchNorm1d(4).gelu()
        .flatten().layerNorm(40).dropout(0.1).linear(40, 3 * 8 * 8).silu();
    assertArrayEquals(new int[] {192}, n.outputShape(2, 10));
    Network image = Network.sequential().conv2d(3, 8, 3, 2, 1).batchNorm2d(8).leakyRelu()
        .convTranspose2d(8, 4, 3, 2, 1, 1).elu().avgPool2d(2).maxPool2d(3, 1, 1)
        .adaptiveAvgPool2d(2, 3).tanh().flatten().linear(24, 5).softmax(1).logSoftmax(-1)
        .sigmoid().softplus();
    assertArrayEquals(new int[] {5}, image.outputShape(3, 16, 16));
    assertArrayEquals(new int[] {4, 2, 3}, Network.sequential().adaptiveAvgPool2d(2, 3)
        .outputShape(4, 9, 7));
    assertArrayEquals(new int[] {7, 6}, Network.sequential().embedding(10, 6, 0)
        .outputShape(7));
  }

  @Test
  void outputShapeMessagesOfEveryCheckedLayer() {
    assertEquals("layer 1 (batchNorm2d 8): cannot take input of shape [4, 5, 5]: expects"
        + " (8, H, W) per sample", shapeError(Network.sequential().relu().batchNorm2d(8), 4, 5, 5));
    assertEquals("layer 0 (batchNorm1d 3): cannot take input of shape [4]: expects (3) or"
        + " (3, L) per sample", shapeError(Network.sequential().batchNorm1d(3), 4));
    assertEquals("layer 0 (layerNorm [4, 5]): cannot take input of shape [5, 4]: expects the"
        + " last dimensions to be [4, 5]", shapeError(Network.sequential().layerNorm(4, 5), 5, 4));
    assertEquals("layer 0 (conv1d 2->4): cannot take input of shape [2, 3, 4]: expects (2, L)"
        + " per sample (channels, length)", shapeError(Network.sequential().conv1d(2, 4, 1),
            2, 3, 4));
    assertEquals("layer 0 (adaptiveAvgPool2d 2x2): cannot take input of shape [5]: expects"
        + " (C, H, W) per sample", shapeError(Network.sequential().adaptiveAvgPool2d(2, 2), 5));
    assertEquals("layer 0 (softmax dim 2): cannot take input of shape [5]: dim 2 is out of range"
        + " for a batch of 2 dimensions (dims count the batch dimension, as in PyTorch)",
        shapeError(Network.sequential().softmax(2), 5));
    assertTrue(shapeError(Network.sequential().relu().embedding(4, 2), 3).startsWith(
        "layer 1 (embedding 4x2): cannot take input of shape [3]: embedding: indices must be"
            + " int64 or int32"));
  }

  private static String shapeError(Network n, int... shape) {
    return assertThrows(IllegalArgumentException.class, () -> n.outputShape(shape)).getMessage();
  }

  @Test
  void outputShapeNamesTheLayerThatCannotTakeItsInput() {
    Network bad = Network.sequential().conv2d(1, 32, 3, 1, 1).relu().maxPool2d(2)
        .conv2d(32, 64, 3, 1, 1).relu().maxPool2d(2).linear(3136, 128);
    assertEquals("layer 6 (linear 3136->128): cannot take input of shape [64, 7, 7]: expects"
        + " 3136 features in the last dimension",
        assertThrows(IllegalArgumentException.class, () -> bad.outputShape(1, 28, 28))
            .getMessage());
    assertEquals("layer 0 (conv2d 1->32): cannot take input of shape [3, 28, 28]: expects"
        + " (1, H, W) per sample (channels, height, width)",
        assertThrows(IllegalArgumentException.class, () -> w2().outputShape(3, 28, 28))
            .getMessage());
    assertEquals("layer 0 (lstm 28->128): cannot take input of shape [784]: expects (L, 28)"
        + " per sample (sequence length, features)",
        assertThrows(IllegalArgumentException.class, () -> w3().outputShape(784))
            .getMessage());
    String m = assertThrows(IllegalArgumentException.class,
        () -> Network.sequential().maxPool2d(5).outputShape(1, 3, 3)).getMessage();
    assertTrue(m.startsWith("layer 0 (maxPool2d 5): cannot take input of shape [1, 3, 3]: "), m);
    assertEquals("input shape sizes must be positive, got [1, 0]",
        assertThrows(IllegalArgumentException.class, () -> w1().outputShape(1, 0))
            .getMessage());
  }

  @Test
  void lastHiddenStateIsTheTopLayersFinalState() {
    try (var s = Tensor.scope()) {
      Generator.manualSeed(3);
      Sequential net = Network.sequential().lstm(3, 4, 2, true, RecurrentOutput.LAST).build();
      dev.ember.nn.recurrent.LSTM lstm = (dev.ember.nn.recurrent.LSTM) net.get(0);
      Tensor x = Tensor.randn(2, 5, 3);
      var out = lstm.forward(x, null, null);
      Tensor hN = out.hN();
      Tensor expected = Tensor.cat(1, hN.select(0, 2), hN.select(0, 3));
      assertArrayEquals(expected.toFloatArray(), net.forward(x).toFloatArray());
      // the forward direction's half is the output at the last step
      assertArrayEquals(out.output().select(1, 4).narrow(1, 0, 4).toFloatArray(),
          net.forward(x).narrow(1, 0, 4).toFloatArray());
      assertTrue(net.toString().contains("LSTM(3, 4, num_layers=2, batch_first=true,"
          + " bidirectional=true, output=last)"), net.toString());
    }
  }
}
