package dev.ember.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.tensor.DType;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
  @TempDir Path dir;

  /** The golden file of make_io_golden.py, laid out as the reference (Rust) writer does. */
  @Test
  void readsTheGoldenFile() throws IOException {
    SafeTensors.Loaded f = SafeTensors.load(NpyTest.resource("golden.safetensors"));
    assertEquals(Map.of("format", "pt", "note", "ember golden"), f.metadata());
    // Header order: the reference writer sorts by alignment, then name.
    assertEquals(List.of("bias", "step", "empty", "idx", "weight", "mask"),
        List.copyOf(f.tensors().keySet()));
    Map<String, Tensor> t = f.tensors();
    assertEquals(Tensor.of(new float[] {0, 0.25f, 0.5f, 0.75f, 1, 1.25f}, 2, 3), t.get("weight"));
    assertEquals(Tensor.of(new double[] {0.5, -1, 2}), t.get("bias"));
    assertEquals(DType.INT64, t.get("step").dtype());
    assertEquals(0, t.get("step").dim());
    assertEquals(7, t.get("step").itemLong());
    assertEquals(Tensor.of(new int[] {0, -1, 5, Integer.MAX_VALUE}), t.get("idx"));
    assertEquals(Tensor.of(new boolean[] {true, false, true, true}, 2, 2), t.get("mask"));
    assertArrayEquals(new int[] {0, 2}, t.get("empty").shape());
    assertEquals(DType.FLOAT32, t.get("empty").dtype());
  }

  private static Map<String, Tensor> sample() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("mask", Tensor.of(new boolean[] {true, false, true}));
    m.put("fc.weight", Tensor.arange(0.0, 12.0, 1.0).reshape(3, 4).t()); // non-contiguous
    m.put("fc.bias", Tensor.of(new double[] {Double.NaN, -0.0, 1e-300}));
    m.put("steps", Tensor.scalar(123456789012L));
    m.put("ids", Tensor.arange(10).to(DType.INT32).slice(0, 1, 10, 3)); // offset and stride
    m.put("none", Tensor.zeros(0, 5));
    m.put("unicode ✓", Tensor.ones(1));
    return m;
  }

  @Test
  void roundTripsEveryDTypeLayoutAndMetadata() throws IOException {
    Map<String, Tensor> m = sample();
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("epoch", "3");
    meta.put("quote\"and\\slash", "line\nbreak");
    Path p = dir.resolve("model.safetensors");
    SafeTensors.save(m, meta, p);
    SafeTensors.Loaded back = SafeTensors.load(p);
    assertEquals(meta, back.metadata());
    assertEquals(List.copyOf(m.keySet()), List.copyOf(back.tensors().keySet()));
    for (Map.Entry<String, Tensor> e : m.entrySet()) {
      Tensor got = back.tensors().get(e.getKey());
      assertEquals(e.getValue().dtype(), got.dtype(), e.getKey());
      assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
      assertArrayEquals(e.getValue().toDoubleArray(), got.toDoubleArray(), 0, e.getKey()); // NaN too
    }
  }

  @Test
  void bytesMatchTheFileAndRoundTrip() throws IOException {
    Map<String, Tensor> m = sample();
    Map<String, String> meta = Map.of("epoch", "3");
    Path p = dir.resolve("same.safetensors");
    SafeTensors.save(m, meta, p);
    byte[] bytes = SafeTensors.toBytes(m, meta);
    assertArrayEquals(java.nio.file.Files.readAllBytes(p), bytes);
    SafeTensors.Loaded back = SafeTensors.fromBytes(bytes, "model bytes");
    assertEquals(meta, back.metadata());
    for (Map.Entry<String, Tensor> e : m.entrySet()) {
      assertArrayEquals(e.getValue().toDoubleArray(),
          back.tensors().get(e.getKey()).toDoubleArray(), 0, e.getKey()); // NaN too
    }
    FormatException bad = assertThrows(FormatException.class,
        () -> SafeTensors.fromBytes(java.util.Arrays.copyOf(bytes, bytes.length - 3), "cut"));
    assertTrue(bad.getMessage().startsWith("cut: truncated"), bad.getMessage());
  }

  @Test
  void layoutIsAlignedAndPadded() throws IOException {
    Path p = dir.resolve("m.safetensors");
    SafeTensors.save(sample(), p);
    byte[] file = Files.readAllBytes(p);
    long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, n % 8, "header padded to a multiple of 8");
    String header = new String(file, 8, (int) n, StandardCharsets.UTF_8);
    assertTrue(header.startsWith("{\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3],"), header);
    Map<?, ?> h = (Map<?, ?>) Json.parse(header);
    assertEquals(List.of("mask", "fc.weight", "fc.bias", "steps", "ids", "none", "unicode ✓"),
        List.copyOf(h.keySet()));
    // Widest first: F64 and I64 data at 8-aligned offsets, then F32/I32, then BOOL.
    for (Object info : h.values()) {
      Map<?, ?> i = (Map<?, ?>) info;
      long begin = (Long) ((List<?>) i.get("data_offsets")).get(0);
      int size = switch ((String) i.get("dtype")) {
        case "F64", "I64" -> 8;
        case "F32", "I32" -> 4;
        default -> 1;
      };
      assertEquals(0, begin % size, i.toString());
    }
    assertEquals(List.of(0L, 24L), ((Map<?, ?>) h.get("fc.bias")).get("data_offsets"));
    assertEquals(List.of(24L, 32L), ((Map<?, ?>) h.get("steps")).get("data_offsets"));
  }

  private List<Path> files() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }

  @Test
  void aFailedSaveLeavesTheOldFileAndNoTemporary() throws IOException {
    Path p = dir.resolve("m.safetensors");
    SafeTensors.save(Map.of("w", Tensor.ones(2)), p);
    byte[] before = Files.readAllBytes(p);
    Tensor released;
    try (Scope s = Tensor.scope()) {
      released = Tensor.ones(3);
    }
    Map<String, Tensor> bad = new LinkedHashMap<>();
    bad.put("ok", Tensor.zeros(4));
    bad.put("gone", released);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SafeTensors.save(bad, p));
    assertTrue(e.getMessage().contains("'gone'") && e.getMessage().contains("released"),
        e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(p));
    assertEquals(List.of(p), files());
    assertThrows(IllegalArgumentException.class,
        () -> SafeTensors.save(Map.of("__metadata__", Tensor.ones(1)), p));
    assertThrows(IllegalArgumentException.class, () -> SafeTensors.save(Map.of("", Tensor.ones(1)), p));
    assertArrayEquals(before, Files.readAllBytes(p));
  }

  @Test
  void everyTruncationFailsNamingTheFile() throws IOException {
    Path p = dir.resolve("m.safetensors");
    SafeTensors.save(sample(), Map.of("k", "v"), p);
    byte[] full = Files.readAllBytes(p);
    Path cut = dir.resolve("cut.safetensors");
    for (int n = 0; n < full.length; n++) {
      Files.write(cut, Arrays.copyOf(full, n));
      FormatException e = assertThrows(FormatException.class, () -> SafeTensors.load(cut),
          "prefix of " + n + " bytes");
      assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
    }
    long headerEnd = 8 + ByteBuffer.wrap(full, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    Files.write(cut, Arrays.copyOf(full, full.length - 3));
    FormatException e = assertThrows(FormatException.class, () -> SafeTensors.load(cut));
    assertTrue(e.getMessage().contains("truncated: tensor 'mask'"), e.getMessage());
    Files.write(cut, Arrays.copyOf(full, (int) headerEnd - 1));
    e = assertThrows(FormatException.class, () -> SafeTensors.load(cut));
    assertTrue(e.getMessage().contains("exceeds the"), e.getMessage());
  }

  /** A file with the given header text (padded) and {@code dataBytes} zero bytes of data. */
  private Path file(String header, int dataBytes) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
    b.writeBytes(h);
    b.writeBytes(new byte[dataBytes]);
    Path p = dir.resolve("h.safetensors");
    Files.write(p, b.toByteArray());
    return p;
  }

  private void fails(String header, int dataBytes, String expected) throws IOException {
    Path p = file(header, dataBytes);
    FormatException e = assertThrows(FormatException.class, () -> SafeTensors.load(p), header);
    assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(expected), header + " -> " + e.getMessage());
  }

  @Test
  void inconsistentHeadersFailNamingTheTensor() throws IOException {
    String a = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
    // The well-formed file loads.
    assertEquals(Tensor.zeros(2), SafeTensors.load(file("{" + a + "}", 8)).tensors().get("a"));
    fails("{" + a + ",}", 8, "header is not valid JSON: expected a string key");
    fails("[1]", 0, "header is a JSON array, expected an object");
    fails("{" + a + "," + a + "}", 8, "duplicate key \"a\"");
    fails("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4,
        "tensor 'a': unsupported dtype 'F16'");
    fails("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8,
        "tensor 'a': data_offsets [0, 8] span 8 bytes but shape [3] of F32 needs 12");
    fails("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8, "tensor 'a': shape is missing");
    fails("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8,
        "tensor 'a': data_offsets is a JSON array, expected an array of 2 integers");
    fails("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8,
        "expected non-negative integers");
    fails("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8,
        "end before they begin");
    fails("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,8]}}", 8,
        "more than 2^31 - 1 elements");
    fails("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12,
        "tensor 'a' has data_offsets [4, 12] but the data before it ends at 0 (a gap)");
    fails("{" + a + ",\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
        "tensor 'b' has data_offsets [4, 8] but the data before it ends at 8 (an overlap)");
    fails("{" + a + "}", 11, "3 bytes after the last tensor's data");
    fails("{\"__metadata__\":{\"n\":1}}", 0, "__metadata__ entry 'n' is a JSON number");
    fails("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,18446744073709551615]}}", 8,
        "expected non-negative integers");
  }

  @Test
  void implausibleHeaderLengthsFail() throws IOException {
    Path p = dir.resolve("big.safetensors");
    byte[] b = new byte[16];
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L); // 2^64 - 1
    Files.write(p, b);
    FormatException e = assertThrows(FormatException.class, () -> SafeTensors.load(p));
    assertTrue(e.getMessage().contains("header length 18446744073709551615 exceeds the 8 bytes"),
        e.getMessage());
    byte[] bad = {2, 0, 0, 0, 0, 0, 0, 0, (byte) 0xC3, (byte) 0x28};
    Files.write(p, bad);
    e = assertThrows(FormatException.class, () -> SafeTensors.load(p));
    assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
  }
}
