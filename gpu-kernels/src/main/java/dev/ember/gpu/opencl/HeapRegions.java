package dev.ember.gpu.opencl;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * The size from which a Java array is a G1 humongous object, which G1 never moves: the OpenCL
 * runtime's slabs are at least this big, because Aparapi hangs the JVM when a bound array moves
 * (see {@link OpenClRuntime}).
 */
final class HeapRegions {
  private HeapRegions() {}

  /**
   * One G1 heap region in bytes (an array of half a region is already humongous).
   *
   * @throws IllegalStateException when the JVM does not run G1, naming the collector
   */
  static int humongousBytes() {
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (!gc.getName().startsWith("G1")) {
        throw new IllegalStateException("the OpenCL backend needs the G1 garbage collector (the "
            + "JVM default), found " + gc.getName() + ": Aparapi binds Java arrays, which other "
            + "collectors move");
      }
    }
    HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    return Integer.parseInt(hs.getVMOption("G1HeapRegionSize").getValue());
  }
}
