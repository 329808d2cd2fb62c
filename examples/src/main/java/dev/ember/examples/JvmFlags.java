package dev.ember.examples;

import java.util.ArrayList;
import java.util.List;

/**
 * Makes {@code java -jar} runs use Ember's SIMD kernels: the jar's manifest opens the JDK
 * packages Spark needs ({@code Add-Opens}), but a manifest cannot add a module, so a JVM started
 * without {@code --add-modules jdk.incubator.vector} starts the job again, once, with it.
 */
final class JvmFlags {
  private static final String VECTOR = "jdk.incubator.vector";
  private static final String RELAUNCHED = "ember.relaunched";

  private JvmFlags() {}

  /**
   * Returns if the vector module is present (or a relaunch was already tried); otherwise runs
   * {@code main} in a child JVM with the module added and exits with its status.
   */
  static void relaunchWithVectorModuleIfMissing(Class<?> main, String[] args) throws Exception {
    if (ModuleLayer.boot().findModule(VECTOR).isPresent() || Boolean.getBoolean(RELAUNCHED)) {
      return;
    }
    String executable = ProcessHandle.current().info().command().orElse(null);
    if (executable == null) {
      System.err.println("Ember: cannot find this JVM's executable to add " + VECTOR
          + "; running with scalar kernels (start java with --add-modules " + VECTOR + ")");
      return;
    }
    List<String> command = new ArrayList<>();
    command.add(executable);
    command.add("--add-modules");
    command.add(VECTOR);
    command.add("-D" + RELAUNCHED + "=true");
    command.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
    String classPath = System.getProperty("java.class.path");
    if (classPath.endsWith(".jar") && !classPath.contains(java.io.File.pathSeparator)) {
      // Started with java -jar: start the same way, so the manifest's class path and Add-Opens
      // apply to the child too.
      command.add("-jar");
      command.add(classPath);
    } else {
      command.add("-cp");
      command.add(classPath);
      command.add(main.getName());
    }
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).inheritIO().start();
    System.exit(p.waitFor());
  }
}
