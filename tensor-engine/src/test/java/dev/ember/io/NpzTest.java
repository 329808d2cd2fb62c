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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against numpy.savez / savez_compressed output (src/test/resources/io/make_io_golden.py). */
class NpzTest {
  @TempDir Path dir;

  private static void checkGolden(Map<String, Tensor> m) {
    assertEquals(List.of("a", "b", "c"), List.copyOf(m.keySet()));
    assertEquals(Tensor.of(new float[] {-1, -0.5f, 0, 0.5f, 1, 1.5f}, 2, 3), m.get("a"));
    assertEquals(Tensor.of(new long[] {1, -2, 1L << 40}), m.get("b"));
    assertEquals(Tensor.of(new boolean[] {true, false, false, true}, 2, 2), m.get("c"));
  }

  @Test
  void readsStoredAndDeflatedArchivesFromFilesAndStreams() throws IOException {
    for (String name : new String[] {"savez", "savez_compressed"}) {
      Path p = NpyTest.resource("npz/" + name + ".npz");
      checkGolden(Npz.read(p));
      try (InputStream in = Files.newInputStream(p)) {
        checkGolden(Npz.read(in));
      }
    }
  }

  @Test
  void roundTripsInOrderWithNonContiguousArrays() throws IOException {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("z_weights", Tensor.arange(0.0, 6.0, 1.0).reshape(2, 3).t());
    m.put("a", Tensor.arange(5).to(DType.INT32));
    m.put("scalar", Tensor.scalar(2.5, DType.FLOAT64));
    m.put("mask", Tensor.of(new boolean[] {true, false}));
    Path p = dir.resolve("m.npz");
    Npz.write(m, p);
    Map<String, Tensor> back = Npz.read(p);
    assertEquals(List.copyOf(m.keySet()), List.copyOf(back.keySet()));
    for (String k : m.keySet()) {
      assertEquals(m.get(k).contiguous(), back.get(k), k);
    }
    // Deterministic: the same arrays give the same bytes.
    ByteArrayOutputStream a = new ByteArrayOutputStream();
    Npz.write(m, a);
    assertArrayEquals(Files.readAllBytes(p), a.toByteArray());
  }

  @Test
  void corruptArchivesFailNamingTheEntry() throws IOException {
    Path notZip = dir.resolve("x.npz");
    Files.writeString(notZip, "hello");
    FormatException e = assertThrows(FormatException.class, () -> Npz.read(notZip));
    assertTrue(e.getMessage().contains("not a zip archive"), e.getMessage());

    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(b)) {
      z.putNextEntry(new ZipEntry("good.npy"));
      Npy.write(Tensor.ones(2), z);
      z.closeEntry();
      z.putNextEntry(new ZipEntry("bad.npy"));
      z.write("not an array".getBytes());
      z.closeEntry();
    }
    Path p = dir.resolve("bad.npz");
    Files.write(p, b.toByteArray());
    FormatException entry = assertThrows(FormatException.class, () -> Npz.read(p));
    assertTrue(entry.getMessage().contains("entry bad.npy"), entry.getMessage());
    FormatException stream = assertThrows(FormatException.class,
        () -> Npz.read(new ByteArrayInputStream(b.toByteArray())));
    assertTrue(stream.getMessage().contains("entry bad.npy"), stream.getMessage());

    byte[] full = Files.readAllBytes(NpyTest.resource("npz/savez_compressed.npz"));
    Path cut = dir.resolve("cut.npz");
    Files.write(cut, Arrays.copyOf(full, full.length / 2));
    assertThrows(FormatException.class, () -> Npz.read(cut));
  }

  @Test
  void emptyNamesAreRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> Npz.write(Map.of("", Tensor.ones(1)), dir.resolve("e.npz")));
  }
}
