package dev.ember.gpu;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel entries of a PTX module and their parameter kinds, read from the text. Neither
 * runtime can check a launch's arguments against the kernel (the CUDA driver copies as many bytes
 * as the kernel declares from whatever pointers it is given; Aparapi aborts the JVM on a wrong
 * count), so both check them here first: the PTX and the OpenCL build come from the same source.
 */
public final class Ptx {
  private static final Pattern ENTRY =
      Pattern.compile("\\.visible\\s+\\.entry\\s+([A-Za-z_$][\\w$]*)\\s*\\(([^)]*)\\)");
  private static final Pattern PARAM = Pattern.compile("\\.param\\s+(?:\\.align\\s+\\d+\\s+)?\\.(\\w+)");

  private Ptx() {}

  /**
   * Each entry's name and parameter kinds, one letter per parameter: {@code L} a 64-bit integer or
   * pointer, {@code I} a 32-bit integer, {@code F} a float, {@code D} a double, {@code ?} any
   * other (a struct, a byte).
   */
  public static Map<String, String> entries(String ptx) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = ENTRY.matcher(ptx);
    while (m.find()) {
      StringBuilder kinds = new StringBuilder();
      Matcher p = PARAM.matcher(m.group(2));
      while (p.find()) {
        kinds.append(kind(p.group(1)));
      }
      out.put(m.group(1), kinds.toString());
    }
    return out;
  }

  private static char kind(String type) {
    return switch (type) {
      case "u64", "s64", "b64" -> 'L';
      case "u32", "s32", "b32" -> 'I';
      case "f32" -> 'F';
      case "f64" -> 'D';
      default -> '?';
    };
  }

  /**
   * The entries of a kernel family's kept PTX ({@link #entries}), or null when the jar has no
   * PTX for it. The OpenCL runtime checks its launches against these too: the kernels are the
   * same source, and Aparapi aborts the JVM on a wrong argument count instead of throwing.
   */
  public static Map<String, String> ofFamily(String family) {
    try (java.io.InputStream in = Ptx.class.getResourceAsStream("/dev/ember/gpu/ptx/" + family
        + ".ptx")) {
      return in == null ? null
          : entries(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read the PTX of kernel family " + family, e);
    }
  }

  /** The kind letter of a packed argument ({@code Long}, {@code Integer}, {@code Float}, {@code Double}). */
  public static char kindOf(Object arg) {
    if (arg instanceof Long) {
      return 'L';
    } else if (arg instanceof Integer) {
      return 'I';
    } else if (arg instanceof Float) {
      return 'F';
    } else if (arg instanceof Double) {
      return 'D';
    }
    return '?';
  }
}
