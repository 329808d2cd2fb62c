package dev.ember.io;

import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Raw element data of the binary formats: decoding a stream of fixed-size elements straight into
 * a tensor of the wanted dtype (in chunks, so no intermediate array of the source type is made),
 * and encoding a tensor's elements, row-major, to a stream.
 */
final class Binary {
  /** Bytes decoded per step: a multiple of every element size. */
  private static final int CHUNK = 1 << 16;

  private Binary() {}

  /** An element encoding of a file format. */
  enum Elem {
    U8(1, false), I8(1, false), I16(2, false), I32(4, false), I64(8, false),
    F32(4, true), F64(8, true), BOOL(1, false);

    final int size;
    final boolean floating;

    Elem(int size, boolean floating) {
      this.size = size;
      this.floating = floating;
    }

    /** The encoding that holds a dtype exactly. */
    static Elem of(DType dtype) {
      return switch (dtype) {
        case FLOAT32 -> F32;
        case FLOAT64 -> F64;
        case INT64 -> I64;
        case INT32 -> I32;
        case BOOL -> BOOL;
      };
    }
  }

  /**
   * Reads {@code numel(shape)} elements encoded as {@code src} in byte order {@code order} into a
   * new CPU tensor of dtype {@code dst}, multiplying each by {@code scale} (1 for none; computed in
   * double and rounded once, so that {@code scale = 1.0 / 255} gives exactly {@code x / 255f}).
   * Integer sources convert to any dtype (nonzero is true for bool); floating-point sources only
   * to floating-point dtypes, and a scale needs a floating-point {@code dst} (callers check both).
   *
   * @param what names the data in the truncation error, e.g. {@code "a.idx"}
   * @throws FormatException if the stream ends early, naming the expected and actual byte counts
   */
  static Tensor read(InputStream in, Elem src, ByteOrder order, int[] shape, DType dst,
      double scale, String what) throws IOException {
    int n = 1;
    for (int d : shape) {
      n *= d; // callers have checked that the product fits in an int
    }
    Object out = switch (dst) {
      case FLOAT32 -> new float[n];
      case FLOAT64 -> new double[n];
      case INT64 -> new long[n];
      case INT32 -> new int[n];
      case BOOL -> new boolean[n];
    };
    float[] table = null;
    if (src == Elem.U8 && dst == DType.FLOAT32) {
      table = new float[256];
      for (int v = 0; v < 256; v++) {
        table[v] = (float) (v * scale);
      }
    }
    long total = (long) n * src.size;
    byte[] buf = new byte[(int) Math.min(CHUNK, Math.max(total, 1))];
    ByteBuffer bb = ByteBuffer.wrap(buf).order(order);
    long[] longs = src.floating ? null : new long[buf.length / src.size];
    double[] doubles = src.floating ? new double[buf.length / src.size] : null;
    long done = 0;
    int at = 0;
    while (done < total) {
      int want = (int) Math.min(buf.length, total - done);
      int got = in.readNBytes(buf, 0, want);
      if (got < want) {
        throw new FormatException(what + ": truncated data: expected " + total
            + " bytes of data, got " + (done + got));
      }
      int count = want / src.size;
      bb.clear();
      if (table != null) {
        float[] f = (float[]) out;
        for (int i = 0; i < count; i++) {
          f[at + i] = table[buf[i] & 0xff];
        }
      } else if (scale == 1 && fastCopy(bb, src, dst, out, at, count)) {
        // copied in bulk
      } else if (src.floating) {
        decodeFloats(bb, src, doubles, count);
        storeDoubles(doubles, count, out, at, scale);
      } else {
        decodeInts(bb, buf, src, longs, count);
        storeLongs(longs, count, out, at, scale);
      }
      at += count;
      done += want;
    }
    return switch (dst) {
      case FLOAT32 -> Tensor.of((float[]) out, shape);
      case FLOAT64 -> Tensor.of((double[]) out, shape);
      case INT64 -> Tensor.of((long[]) out, shape);
      case INT32 -> Tensor.of((int[]) out, shape);
      case BOOL -> Tensor.of((boolean[]) out, shape);
    };
  }

  private static boolean fastCopy(ByteBuffer bb, Elem src, DType dst, Object out, int at,
      int count) {
    if (src == Elem.F32 && dst == DType.FLOAT32) {
      bb.asFloatBuffer().get((float[]) out, at, count);
    } else if (src == Elem.F64 && dst == DType.FLOAT64) {
      bb.asDoubleBuffer().get((double[]) out, at, count);
    } else if (src == Elem.I64 && dst == DType.INT64) {
      bb.asLongBuffer().get((long[]) out, at, count);
    } else if (src == Elem.I32 && dst == DType.INT32) {
      bb.asIntBuffer().get((int[]) out, at, count);
    } else {
      return false;
    }
    return true;
  }

  private static void decodeFloats(ByteBuffer bb, Elem src, double[] v, int count) {
    if (src == Elem.F32) {
      for (int i = 0; i < count; i++) {
        v[i] = bb.getFloat(4 * i);
      }
    } else {
      for (int i = 0; i < count; i++) {
        v[i] = bb.getDouble(8 * i);
      }
    }
  }

