package dev.ember.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel sources of {@code src/main/kernels}, which the build copies into the jar under
 * {@code dev/ember/gpu/kernels/}: one file per op family ({@code <family>.c}), the portability
 * header {@code ember_gpu.h} and the float math that families share, {@code ember_math.h}.
 */
public final class KernelSources {
  /** The header every family includes. */
  public static final String HEADER = "ember_gpu.h";
  private static final String INCLUDE = "#include \"" + HEADER + "\"";
  private static final Pattern INCLUDE_LINE = Pattern.compile("#include \"([^\"]+)\"");

  private KernelSources() {}

  /** The text of a file under {@code src/main/kernels}. */
  public static String read(String file) {
    String path = "kernels/" + file;
    try (InputStream in = KernelSources.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("kernel source " + file + " is missing from the class path"
            + " (expected dev/ember/gpu/" + path + " in the ember-gpu-kernels jar)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read kernel source " + file, e);
    }
  }

  /**
   * A family's source as one OpenCL C program: each header (a file of src/main/kernels) pasted
   * where the file includes it (an OpenCL driver compiles a string and cannot resolve includes
   * from the jar). Headers are not nested.
   */
  public static String openCl(String family) {
    String src = read(family + ".c");
    if (!src.contains(INCLUDE)) {
      throw new IllegalStateException(family + ".c does not include " + HEADER);
    }
    Matcher m = INCLUDE_LINE.matcher(src);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(read(m.group(1))));
    }
    m.appendTail(out);
    return out.toString();
  }
}
