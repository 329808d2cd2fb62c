package dev.ember.io;

import dev.ember.io.Binary.Elem;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format (Hugging Face's), which PyTorch, JAX and most model
 * tools open.
 *
 * <p>Layout: an unsigned 64-bit little-endian header length {@code N}; {@code N} bytes of UTF-8
 * JSON, {@code {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
 * "__metadata__": {"key": "value"}}}; then the tensors' raw little-endian bytes, row-major, each
 * at {@code [begin, end)} from the start of the data. Offsets tile the data exactly: no gaps,
 * no overlap, nothing after.
 *
 * <table>
 *   <caption>dtypes</caption>
 *   <tr><th>safetensors</th><th>Ember</th></tr>
 *   <tr><td>F32</td><td>float32</td></tr>
 *   <tr><td>F64</td><td>float64</td></tr>
 *   <tr><td>I64</td><td>int64</td></tr>
 *   <tr><td>I32</td><td>int32</td></tr>
 *   <tr><td>BOOL</td><td>bool</td></tr>
 * </table>
 *
 * <p>Writing: the header lists the metadata first, then the tensors in the map's order; the data
 * is laid out widest dtype first (so every tensor is aligned to its element size, as the reference
 * writer does), and the header is padded with spaces to a multiple of 8 bytes. The write is
 * atomic: a temporary file in the same directory, synced, then renamed over the target.
 */
public final class SafeTensors {
  /** The reference implementation's limit; a larger header means a corrupt file. */
  private static final long MAX_HEADER = 100_000_000;
  private static final String METADATA = "__metadata__";

  private SafeTensors() {}

  /**
   * The content of a safetensors file.
   *
   * @param tensors the tensors by name, in the order of the file's header (unmodifiable)
   * @param metadata the {@code __metadata__} entries, in file order (unmodifiable; empty if none)
   */
  public record Loaded(Map<String, Tensor> tensors, Map<String, String> metadata) {}

  /** Saves tensors without metadata; see {@link #save(Map, Map, Path)}. */
  public static void save(Map<String, Tensor> tensors, Path path) throws IOException {
    save(tensors, Map.of(), path);
  }

  /**
   * Saves tensors (any strides, any device; written row-major) and string metadata as one
   * safetensors file, atomically: on any failure an existing file at {@code path} is left as it
   * was and no temporary file remains.
   *
   * @param metadata written as {@code __metadata__}; null or empty for none
   * @throws IllegalArgumentException if a name is empty or {@code __metadata__}, a tensor is null
   *     or released, or a metadata key or value is null
   * @throws IOException if the file cannot be written
   */
  public static void save(Map<String, Tensor> tensors, Map<String, String> metadata, Path path)
      throws IOException {
    byte[] header = header(tensors, metadata);
    AtomicFiles.write(path, out -> write(header, tensors, out));
  }

  /**
   * Writes tensors and metadata in the safetensors format to a stream (for example a Hadoop
   * FileSystem stream, whose caller owns atomicity); the stream is not closed.
   *
   * @throws IllegalArgumentException as {@link #save(Map, Map, Path)}
   * @throws IOException if the stream fails
   */
  public static void write(Map<String, Tensor> tensors, Map<String, String> metadata,
      OutputStream out) throws IOException {
    write(header(tensors, metadata), tensors, out);
  }

  /** The safetensors encoding of tensors and metadata, as bytes (for broadcasts and rows). */
  public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      write(tensors, metadata, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
    }
    return out.toByteArray();
  }

  private static void write(byte[] header, Map<String, Tensor> tensors, OutputStream out)
      throws IOException {
    ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    len.putLong(header.length);
    out.write(len.array());
    out.write(header);
    for (Map.Entry<String, Tensor> e : dataOrder(tensors)) {
      Binary.write(e.getValue(), out, ByteOrder.LITTLE_ENDIAN);
    }
  }

  /** Widest dtype first, in map order within a width: every tensor starts aligned. */
  private static List<Map.Entry<String, Tensor>> dataOrder(Map<String, Tensor> tensors) {
    List<Map.Entry<String, Tensor>> order = new ArrayList<>(tensors.entrySet());
    order.sort(Comparator.comparingInt(
        (Map.Entry<String, Tensor> e) -> -e.getValue().dtype().itemSize()));
    return order;
  }

  private static byte[] header(Map<String, Tensor> tensors, Map<String, String> metadata) {
    Map<String, Object> h = new LinkedHashMap<>();
    if (metadata != null && !metadata.isEmpty()) {
      for (Map.Entry<String, String> e : metadata.entrySet()) {
        if (e.getKey() == null || e.getValue() == null) {
          throw new IllegalArgumentException("safetensors metadata holds strings only; got "
              + e.getKey() + " = " + e.getValue());
        }
      }
      h.put(METADATA, metadata);
    }
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      String name = e.getKey();
      Tensor t = e.getValue();
      if (name == null || name.isEmpty() || name.equals(METADATA)) {
        throw new IllegalArgumentException("bad tensor name '" + name
            + "': names are non-empty and not " + METADATA);
      }
      if (t == null) {
        throw new IllegalArgumentException("tensor '" + name + "' is null");
      }
      if (t.isReleased()) {
        throw new IllegalArgumentException("tensor '" + name
            + "' was released by its scope; keep() or persist() what you save");
      }
    }
    Map<String, long[]> offsets = new LinkedHashMap<>();
    long at = 0;
    for (Map.Entry<String, Tensor> e : dataOrder(tensors)) {
      long bytes = (long) e.getValue().numel() * e.getValue().dtype().itemSize();
      offsets.put(e.getKey(), new long[] {at, at + bytes});
      at += bytes;
    }
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      Tensor t = e.getValue();
      Map<String, Object> info = new LinkedHashMap<>();
      info.put("dtype", name(t.dtype()));
      List<Object> shape = new ArrayList<>();
      for (int d : t.shape()) {
        shape.add((long) d);
      }
      info.put("shape", shape);
      long[] off = offsets.get(e.getKey());
      info.put("data_offsets", List.of(off[0], off[1]));
      h.put(e.getKey(), info);
    }
    byte[] json = Json.write(h).getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    byte[] out = Arrays.copyOf(json, padded);
    Arrays.fill(out, json.length, padded, (byte) ' ');
    return out;
  }

  private static String name(DType d) {
    return switch (d) {
      case FLOAT32 -> "F32";
      case FLOAT64 -> "F64";
      case INT64 -> "I64";
      case INT32 -> "I32";
      case BOOL -> "BOOL";
    };
  }

  private static DType dtype(String name) {
    return switch (name) {
      case "F32" -> DType.FLOAT32;
      case "F64" -> DType.FLOAT64;
      case "I64" -> DType.INT64;
      case "I32" -> DType.INT32;
      case "BOOL" -> DType.BOOL;
      default -> null;
    };
  }

  /** One tensor's header entry. */
  private record Info(String name, DType dtype, long[] shape, long begin, long end) {}

  /**
   * Loads a safetensors file, validating it completely before returning anything.
   *
   * @throws FormatException naming the file (and the tensor where there is one) if the file is
   *     shorter than its header says (truncated), the header is not valid UTF-8 JSON, a tensor
   *     entry lacks dtype/shape/data_offsets, a dtype is not one of F32 F64 I64 I32 BOOL, a name
   *     repeats, data offsets do not match shape times element size, leave gaps, overlap, or run
   *     past the end of the file, or bytes follow the last tensor
   * @throws IOException if the file cannot be read
   */
  public static Loaded load(Path path) throws IOException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
      return read(in, Files.size(path), path.toString());
    }
  }

  /**
   * Decodes {@link #toBytes} output (or any safetensors file's bytes), validated as {@link
   * #load}.
   *
   * @param source names the bytes in error messages (a path, a column, a model)
   * @throws FormatException as {@link #load}, naming {@code source}
   */
  public static Loaded fromBytes(byte[] bytes, String source) throws FormatException {
    try {
      return read(new ByteArrayInputStream(bytes), bytes.length, source);
    } catch (FormatException e) {
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayInputStream does not throw
    }
  }

  /**
   * Reads a safetensors stream of {@code size} bytes, validated as {@link #load}; the stream is
   * not closed.
   *
   * @param source names the stream in error messages
   */
  public static Loaded read(InputStream in, long size, String source) throws IOException {
    String file = source;
    {
      byte[] lenBytes = in.readNBytes(8);
      if (lenBytes.length < 8) {
        throw new FormatException(file + ": " + size
            + " bytes, too short for the 8-byte header length of a safetensors file (truncated?)");
      }
      long n = ByteBuffer.wrap(lenBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
      if (n < 0 || n > size - 8) {
        throw new FormatException(file + ": header length " + Long.toUnsignedString(n)
            + " exceeds the " + (size - 8) + " bytes after the length field"
            + " (truncated, or not a safetensors file)");
      }
      if (n > MAX_HEADER) {
        throw new FormatException(file + ": header length " + n + " exceeds the limit of "
            + MAX_HEADER + " bytes (corrupt file?)");
      }
      byte[] hb = in.readNBytes((int) n);
      if (hb.length < n) {
        throw new FormatException(file + ": truncated header: expected " + n + " bytes, got "
            + hb.length);
      }
      String text;
      try {
        text = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(hb)).toString();
      } catch (CharacterCodingException e) {
        throw new FormatException(file + ": header is not valid UTF-8", e);
      }
      Object parsed;
      try {
        parsed = Json.parse(text);
      } catch (IllegalArgumentException e) {
        throw new FormatException(file + ": header is not valid JSON: " + e.getMessage(), e);
      }
      if (!(parsed instanceof Map<?, ?> top)) {
        throw new FormatException(file + ": header is a JSON " + kind(parsed)
            + ", expected an object");
      }
      Map<String, String> metadata = new LinkedHashMap<>();
      List<Info> infos = new ArrayList<>();
      for (Map.Entry<?, ?> e : top.entrySet()) {
        String name = (String) e.getKey();
        if (name.equals(METADATA)) {
          if (!(e.getValue() instanceof Map<?, ?> m)) {
            throw new FormatException(file + ": " + METADATA + " is a JSON "
                + kind(e.getValue()) + ", expected an object of strings");
          }
          for (Map.Entry<?, ?> me : m.entrySet()) {
            if (!(me.getValue() instanceof String v)) {
              throw new FormatException(file + ": " + METADATA + " entry '" + me.getKey()
                  + "' is a JSON " + kind(me.getValue()) + ", expected a string");
            }
            metadata.put((String) me.getKey(), v);
          }
        } else {
          infos.add(info(file, name, e.getValue()));
        }
      }
      long dataSize = size - 8 - n;
      List<Info> byOffset = new ArrayList<>(infos);
      byOffset.sort(Comparator.comparingLong(Info::begin).thenComparingLong(Info::end));
      long expected = 0;
      for (Info i : byOffset) {
        if (i.begin != expected) {
          throw new FormatException(file + ": tensor '" + i.name + "' has data_offsets ["
              + i.begin + ", " + i.end + "] but the data before it ends at " + expected
              + (i.begin > expected ? " (a gap)" : " (an overlap)"));
        }
        if (i.end > dataSize) {
          throw new FormatException(file + ": truncated: tensor '" + i.name
              + "' has data_offsets [" + i.begin + ", " + i.end + "] but the file holds only "
              + dataSize + " bytes of data");
        }
        expected = i.end;
      }
      if (expected != dataSize) {
        throw new FormatException(file + ": " + (dataSize - expected)
            + " bytes after the last tensor's data (the header accounts for " + expected
            + " of the " + dataSize + " data bytes)");
      }
      Map<String, Tensor> byName = new LinkedHashMap<>();
      for (Info i : infos) {
        byName.put(i.name, null); // header order
      }
      for (Info i : byOffset) {
        Elem elem = Elem.of(i.dtype);
        byName.put(i.name, Binary.read(in, elem, ByteOrder.LITTLE_ENDIAN, Binary.toInts(i.shape),
            i.dtype, 1, file + ", tensor '" + i.name + "'"));
      }
      return new Loaded(Collections.unmodifiableMap(byName),
          Collections.unmodifiableMap(metadata));
    }
  }

  private static Info info(String file, String name, Object value) throws FormatException {
    String what = file + ": tensor '" + name + "'";
    if (!(value instanceof Map<?, ?> m)) {
      throw new FormatException(what + ": entry is a JSON " + kind(value)
          + ", expected an object with dtype, shape and data_offsets");
    }
    if (!(m.get("dtype") instanceof String dt)) {
      throw new FormatException(what + ": dtype is " + describe(m.get("dtype"))
          + ", expected a string");
    }
    DType dtype = dtype(dt);
    if (dtype == null) {
      throw new FormatException(what + ": unsupported dtype '" + dt
          + "' (Ember reads F32, F64, I64, I32, BOOL)");
    }
    long[] shape = longs(m.get("shape"), -1, what, "shape");
    long[] off = longs(m.get("data_offsets"), 2, what, "data_offsets");
    if (off[1] < off[0]) {
      throw new FormatException(what + ": data_offsets [" + off[0] + ", " + off[1]
          + "] end before they begin");
    }
    int numel = Binary.numel(shape, what);
    long bytes = (long) numel * dtype.itemSize();
    if (off[1] - off[0] != bytes) {
      throw new FormatException(what + ": data_offsets [" + off[0] + ", " + off[1] + "] span "
          + (off[1] - off[0]) + " bytes but shape " + Binary.str(shape) + " of " + dt + " needs "
          + bytes);
    }
    return new Info(name, dtype, shape, off[0], off[1]);
  }

  private static long[] longs(Object v, int count, String what, String field)
      throws FormatException {
    if (!(v instanceof List<?> list) || (count >= 0 && list.size() != count)) {
      throw new FormatException(what + ": " + field + " is " + describe(v) + ", expected "
          + (count >= 0 ? "an array of " + count + " integers" : "an array of integers"));
    }
    long[] out = new long[list.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(list.get(i) instanceof Long x) || x < 0) {
        throw new FormatException(what + ": " + field + " " + list
            + " holds " + list.get(i) + ", expected non-negative integers");
      }
      out[i] = x;
    }
    return out;
  }

  private static String describe(Object v) {
    return v == null ? "missing or null" : v instanceof Map || v instanceof List
        ? "a JSON " + kind(v) : "'" + v + "'";
  }

  private static String kind(Object v) {
    if (v instanceof Map) {
      return "object";
    }
    if (v instanceof List) {
      return "array";
    }
    if (v instanceof String) {
      return "string";
    }
    if (v instanceof Boolean) {
      return "boolean";
    }
    return v == null ? "null" : "number";
  }
}
