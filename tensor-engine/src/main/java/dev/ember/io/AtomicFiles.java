package dev.ember.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that readers see either the old content or the complete new content, never a
 * half-written file: the content goes to a temporary file in the same directory (same file
 * system, so the rename is atomic), which is synced to disk and then renamed over the target.
 */
final class AtomicFiles {
  private AtomicFiles() {}

  /** Produces the content of a file. */
  @FunctionalInterface
  interface Content {
    /** Writes the whole content to {@code out} (buffered; closed by the caller). */
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Writes {@code content} to {@code target} atomically. On any failure (of the content itself
   * too, e.g. a released tensor) the temporary file is removed, an existing target is left as it
   * was, and the exception is rethrown.
   */
  static void write(Path target, Content content) throws IOException {
    Path abs = target.toAbsolutePath();
    Path dir = abs.getParent();
    Path tmp = createTemp(dir, abs.getFileName().toString());
    boolean moved = false;
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
          OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16)) {
        content.writeTo(out);
        out.flush();
        ch.force(true);
      }
      Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
      moved = true;
      syncDirectory(dir);
    } catch (IOException | RuntimeException | Error e) {
      if (!moved) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  /**
   * A new empty file {@code .<name>.<random>.tmp} beside the target. Not {@link
   * Files#createTempFile}: that makes the file readable by its owner only, and the permissions
   * would carry over to the target.
   */
  private static Path createTemp(Path dir, String name) throws IOException {
    for (int attempt = 0; ; attempt++) {
      String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong());
      Path tmp = dir.resolve("." + name + "." + suffix + ".tmp");
      try {
        Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        return tmp;
      } catch (FileAlreadyExistsException e) {
        if (attempt >= 100) {
          throw e;
        }
      }
    }
  }

  /** Makes the rename itself durable (the directory entry), where the platform allows it. */
  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some platforms (Windows) cannot open a directory; the rename is atomic there all the same,
      // only its durability across a power cut is left to the file system.
    }
  }
}