  private static void decodeInts(ByteBuffer bb, byte[] buf, Elem src, long[] v, int count) {
    switch (src) {
      case U8 -> {
        for (int i = 0; i < count; i++) {
          v[i] = buf[i] & 0xff;
        }
      }
      case I8 -> {
        for (int i = 0; i < count; i++) {
          v[i] = buf[i];
        }
      }
      case BOOL -> {
        for (int i = 0; i < count; i++) {
          v[i] = buf[i] != 0 ? 1 : 0;
        }
      }
      case I16 -> {
        for (int i = 0; i < count; i++) {
          v[i] = bb.getShort(2 * i);
        }
      }
      case I32 -> {
        for (int i = 0; i < count; i++) {
          v[i] = bb.getInt(4 * i);
        }
      }
      case I64 -> {
        for (int i = 0; i < count; i++) {
          v[i] = bb.getLong(8 * i);
        }
      }
      default -> throw new AssertionError(src);
    }
  }

  private static void storeDoubles(double[] v, int count, Object out, int at, double scale) {
    if (out instanceof float[] f) {
      for (int i = 0; i < count; i++) {
        f[at + i] = (float) (v[i] * scale);
      }
    } else if (out instanceof double[] d) {
      for (int i = 0; i < count; i++) {
        d[at + i] = v[i] * scale;
      }
    } else {
      throw new AssertionError("floating-point data into " + out.getClass().getSimpleName());
    }
  }

  private static void storeLongs(long[] v, int count, Object out, int at, double scale) {
    if (out instanceof float[] f) {
      for (int i = 0; i < count; i++) {
        f[at + i] = (float) (v[i] * scale);
      }
    } else if (out instanceof double[] d) {
      for (int i = 0; i < count; i++) {
        d[at + i] = v[i] * scale;
      }
    } else if (out instanceof long[] l) {
      System.arraycopy(v, 0, l, at, count);
    } else if (out instanceof int[] n) {
      for (int i = 0; i < count; i++) {
        n[at + i] = (int) v[i]; // sources of int dtypes are at most 32 bits wide
      }
    } else {
      boolean[] z = (boolean[]) out;
      for (int i = 0; i < count; i++) {
        z[at + i] = v[i] != 0;
      }
    }
  }

  /**
   * Writes the elements of {@code t}, row-major (whatever its strides), in its own dtype's
   * encoding ({@link Elem#of}) and byte order {@code order}.
   */
  static void write(Tensor t, OutputStream out, ByteOrder order) throws IOException {
    byte[] buf = new byte[CHUNK];
    ByteBuffer bb = ByteBuffer.wrap(buf).order(order);
    switch (t.dtype()) {
      case FLOAT32 -> {
        float[] a = t.toFloatArray();
        for (int i = 0; i < a.length; i += CHUNK / 4) {
          int c = Math.min(CHUNK / 4, a.length - i);
          bb.clear();
          bb.asFloatBuffer().put(a, i, c);
          out.write(buf, 0, 4 * c);
        }
      }
      case FLOAT64 -> {
        double[] a = t.toDoubleArray();
        for (int i = 0; i < a.length; i += CHUNK / 8) {
          int c = Math.min(CHUNK / 8, a.length - i);
          bb.clear();
          bb.asDoubleBuffer().put(a, i, c);
          out.write(buf, 0, 8 * c);
        }
      }
      case INT64 -> {
        long[] a = t.toLongArray();
        for (int i = 0; i < a.length; i += CHUNK / 8) {
          int c = Math.min(CHUNK / 8, a.length - i);
          bb.clear();
          bb.asLongBuffer().put(a, i, c);
          out.write(buf, 0, 8 * c);
        }
      }
      case INT32 -> {
        int[] a = t.toIntArray();
        for (int i = 0; i < a.length; i += CHUNK / 4) {
          int c = Math.min(CHUNK / 4, a.length - i);
          bb.clear();
          bb.asIntBuffer().put(a, i, c);
          out.write(buf, 0, 4 * c);
        }
      }
      case BOOL -> {
        boolean[] a = t.toBooleanArray();
        for (int i = 0; i < a.length; i += CHUNK) {
          int c = Math.min(CHUNK, a.length - i);
          for (int j = 0; j < c; j++) {
            buf[j] = a[i + j] ? (byte) 1 : 0;
          }
          out.write(buf, 0, c);
        }
      }
    }
  }

  /**
   * The number of elements of {@code shape} as an int.
   *
   * @throws FormatException naming {@code what} and the shape if a size is negative or the product
   *     exceeds a tensor's 2^31 - 1 elements
   */
  static int numel(long[] shape, String what) throws FormatException {
    boolean zero = false;
    for (long d : shape) {
      if (d < 0) {
        throw new FormatException(what + ": negative size " + d + " in shape " + str(shape));
      }
      zero |= d == 0;
    }
    if (zero) {
      return 0; // a zero anywhere makes any product of the other sizes harmless
    }
    long n = 1;
    for (long d : shape) {
      if (n > Integer.MAX_VALUE / d) {
        throw new FormatException(what + ": shape " + str(shape)
            + " has more than 2^31 - 1 elements, the most a tensor holds");
      }
      n *= d;
    }
    return (int) n;
  }

  static String str(long[] shape) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      b.append(i > 0 ? ", " : "").append(shape[i]);
    }
    return b.append(']').toString();
  }

  static int[] toInts(long[] shape) {
    int[] s = new int[shape.length];
    for (int i = 0; i < s.length; i++) {
      s[i] = (int) shape[i];
    }
    return s;
  }
}
