package dev.ember.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  private List<Path> files() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }

  @Test
  void replacesTheTargetAndLeavesNoTemporary() throws IOException {
    Path p = dir.resolve("f.bin");
    Files.write(p, new byte[] {1});
    AtomicFiles.write(p, out -> out.write(new byte[] {7, 8, 9}));
    assertArrayEquals(new byte[] {7, 8, 9}, Files.readAllBytes(p));
    assertEquals(List.of(p), files());
  }

  @Test
  void aFailureMidWriteKeepsTheOldFileAndRemovesTheTemporary() throws IOException {
    Path p = dir.resolve("f.bin");
    Files.write(p, new byte[] {1, 2, 3});
    IOException io = assertThrows(IOException.class, () -> AtomicFiles.write(p, out -> {
      out.write(new byte[100_000]); // past the buffer: the temporary file holds data
      throw new IOException("disk full");
    }));
    assertEquals("disk full", io.getMessage());
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(p));
    assertEquals(List.of(p), files());

    assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(p, out -> {
      out.write(5);
      throw new UncheckedIOException(new IOException("unchecked"));
    }));
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(p));
    assertEquals(List.of(p), files());
  }

  @Test
  void aFailedRenameRemovesTheTemporary() throws IOException {
    Path target = dir.resolve("sub");
    Files.createDirectory(target);
    Files.write(target.resolve("inside"), new byte[] {1}); // a non-empty directory cannot be replaced
    assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> out.write(1)));
    assertEquals(List.of(target), files());
  }
}
