package dev.ember.gpu.cuda;

import dev.ember.backend.Backend;
import dev.ember.backend.BackendProvider;
import dev.ember.gpu.GpuBackend;
import java.util.function.Supplier;

/**
 * Registers the CUDA backend: the devices the CUDA driver reports through JCuda ({@code cuda:0}
 * is the driver's device 0). Where JCuda's native library or {@code libcuda} cannot be loaded,
 * or the driver finds no device, there are 0 devices and {@link #unavailableReason()} says why.
 *
 * <p>{@code -Dember.cuda.fakeDevices=N} serves N devices of a {@link FakeCudaDriver} instead, for
 * benchmarks that count launches of whole models on machines without a GPU: nothing runs on
 * them, so every value computed there is garbage (their description says "Fake CUDA device").
 */
public final class CudaBackendProvider implements BackendProvider {
  /** The system property that makes this provider serve fake devices (see the class comment). */
  public static final String FAKE_DEVICES = "ember.cuda.fakeDevices";

  private final Supplier<CudaDriver> loader;
  private CudaDriver driver;
  private int count = -1;
  private String reason = "";

  /** The provider over the real driver (loaded on first use). */
  public CudaBackendProvider() {
    this(defaultLoader());
  }

  /** A provider over the driver {@code loader} gives (a fake in tests). */
  CudaBackendProvider(Supplier<CudaDriver> loader) {
    this.loader = loader;
  }

  @Override
  public String type() {
    return "cuda";
  }

  @Override
  public synchronized int deviceCount() {
    if (count < 0) {
      probe();
    }
    return count;
  }

  @Override
  public synchronized String unavailableReason() {
    deviceCount();
    return reason;
  }

  @Override
  public synchronized Backend create(int index) {
    if (index < 0 || index >= deviceCount()) {
      throw new IllegalArgumentException("no device cuda:" + index + " (" + count + " found"
          + (reason.isEmpty() ? "" : ": " + reason) + ")");
    }
    return new GpuBackend(new CudaRuntime(driver, index));
  }

  private static Supplier<CudaDriver> defaultLoader() {
    Integer fakes = Integer.getInteger(FAKE_DEVICES);
    if (fakes != null) {
      return () -> new FakeCudaDriver().deviceCount(fakes);
    }
    return CudaBackendProvider::realDriver;
  }

  private static CudaDriver real;
  private static Throwable realFailure;

  /**
   * The JCuda driver, loaded once per JVM: a second attempt after a failed one would only say
   * that the JCuda class could not be initialised, without the first error's cause.
   */
  private static synchronized CudaDriver realDriver() {
    if (real == null && realFailure == null) {
      try {
        real = JCudaDriver.load();
      } catch (LinkageError | RuntimeException e) {
        realFailure = e;
      }
    }
    if (realFailure instanceof LinkageError e) {
      throw e;
    } else if (realFailure instanceof RuntimeException e) {
      throw e;
    }
    return real;
  }

  private void probe() {
    count = 0;
    try {
      CudaDriver d = loader.get();
      d.init();
      int n = d.deviceCount();
      if (n == 0) {
        reason = "the CUDA driver reports no device";
      }
      driver = d;
      count = n;
    } catch (CudaException e) {
      reason = "the CUDA driver did not initialise: " + e.getMessage();
    } catch (LinkageError e) {
      reason = "JCuda's native library or the CUDA driver (libcuda.so) did not load: "
          + summary(e);
    } catch (RuntimeException e) {
      // JCuda reports a library it cannot load as its own jcuda.CudaException.
      reason = "the CUDA driver is not usable here: " + summary(e);
    }
  }

  /**
   * The first line of a load error and its last cause: JCuda's message holds the stack trace of
   * every place it tried (about 200 lines), the last of which says what was missing.
   */
  static String summary(Throwable e) {
    String[] lines = String.valueOf(e.getMessage()).split("\\R");
    String first = lines[0].strip();
    String last = "";
    for (String l : lines) {
      String t = l.strip();
      int colon = t.indexOf(": ");
      if (colon > 0 && t.substring(0, colon).endsWith("Error")) {
        last = t.substring(colon + 2);
      }
    }
    return e.getClass().getName() + ": " + first
        + (last.isEmpty() || last.equals(first) ? "" : " (" + last + ")");
  }
}
