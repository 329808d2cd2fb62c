package dev.ember.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against files written by numpy 1.24 (src/test/resources/io/make_io_golden.py). */
class NpyTest {
  @TempDir Path dir;

  static Path resource(String name) {
    try {
      return Path.of(NpyTest.class.getResource("/io/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new AssertionError(e);
    }
  }

  private static Tensor golden(String name) throws IOException {
    return Npy.read(resource("npy/" + name + ".npy"));
  }

  private static final float[] F4_2X3 = {-1, -0.5f, 0, 0.5f, 1, 1.5f};
  private static final double[] F8_4 = {0.1, -2.5, 1e300, Double.POSITIVE_INFINITY};

  @Test
  void readsEveryDTypeNumpyWrites() throws IOException {
    Tensor f4 = golden("f4_2x3");
    assertEquals(DType.FLOAT32, f4.dtype());
    assertArrayEquals(new int[] {2, 3}, f4.shape());
    assertArrayEquals(F4_2X3, f4.toFloatArray(), 0);

    Tensor f8 = golden("f8_4");
    assertEquals(DType.FLOAT64, f8.dtype());
    assertArrayEquals(F8_4, f8.toDoubleArray(), 0);

    Tensor i8 = golden("i8_scalar");
    assertEquals(DType.INT64, i8.dtype());
    assertEquals(0, i8.dim());
    assertEquals(-1234567890123L, i8.itemLong());

    Tensor i4 = golden("i4_3");
    assertEquals(DType.INT32, i4.dtype());
    assertArrayEquals(new int[] {Integer.MIN_VALUE, 0, Integer.MAX_VALUE}, i4.toIntArray());

    Tensor b1 = golden("b1_2x2");
    assertEquals(DType.BOOL, b1.dtype());
    assertArrayEquals(new boolean[] {true, false, false, true}, b1.toBooleanArray());

    Tensor u1 = golden("u1_4");
    assertEquals(DType.INT32, u1.dtype());
    assertArrayEquals(new int[] {0, 1, 200, 255}, u1.toIntArray());
    assertArrayEquals(new int[] {-128, -1, 0, 127}, golden("i1_4").toIntArray());
    Tensor i2 = golden("i2_3");
    assertEquals(DType.INT32, i2.dtype());
    assertArrayEquals(new int[] {-32768, 1, 32767}, i2.toIntArray());

    assertArrayEquals(new int[] {0, 3}, golden("f4_0x3").shape());
    long[] range = golden("i8_1000").toLongArray();
    assertEquals(1000, range.length);
    assertEquals(999, range[999]);
  }

  @Test
  void readsBigEndianVariants() throws IOException {
    Tensor f4 = golden("be_f4_2x3");
    assertEquals(DType.FLOAT32, f4.dtype());
    assertArrayEquals(F4_2X3, f4.toFloatArray(), 0);
    assertArrayEquals(F8_4, golden("be_f8_4").toDoubleArray(), 0);
    assertArrayEquals(new long[] {1, -2, 1L << 40}, golden("be_i8_3").toLongArray());
    assertArrayEquals(new int[] {Integer.MIN_VALUE, 0, Integer.MAX_VALUE},
        golden("be_i4_3").toIntArray());
    assertArrayEquals(new int[] {-32768, 1, 32767}, golden("be_i2_3").toIntArray());
  }

  @Test
  void readsFortranOrderIntoRowMajor() throws IOException {
    Tensor f = golden("fortran_f4_3x4");
    assertArrayEquals(new int[] {3, 4}, f.shape());
    assertEquals(Tensor.arange(0.0, 12.0, 1.0).reshape(3, 4), f);
    Tensor i = golden("fortran_i8_2x3x4");
    assertArrayEquals(new int[] {2, 3, 4}, i.shape());
    assertEquals(Tensor.arange(24).reshape(2, 3, 4), i);
  }

  @Test
  void readsFormatVersions2And3() throws IOException {
    assertArrayEquals(F4_2X3, golden("v2_f4_2x3").toFloatArray(), 0);
    assertArrayEquals(F4_2X3, golden("v3_f4_2x3").toFloatArray(), 0);
  }

  @Test
  void writesTheSameBytesAsNumpy() throws IOException {
    Tensor[] arrays = {
        Tensor.of(F4_2X3, 2, 3),
        Tensor.of(F8_4),
        Tensor.scalar(-1234567890123L),
        Tensor.of(new int[] {Integer.MIN_VALUE, 0, Integer.MAX_VALUE}),
        Tensor.of(new boolean[] {true, false, false, true}, 2, 2),
        Tensor.zeros(0, 3),
        Tensor.arange(1000),
        Tensor.of(new long[] {1, -2, 1L << 40}),
    };
    String[] names = {"f4_2x3", "f8_4", "i8_scalar", "i4_3", "b1_2x2", "f4_0x3", "i8_1000", "i8_3"};
    for (int i = 0; i < names.length; i++) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Npy.write(arrays[i], out);
      byte[] expected = Files.readAllBytes(resource("npy/" + names[i] + ".npy"));
      assertArrayEquals(expected, out.toByteArray(), names[i]);
    }
  }

  @Test
  void writesNonContiguousTensorsRowMajor() throws IOException {
    Tensor t = Tensor.arange(0.0, 12.0, 1.0).reshape(3, 4).t(); // strides (1, 4)
    Path p = dir.resolve("t.npy");
    Npy.write(t, p);
    Tensor back = Npy.read(p);
    assertArrayEquals(new int[] {4, 3}, back.shape());
    assertEquals(t.contiguous(), back);
    // The same bytes numpy writes for the transposed array, which is Fortran-ordered 3x4 data.
    ByteArrayOutputStream viaCopy = new ByteArrayOutputStream();
    Npy.write(t.contiguous(), viaCopy);
    assertArrayEquals(viaCopy.toByteArray(), Files.readAllBytes(p));
  }

  @Test
  void readsConsecutiveArraysFromOneStream() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Npy.write(Tensor.of(new float[] {1, 2}), out);
    Npy.write(Tensor.of(new long[] {3}), out);
    InputStream in = new ByteArrayInputStream(out.toByteArray());
    assertArrayEquals(new float[] {1, 2}, Npy.read(in).toFloatArray(), 0);
    assertArrayEquals(new long[] {3}, Npy.read(in).toLongArray());
    assertEquals(-1, in.read());
  }

