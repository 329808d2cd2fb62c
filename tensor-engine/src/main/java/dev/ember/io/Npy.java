package dev.ember.io;

import dev.ember.io.Binary.Elem;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes NumPy's {@code .npy} format (one array per file).
 *
 * <p>Layout: the magic {@code \x93NUMPY}, a version {@code major, minor}, the header length (2
 * bytes little-endian in version 1.0, 4 bytes in 2.0 and 3.0), then a Python dict literal such as
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }} padded with spaces and a
 * newline to a multiple of 64 bytes, then the raw elements.
 *
 * <table>
 *   <caption>dtypes (read: {@code <} little-endian, {@code >} big-endian, {@code |} n/a)</caption>
 *   <tr><th>descr</th><th>read as</th><th>written from</th></tr>
 *   <tr><td>f4</td><td>float32</td><td>float32 ({@code <f4})</td></tr>
 *   <tr><td>f8</td><td>float64</td><td>float64 ({@code <f8})</td></tr>
 *   <tr><td>i8</td><td>int64</td><td>int64 ({@code <i8})</td></tr>
 *   <tr><td>i4</td><td>int32</td><td>int32 ({@code <i4})</td></tr>
 *   <tr><td>b1</td><td>bool</td><td>bool ({@code |b1})</td></tr>
 *   <tr><td>u1, i1, i2</td><td>int32</td><td>-</td></tr>
 * </table>
 *
 * <p>Reading takes versions 1.0, 2.0 and 3.0 and Fortran-ordered arrays (returned in row-major
 * order). Writing produces what {@code numpy.save} produces for the same array: version 1.0
 * (2.0 when the header needs it), little-endian, C order, byte for byte the same header.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  /** NumPy's alignment of the data start. */
  private static final int ALIGN = 64;
  /** NumPy pads headers so that the first size can grow to this many digits in place. */
  private static final int GROWTH_AXIS_MAX_DIGITS = 21;
  /** More than any header of a plain array needs; guards against a corrupt length. */
  private static final int MAX_HEADER = 1 << 20;

  private Npy() {}

  /**
   * Reads a {@code .npy} file.
   *
   * @throws FormatException for a bad magic number or version, a header that is not a dict with
   *     exactly {@code descr}, {@code fortran_order} and {@code shape}, an unsupported dtype, or
   *     data shorter or longer than the shape says
   * @throws IOException if the file cannot be read
   */
  public static Tensor read(Path path) throws IOException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
      Tensor t = read(in, path.toString());
      if (in.read() >= 0) {
        long extra = 1 + in.transferTo(OutputStream.nullOutputStream());
        throw new FormatException(path + ": " + extra
            + " bytes after the data of shape " + Arrays.toString(t.shape()));
      }
      return t;
    }
  }

  /**
   * Reads one array from a stream and leaves the stream just after it (so consecutive arrays, as
   * {@code numpy.save} writes them to one open file, can be read one by one).
   *
   * @throws FormatException as {@link #read(Path)}, except for extra bytes
   */
  public static Tensor read(InputStream in) throws IOException {
    return read(in, ".npy stream");
  }

  static Tensor read(InputStream in, String what) throws IOException {
    byte[] pre = in.readNBytes(8);
    if (pre.length < 8) {
      throw new FormatException(what + ": truncated: " + pre.length
          + " bytes, less than the 8 of the magic number and version");
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (pre[i] != MAGIC[i]) {
        throw new FormatException(what
            + ": not a .npy file (bad magic number; expected \\x93NUMPY)");
      }
    }
    int major = pre[6] & 0xff;
    int minor = pre[7] & 0xff;
    if (minor != 0 || major < 1 || major > 3) {
      throw new FormatException(what + ": unsupported .npy format version " + major + "." + minor
          + " (known: 1.0, 2.0, 3.0)");
    }
    int lenBytes = major == 1 ? 2 : 4;
    byte[] lb = in.readNBytes(lenBytes);
    if (lb.length < lenBytes) {
      throw new FormatException(what + ": truncated in the header length");
    }
    long hlen = 0;
    for (int i = lenBytes - 1; i >= 0; i--) {
      hlen = (hlen << 8) | (lb[i] & 0xff);
    }
    if (hlen > MAX_HEADER) {
      throw new FormatException(what + ": header length " + hlen + " exceeds " + MAX_HEADER
          + " bytes (corrupt file?)");
    }
    byte[] hb = in.readNBytes((int) hlen);
    if (hb.length < hlen) {
      throw new FormatException(what + ": truncated header: expected " + hlen + " bytes, got "
          + hb.length);
    }
    // Versions 1.0 and 2.0 are latin-1; 3.0 exists only to allow UTF-8 (structured field names).
    String header = new String(hb,
        major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Map<String, Object> dict = HeaderParser.parse(header, what);
    if (!dict.keySet().equals(Set.of("descr", "fortran_order", "shape"))) {
      throw new FormatException(what + ": header keys " + dict.keySet()
          + ", expected exactly descr, fortran_order and shape");
    }
    if (!(dict.get("descr") instanceof String descr)) {
      throw new FormatException(what + ": structured dtype " + dict.get("descr")
          + " is not supported (only plain numeric and bool arrays)");
    }
    if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
      throw new FormatException(what + ": fortran_order is " + dict.get("fortran_order")
          + ", expected True or False");
    }
    if (!(dict.get("shape") instanceof List<?> dims)) {
      throw new FormatException(what + ": shape " + dict.get("shape") + " is not a tuple");
    }
    long[] shape = new long[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      if (!(dims.get(i) instanceof Long d)) {
        throw new FormatException(what + ": shape " + dims + " holds a non-integer " + dims.get(i));
      }
      shape[i] = d;
    }
    Binary.numel(shape, what);
    ByteOrder order;
    char e = descr.isEmpty() ? '?' : descr.charAt(0);
    String code = descr.length() > 1 ? descr.substring(1) : "";
    Elem elem;
    DType dtype;
    switch (code) {
      case "f4" -> { elem = Elem.F32; dtype = DType.FLOAT32; }
      case "f8" -> { elem = Elem.F64; dtype = DType.FLOAT64; }
      case "i8" -> { elem = Elem.I64; dtype = DType.INT64; }
      case "i4" -> { elem = Elem.I32; dtype = DType.INT32; }
      case "i2" -> { elem = Elem.I16; dtype = DType.INT32; }
      case "i1" -> { elem = Elem.I8; dtype = DType.INT32; }
      case "u1" -> { elem = Elem.U8; dtype = DType.INT32; }
      case "b1" -> { elem = Elem.BOOL; dtype = DType.BOOL; }
      default -> throw new FormatException(what + ": unsupported dtype '" + descr
          + "' (supported: f4 f8 i8 i4 i2 i1 u1 b1, little- or big-endian)");
    }
    if (e == '<') {
      order = ByteOrder.LITTLE_ENDIAN;
    } else if (e == '>') {
      order = ByteOrder.BIG_ENDIAN;
    } else if (e == '|' && elem.size == 1) {
      order = ByteOrder.LITTLE_ENDIAN; // irrelevant for one byte
    } else {
      throw new FormatException(what + ": dtype '" + descr
          + "' has no byte order ('<' little-endian or '>' big-endian)");
    }
    if (!fortran || shape.length < 2) {
      return Binary.read(in, elem, order, Binary.toInts(shape), dtype, 1, what);
    }
    // Fortran order is row-major order of the reversed shape: read that, then transpose back.
    int[] rev = new int[shape.length];
    int[] perm = new int[shape.length];
    for (int i = 0; i < shape.length; i++) {
      rev[i] = (int) shape[shape.length - 1 - i];
      perm[i] = shape.length - 1 - i;
    }
    Tensor t = Binary.read(in, elem, order, rev, dtype, 1, what);
    return t.permute(perm).contiguous();
  }

  /**
   * Writes a tensor as a {@code .npy} file (atomically: a failed write leaves an existing file as
   * it was). Non-contiguous tensors are written in row-major order.
   *
   * @throws IOException if the file cannot be written
   */
  public static void write(Tensor t, Path path) throws IOException {
    AtomicFiles.write(path, out -> write(t, out));
  }

  /** Writes a tensor in {@code .npy} format to a stream (not closed). */
  public static void write(Tensor t, OutputStream out) throws IOException {
    out.write(header(t.dtype(), t.shape()));
    Binary.write(t, out, ByteOrder.LITTLE_ENDIAN);
  }

  /** The magic, version, length and header that {@code numpy.save} writes for this array. */
  static byte[] header(DType dtype, int[] shape) {
    String descr = switch (dtype) {
      case FLOAT32 -> "<f4";
      case FLOAT64 -> "<f8";
      case INT64 -> "<i8";
      case INT32 -> "<i4";
      case BOOL -> "|b1";
    };
    StringBuilder h = new StringBuilder("{'descr': '").append(descr)
        .append("', 'fortran_order': False, 'shape': (");
    for (int i = 0; i < shape.length; i++) {
      h.append(i > 0 ? ", " : "").append(shape[i]);
    }
    h.append(shape.length == 1 ? ",), }" : "), }");
    if (shape.length > 0) {
      h.append(" ".repeat(GROWTH_AXIS_MAX_DIGITS - Integer.toString(shape[0]).length()));
    }
    byte[] text = h.toString().getBytes(StandardCharsets.ISO_8859_1);
    int major = 1;
    int hlen = text.length + 1;
    int pad = ALIGN - ((MAGIC.length + 2 + 2 + hlen) % ALIGN);
    if (hlen + pad > 0xffff) {
      major = 2;
      pad = ALIGN - ((MAGIC.length + 2 + 4 + hlen) % ALIGN);
    }
    int lenBytes = major == 1 ? 2 : 4;
    byte[] out = new byte[MAGIC.length + 2 + lenBytes + hlen + pad];
    System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
    out[6] = (byte) major;
    out[7] = 0;
    int total = hlen + pad;
    for (int i = 0; i < lenBytes; i++) {
      out[8 + i] = (byte) (total >>> (8 * i));
    }
    int at = 8 + lenBytes;
    System.arraycopy(text, 0, out, at, text.length);
    for (int i = at + text.length; i < out.length - 1; i++) {
      out[i] = ' ';
    }
    out[out.length - 1] = '\n';
    return out;
  }

  /**
   * The Python literals a {@code .npy} header uses: a dict of strings, True/False, ints (Python 2's
   * {@code 3L} too), tuples and lists (as {@link List}s), and nested dicts.
   */
  private static final class HeaderParser {
    private final String s;
    private final String what;
    private int pos;

    private HeaderParser(String s, String what) {
      this.s = s;
      this.what = what;
    }

    static Map<String, Object> parse(String header, String what) throws FormatException {
      HeaderParser p = new HeaderParser(header, what);
      p.ws();
      if (p.peek() != '{') {
        throw p.error("expected a dict");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) p.value(0);
      p.ws();
      if (p.pos != p.s.length()) {
        throw p.error("unexpected text after the dict");
      }
      return m;
    }

    private Object value(int depth) throws FormatException {
      if (depth > 32) {
        throw error("nested too deeply");
      }
      ws();
      char c = peek();
      if (c == '{') {
        pos++;
        Map<String, Object> m = new LinkedHashMap<>();
        while (true) {
          ws();
          if (peek() == '}') {
            pos++;
            return m;
          }
          Object k = value(depth + 1);
          if (!(k instanceof String key)) {
            throw error("dict key " + k + " is not a string");
          }
          ws();
          expect(':');
          Object v = value(depth + 1);
          if (m.put(key, v) != null) {
            throw error("duplicate key '" + key + "'");
          }
          ws();
          if (peek() == ',') {
            pos++;
          } else if (peek() != '}') {
            throw error("expected ',' or '}'");
          }
        }
      }
      if (c == '(' || c == '[') {
        char close = c == '(' ? ')' : ']';
        pos++;
        List<Object> list = new ArrayList<>();
        while (true) {
          ws();
          if (peek() == close) {
            pos++;
            return list;
          }
          list.add(value(depth + 1));
          ws();
          if (peek() == ',') {
            pos++;
          } else if (peek() != close) {
            throw error("expected ',' or '" + close + "'");
          }
        }
      }
      if (c == '\'' || c == '"') {
        pos++;
        int end = s.indexOf(c, pos);
        if (end < 0) {
          throw error("unterminated string");
        }
        String str = s.substring(pos, end);
        pos = end + 1;
        return str;
      }
      if (s.startsWith("True", pos)) {
        pos += 4;
        return Boolean.TRUE;
      }
      if (s.startsWith("False", pos)) {
        pos += 5;
        return Boolean.FALSE;
      }
      int start = pos;
      if (peek() == '-') {
        pos++;
      }
      while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
        pos++;
      }
      if (pos == start || (pos == start + 1 && s.charAt(start) == '-')) {
        throw error("unexpected '" + (pos < s.length() ? s.charAt(pos) : "end of header") + "'");
      }
      String digits = s.substring(start, pos);
      if (peek() == 'L' || peek() == 'l') {
        pos++;
      }
      try {
        return Long.parseLong(digits);
      } catch (NumberFormatException e) {
        throw error("integer " + digits + " out of range");
      }
    }

    private void expect(char c) throws FormatException {
      if (peek() != c) {
        throw error("expected '" + c + "'");
      }
      pos++;
    }

    private char peek() {
      return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private void ws() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    private FormatException error(String msg) {
      return new FormatException(what + ": bad .npy header at character " + pos + ": " + msg
          + " in " + s.strip());
    }
  }
}
