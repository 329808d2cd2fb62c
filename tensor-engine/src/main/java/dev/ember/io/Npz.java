package dev.ember.io;

import dev.ember.tensor.Tensor;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Reads and writes NumPy's {@code .npz} format: a zip archive of {@code .npy} files, one per named
 * array ({@code numpy.savez} stores them, {@code numpy.savez_compressed} deflates them; both read).
 * The name of an array is its entry name without the {@code .npy} suffix.
 */
public final class Npz {
  /** A fixed entry time, so that the same arrays always give the same bytes. */
  private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);

  private Npz() {}

  /**
   * Reads every array of an {@code .npz} file, in the order of the archive.
   *
   * @throws FormatException if the file is not a zip archive, an entry is not a valid {@code
   *     .npy} (see {@link Npy#read(Path)}; the message names the entry), or a name repeats
   * @throws IOException if the file cannot be read
   */
  public static Map<String, Tensor> read(Path path) throws IOException {
    Map<String, Tensor> out = new LinkedHashMap<>();
    ZipFile zip;
    try {
      zip = new ZipFile(path.toFile());
    } catch (ZipException e) {
      throw new FormatException(path + ": not a zip archive (.npz): " + e.getMessage(), e);
    }
    try (zip) {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        if (!e.isDirectory()) {
          try (InputStream in = zip.getInputStream(e)) {
            readEntry(in, e.getName(), path.toString(), out);
          }
        }
      }
    }
    return out;
  }

  /**
   * Reads every array of {@code .npz} data from a stream (not closed), in the order of the archive.
   *
   * @throws FormatException as {@link #read(Path)}
   */
  public static Map<String, Tensor> read(InputStream in) throws IOException {
    Map<String, Tensor> out = new LinkedHashMap<>();
    // ZipInputStream.close() would close the caller's stream.
    ZipInputStream zin = new ZipInputStream(new FilterInputStream(in) {
      @Override
      public void close() {}
    });
    boolean any = false;
    ZipEntry e;
    while ((e = zin.getNextEntry()) != null) {
      any = true;
      if (!e.isDirectory()) {
        readEntry(zin, e.getName(), ".npz stream", out);
      }
    }
    if (!any) {
      throw new FormatException(".npz stream: no zip entries (not a zip archive, or empty)");
    }
    return out;
  }

  private static void readEntry(InputStream in, String entry, String what, Map<String, Tensor> out)
      throws IOException {
    String name = entry.endsWith(".npy") ? entry.substring(0, entry.length() - 4) : entry;
    String where = what + ", entry " + entry;
    Tensor t;
    try {
      t = Npy.read(in, where);
    } catch (ZipException | EOFException ex) {
      throw new FormatException(where + ": corrupt or truncated zip data: " + ex.getMessage(), ex);
    }
    if (in.read() >= 0) {
      throw new FormatException(where + ": extra bytes after the array data");
    }
    if (out.put(name, t) != null) {
      throw new FormatException(what + ": array '" + name + "' appears twice");
    }
  }

  /**
   * Writes named arrays as a deflated {@code .npz} file (like {@code numpy.savez_compressed}),
   * atomically: a failed write leaves an existing file as it was.
   *
   * @throws IllegalArgumentException if a name is empty
   * @throws IOException if the file cannot be written
   */
  public static void write(Map<String, Tensor> arrays, Path path) throws IOException {
    checkNames(arrays);
    AtomicFiles.write(path, out -> write(arrays, out));
  }

  /** Writes named arrays in {@code .npz} format (deflated) to a stream (finished, not closed). */
  public static void write(Map<String, Tensor> arrays, OutputStream out) throws IOException {
    checkNames(arrays);
    ZipOutputStream zip = new ZipOutputStream(out);
    zip.setMethod(ZipOutputStream.DEFLATED);
    for (Map.Entry<String, Tensor> e : arrays.entrySet()) {
      ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
      entry.setTimeLocal(ENTRY_TIME);
      zip.putNextEntry(entry);
      Npy.write(e.getValue(), zip);
      zip.closeEntry();
    }
    zip.finish();
  }

  private static void checkNames(Map<String, Tensor> arrays) {
    for (Map.Entry<String, Tensor> e : arrays.entrySet()) {
      if (e.getKey() == null || e.getKey().isEmpty()) {
        throw new IllegalArgumentException(".npz array names must be non-empty, got '"
            + e.getKey() + "'");
      }
      if (e.getValue() == null) {
        throw new IllegalArgumentException(".npz array '" + e.getKey() + "' is null");
      }
    }
  }
}
