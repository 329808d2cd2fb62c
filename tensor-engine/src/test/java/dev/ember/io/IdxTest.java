package dev.ember.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
  @TempDir Path dir;

  /** An IDX file: the header for {@code type} and {@code dims}, then {@code data} as given. */
  private static byte[] idx(int type, int[] dims, byte[] data) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(b);
    out.write(new byte[] {0, 0, (byte) type, (byte) dims.length});
    for (int d : dims) {
      out.writeInt(d);
    }
    out.write(data);
    return b.toByteArray();
  }

  private static byte[] gzip(byte[] raw) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(b)) {
      g.write(raw);
    }
    return b.toByteArray();
  }

  private static byte[] bigEndian(int type, double... values) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(b);
    for (double v : values) {
      switch (type) {
        case 0x08, 0x09 -> out.writeByte((int) v);
        case 0x0B -> out.writeShort((int) v);
        case 0x0C -> out.writeInt((int) v);
        case 0x0D -> out.writeFloat((float) v);
        case 0x0E -> out.writeDouble(v);
        default -> throw new AssertionError(type);
      }
    }
    return b.toByteArray();
  }

  private static Tensor read(byte[] file) throws IOException {
    return Idx.read(new ByteArrayInputStream(file));
  }

  @Test
  void readsEveryElementTypeIntoItsDefaultDType() throws IOException {
    Tensor u8 = read(idx(0x08, new int[] {2, 2}, bigEndian(0x08, 0, 1, 200, 255)));
    assertEquals(DType.INT32, u8.dtype());
    assertArrayEquals(new int[] {2, 2}, u8.shape());
    assertArrayEquals(new int[] {0, 1, 200, 255}, u8.toIntArray());

    Tensor i8 = read(idx(0x09, new int[] {4}, bigEndian(0x09, -128, -1, 0, 127)));
    assertEquals(DType.INT32, i8.dtype());
    assertArrayEquals(new int[] {-128, -1, 0, 127}, i8.toIntArray());

    Tensor i16 = read(idx(0x0B, new int[] {3}, bigEndian(0x0B, -32768, 258, 32767)));
    assertArrayEquals(new int[] {-32768, 258, 32767}, i16.toIntArray());

    Tensor i32 = read(idx(0x0C, new int[] {3}, bigEndian(0x0C, Integer.MIN_VALUE, 16909060,
        Integer.MAX_VALUE)));
    assertArrayEquals(new int[] {Integer.MIN_VALUE, 16909060, Integer.MAX_VALUE}, i32.toIntArray());

    Tensor f32 = read(idx(0x0D, new int[] {1, 3}, bigEndian(0x0D, 0.1, -2.5, 1e30)));
    assertEquals(DType.FLOAT32, f32.dtype());
    assertArrayEquals(new float[] {0.1f, -2.5f, 1e30f}, f32.toFloatArray(), 0);

    Tensor f64 = read(idx(0x0E, new int[] {2}, bigEndian(0x0E, 0.1, -1e300)));
    assertEquals(DType.FLOAT64, f64.dtype());
    assertArrayEquals(new double[] {0.1, -1e300}, f64.toDoubleArray(), 0);

    Tensor scalar = read(idx(0x08, new int[0], bigEndian(0x08, 9)));
    assertEquals(0, scalar.dim());
    assertEquals(9, scalar.itemLong());
  }

  @Test
  void convertsToTheRequestedDType() throws IOException {
    byte[] labels = idx(0x08, new int[] {4}, bigEndian(0x08, 9, 0, 3, 255));
    Tensor l = Idx.read(new ByteArrayInputStream(labels), DType.INT64);
    assertEquals(DType.INT64, l.dtype());
    assertArrayEquals(new long[] {9, 0, 3, 255}, l.toLongArray());
    assertEquals(DType.INT64, Idx.readLabels(new ByteArrayInputStream(labels)).dtype());

    Tensor f = Idx.read(new ByteArrayInputStream(labels), DType.FLOAT32);
    assertArrayEquals(new float[] {9, 0, 3, 255}, f.toFloatArray(), 0);
    Tensor b = Idx.read(new ByteArrayInputStream(labels), DType.BOOL);
    assertArrayEquals(new boolean[] {true, false, true, true}, b.toBooleanArray());
    Tensor s = Idx.read(new ByteArrayInputStream(idx(0x0B, new int[] {2}, bigEndian(0x0B, -7, 9))),
        DType.FLOAT64);
    assertArrayEquals(new double[] {-7, 9}, s.toDoubleArray(), 0);
  }

  @Test
  void floatDataIsNotTruncatedToIntegers() throws IOException {
    byte[] file = idx(0x0D, new int[] {1}, bigEndian(0x0D, 1.5));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Idx.read(new ByteArrayInputStream(file), DType.INT64));
    assertTrue(e.getMessage().contains("float32") && e.getMessage().contains("truncate"),
        e.getMessage());
  }

  @Test
  void readImagesScalesEveryByteExactlyAsPyTorchDividesBy255() throws IOException {
    byte[] pixels = new byte[256];
    for (int i = 0; i < 256; i++) {
      pixels[i] = (byte) i;
    }
    Tensor images = Idx.readImages(new ByteArrayInputStream(gzip(idx(0x08, new int[] {1, 16, 16},
        pixels))), 1.0 / 255);
    assertEquals(DType.FLOAT32, images.dtype());
    assertArrayEquals(new int[] {1, 16, 16}, images.shape());
    float[] v = images.toFloatArray();
    for (int i = 0; i < 256; i++) {
      assertEquals(i / 255f, v[i], 0, "pixel " + i); // torch: x.float() / 255, one float division
    }
    Tensor scaled = Idx.readImages(new ByteArrayInputStream(idx(0x0C, new int[] {2},
        bigEndian(0x0C, -4, 6))), 0.5);
    assertArrayEquals(new float[] {-2, 3}, scaled.toFloatArray(), 0);
  }

  @Test
  void gzipIsDetectedByContentNotByName() throws IOException {
    byte[] raw = idx(0x08, new int[] {3}, bigEndian(0x08, 1, 2, 3));
    Path gzNamedPlain = dir.resolve("labels-idx1-ubyte");
    Files.write(gzNamedPlain, gzip(raw));
    Path plainNamedGz = dir.resolve("labels-idx1-ubyte.gz");
    Files.write(plainNamedGz, raw);
    assertArrayEquals(new long[] {1, 2, 3}, Idx.readLabels(gzNamedPlain).toLongArray());
    assertArrayEquals(new long[] {1, 2, 3}, Idx.readLabels(plainNamedGz).toLongArray());
    assertArrayEquals(new int[] {1, 2, 3}, Idx.read(plainNamedGz).toIntArray());
  }

  @Test
  void largeFilesAreDecodedAcrossChunks() throws IOException {
    int n = 200_003; // several decoding chunks, the last one partial
    byte[] data = new byte[n * 2];
    for (int i = 0; i < n; i++) {
      short v = (short) (i * 7 - 30000);
      data[2 * i] = (byte) (v >> 8);
      data[2 * i + 1] = (byte) v;
    }
    int[] got = read(gzip(idx(0x0B, new int[] {n}, data))).toIntArray();
    for (int i = 0; i < n; i++) {
      assertEquals((short) (i * 7 - 30000), got[i], "element " + i);
    }
  }

  @Test
  void badMagicNumbersAreNamed() throws IOException {
    Path p = dir.resolve("bad.idx");
    Files.write(p, new byte[] {1, 0, 8, 1, 0, 0, 0, 0});
    FormatException e = assertThrows(FormatException.class, () -> Idx.read(p));
    assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("bad magic number 01 00 08 01"), e.getMessage());

    FormatException t = assertThrows(FormatException.class,
        () -> read(new byte[] {0, 0, 0x0A, 1, 0, 0, 0, 0}));
    assertTrue(t.getMessage().contains("unknown IDX type byte 0x0A"), t.getMessage());

    FormatException shortHead = assertThrows(FormatException.class, () -> read(new byte[] {0, 0}));
    assertTrue(shortHead.getMessage().contains("truncated header"), shortHead.getMessage());
  }

  @Test
  void truncatedDataNamesExpectedAndActualByteCounts() throws IOException {
    byte[] file = idx(0x0C, new int[] {2, 3}, new byte[24]);
    byte[] cut = Arrays.copyOf(file, file.length - 5);
    FormatException e = assertThrows(FormatException.class, () -> read(cut));
    assertTrue(e.getMessage().contains("expected 24 bytes of data, got 19"), e.getMessage());
    FormatException gz = assertThrows(FormatException.class, () -> read(gzip(cut)));
    assertTrue(gz.getMessage().contains("expected 24 bytes of data, got 19"), gz.getMessage());

    byte[] dims = Arrays.copyOf(file, 9); // inside the sizes
    FormatException d = assertThrows(FormatException.class, () -> read(dims));
    assertTrue(d.getMessage().contains("2 dims need 8 bytes of sizes, got 5"), d.getMessage());

    byte[] gzipped = gzip(file);
    byte[] cutGzip = Arrays.copyOf(gzipped, gzipped.length - 10);
    FormatException g = assertThrows(FormatException.class, () -> read(cutGzip));
    assertTrue(g.getMessage().contains("gzip"), g.getMessage());
  }

  @Test
  void extraBytesAreAnError() throws IOException {
    byte[] file = idx(0x08, new int[] {2}, new byte[] {1, 2, 3, 4});
    FormatException e = assertThrows(FormatException.class, () -> read(file));
    assertTrue(e.getMessage().contains("2 bytes after the [2] elements"), e.getMessage());
  }

  @Test
  void sizesBeyondATensorAreRejectedBeforeReading() throws IOException {
    byte[] file = idx(0x08, new int[] {65536, 65536}, new byte[0]);
    FormatException e = assertThrows(FormatException.class, () -> read(file));
    assertTrue(e.getMessage().contains("[65536, 65536]") && e.getMessage().contains("2^31 - 1"),
        e.getMessage());
    byte[] unsigned = idx(0x08, new int[] {-1}, new byte[0]); // 0xFFFFFFFF = 4294967295
    FormatException u = assertThrows(FormatException.class, () -> read(unsigned));
    assertTrue(u.getMessage().contains("4294967295"), u.getMessage());
  }
}