  /** A .npy file with the given header text (version 1.0), padded as numpy pads it. */
  private static byte[] npy(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
    int hlen = h.length + 1;
    int pad = 64 - ((10 + hlen) % 64);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
        (byte) (hlen + pad), (byte) ((hlen + pad) >> 8)});
    b.writeBytes(h);
    b.writeBytes(" ".repeat(pad).getBytes(StandardCharsets.ISO_8859_1));
    b.write('\n');
    b.writeBytes(data);
    return b.toByteArray();
  }

  private static FormatException fails(byte[] file) {
    return assertThrows(FormatException.class, () -> Npy.read(new ByteArrayInputStream(file)));
  }

  @Test
  void headerVariantsNumpyAccepts() throws IOException {
    // Python 2 longs, double quotes, keys in another order, no trailing comma.
    byte[] f = npy("{\"shape\": (2L,), 'fortran_order': False, 'descr': '<i4'}",
        new byte[] {1, 0, 0, 0, 2, 0, 0, 0});
    assertArrayEquals(new int[] {1, 2}, Npy.read(new ByteArrayInputStream(f)).toIntArray());
  }

  @Test
  void badFilesFailClearly() throws IOException {
    assertTrue(fails("PK\3\4 not npy".getBytes(StandardCharsets.ISO_8859_1)).getMessage()
        .contains("bad magic number"));
    byte[] v4 = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]);
    v4[6] = 4;
    assertTrue(fails(v4).getMessage().contains("unsupported .npy format version 4.0"));
    assertTrue(fails(npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new byte[8]))
        .getMessage().contains("unsupported dtype '<c8'"));
    assertTrue(fails(npy("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }",
        new byte[4])).getMessage().contains("structured dtype"));
    assertTrue(fails(npy("{'descr': '<f4', 'shape': (1,), }", new byte[4])).getMessage()
        .contains("expected exactly descr, fortran_order and shape"));
    assertTrue(fails(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,, }", new byte[4]))
        .getMessage().contains("bad .npy header"));
    assertTrue(fails(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", new byte[4]))
        .getMessage().contains("negative size -1"));
    FormatException cut = fails(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
        new byte[30]));
    assertTrue(cut.getMessage().contains("expected 32 bytes of data, got 30"), cut.getMessage());
  }

  @Test
  void extraBytesInAFileAreAnError() throws IOException {
    byte[] good = Files.readAllBytes(resource("npy/i4_3.npy"));
    Path p = dir.resolve("extra.npy");
    Files.write(p, Arrays.copyOf(good, good.length + 3));
    FormatException e = assertThrows(FormatException.class, () -> Npy.read(p));
    assertTrue(e.getMessage().contains("3 bytes after the data"), e.getMessage());
  }

  @Test
  void everyTruncationOfAFileFails() throws IOException {
    byte[] good = Files.readAllBytes(resource("npy/f4_2x3.npy"));
    for (int n = 0; n < good.length; n++) {
      byte[] cut = Arrays.copyOf(good, n);
      assertThrows(FormatException.class, () -> Npy.read(new ByteArrayInputStream(cut)),
          "prefix of " + n + " bytes");
    }
  }
}
