package dev.ember.io;

import dev.ember.io.Binary.Elem;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST, gzipped or not (told apart by the gzip magic
 * number, not the file name).
 *
 * <p>Layout (big-endian): two zero bytes, a type byte, the number of dims {@code d}, then {@code
 * d} 32-bit sizes, then the elements row-major.
 *
 * <table>
 *   <caption>Element types and the dtype read by default</caption>
 *   <tr><th>type byte</th><th>element</th><th>default dtype</th></tr>
 *   <tr><td>0x08</td><td>unsigned byte</td><td>int32</td></tr>
 *   <tr><td>0x09</td><td>signed byte</td><td>int32</td></tr>
 *   <tr><td>0x0B</td><td>16-bit int</td><td>int32</td></tr>
 *   <tr><td>0x0C</td><td>32-bit int</td><td>int32</td></tr>
 *   <tr><td>0x0D</td><td>32-bit float</td><td>float32</td></tr>
 *   <tr><td>0x0E</td><td>64-bit float</td><td>float64</td></tr>
 * </table>
 *
 * <p>Typical use: {@code readImages(path, 1.0 / 255)} for images as float32 in [0, 1] and {@code
 * readLabels(path)} for labels as int64 (what cross-entropy takes).
 */
public final class Idx {
  private Idx() {}

  /**
   * Reads an IDX file into a tensor of its default dtype (see the table above).
   *
   * @throws FormatException for a bad magic number, an unknown type byte, sizes whose product
   *     exceeds 2^31 - 1 elements, or data shorter or longer than the sizes say
   * @throws IOException if the file cannot be read
   */
  public static Tensor read(Path path) throws IOException {
    return read(path, null);
  }

  /**
   * Reads an IDX file into a tensor of {@code dtype}, converting each element directly (no
   * intermediate tensor): e.g. int64 for labels, float32 for pixel values 0-255.
   *
   * @throws IllegalArgumentException if the file holds floating-point data and {@code dtype} is an
   *     integer or bool dtype (that conversion would truncate; convert explicitly)
   * @throws FormatException as {@link #read(Path)}
   */
  public static Tensor read(Path path, DType dtype) throws IOException {
    try (InputStream in = Files.newInputStream(path)) {
      return read(in, dtype, 1, path.toString());
    }
  }

  /** Reads IDX data from a stream (gzipped or not) into its default dtype (see read(Path)). */
  public static Tensor read(InputStream in) throws IOException {
    return read(in, null, 1, "IDX stream");
  }

  /**
   * Reads IDX data from a stream (gzipped or not) into {@code dtype}; see {@link #read(Path,
   * DType)}.
   */
  public static Tensor read(InputStream in, DType dtype) throws IOException {
    return read(in, dtype, 1, "IDX stream");
  }

  /**
   * Reads images (any element type) as float32 {@code x * scale}, converted in one pass. The
   * product is computed in double and rounded once, so {@code scale = 1.0 / 255} gives exactly
   * PyTorch's {@code x.float() / 255}.
   *
   * <p>Shape: the file's, e.g. {@code [N, 28, 28]} for MNIST images.
   *
   * @throws FormatException as {@link #read(Path)}
   */
  public static Tensor readImages(Path path, double scale) throws IOException {
    try (InputStream in = Files.newInputStream(path)) {
      return read(in, DType.FLOAT32, scale, path.toString());
    }
  }

  /** {@link #readImages(Path, double)} from a stream (gzipped or not). */
  public static Tensor readImages(InputStream in, double scale) throws IOException {
    return read(in, DType.FLOAT32, scale, "IDX stream");
  }

  /**
   * Reads integer labels as int64, the dtype of class indices.
   *
   * @throws IllegalArgumentException if the file holds floating-point data
   * @throws FormatException as {@link #read(Path)}
   */
  public static Tensor readLabels(Path path) throws IOException {
    return read(path, DType.INT64);
  }

  /** {@link #readLabels(Path)} from a stream (gzipped or not). */
  public static Tensor readLabels(InputStream in) throws IOException {
    return read(in, DType.INT64);
  }

  /**
   * The stream itself, or a gunzipping stream over it if it starts with the gzip magic number
   * (0x1f 0x8b).
   */
  static InputStream maybeGunzip(InputStream in) throws IOException {
    BufferedInputStream b = new BufferedInputStream(in, 1 << 16);
    b.mark(2);
    int b0 = b.read();
    int b1 = b.read();
    b.reset();
    if (b0 == 0x1f && b1 == 0x8b) {
      return new BufferedInputStream(new GZIPInputStream(b, 1 << 16), 1 << 16);
    }
    return b;
  }

  private static Tensor read(InputStream raw, DType dtype, double scale, String what)
      throws IOException {
    try {
      return parse(maybeGunzip(raw), dtype, scale, what);
    } catch (EOFException | ZipException e) {
      // Only the gzip layer throws these (the IDX reader counts bytes itself).
      throw new FormatException(what + ": corrupt or truncated gzip data (" + e.getMessage() + ")",
          e);
    }
  }

  private static Tensor parse(InputStream in, DType dtype, double scale, String what)
      throws IOException {
    byte[] head = in.readNBytes(4);
    if (head.length < 4) {
      throw new FormatException(what + ": truncated header: expected 4 bytes of magic number, got "
          + head.length);
    }
    if (head[0] != 0 || head[1] != 0) {
      throw new FormatException(what + ": bad magic number " + hex(head)
          + ": an IDX file starts with 00 00, a type byte (08 09 0B 0C 0D 0E)"
          + " and the number of dims");
    }
    Elem elem = switch (head[2]) {
      case 0x08 -> Elem.U8;
      case 0x09 -> Elem.I8;
      case 0x0B -> Elem.I16;
      case 0x0C -> Elem.I32;
      case 0x0D -> Elem.F32;
      case 0x0E -> Elem.F64;
      default -> throw new FormatException(what + ": unknown IDX type byte 0x"
          + String.format("%02X", head[2] & 0xff) + " in magic number " + hex(head)
          + " (known: 08 ubyte, 09 byte, 0B short, 0C int, 0D float, 0E double)");
    };
    int ndim = head[3] & 0xff;
    byte[] dimBytes = in.readNBytes(4 * ndim);
    if (dimBytes.length < 4 * ndim) {
      throw new FormatException(what + ": truncated header: " + ndim + " dims need " + 4 * ndim
          + " bytes of sizes, got " + dimBytes.length);
    }
    long[] shape = new long[ndim];
    for (int i = 0; i < ndim; i++) {
      shape[i] = ((dimBytes[4 * i] & 0xffL) << 24) | ((dimBytes[4 * i + 1] & 0xffL) << 16)
          | ((dimBytes[4 * i + 2] & 0xffL) << 8) | (dimBytes[4 * i + 3] & 0xffL);
    }
    Binary.numel(shape, what);
    DType dst = dtype != null ? dtype : elem == Elem.F32 ? DType.FLOAT32
        : elem == Elem.F64 ? DType.FLOAT64 : DType.INT32;
    if (elem.floating && !dst.isFloatingPoint()) {
      throw new IllegalArgumentException(what + ": holds "
          + (elem == Elem.F32 ? "float32" : "float64")
          + " data; reading it as " + dst + " would truncate: read it as a floating-point dtype"
          + " and convert explicitly");
    }
    Tensor t = Binary.read(in, elem, ByteOrder.BIG_ENDIAN, Binary.toInts(shape), dst, scale, what);
    if (in.read() >= 0) {
      long extra = 1 + in.transferTo(OutputStream.nullOutputStream());
      throw new FormatException(what + ": " + extra + " bytes after the " + Binary.str(shape)
          + " elements the header announces (wrong sizes in the header?)");
    }
    return t;
  }

  private static String hex(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < b.length; i++) {
      s.append(i > 0 ? " " : "").append(String.format("%02X", b[i] & 0xff));
    }
    return s.toString();
  }
}
