package dev.ember.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.backend.Backend;
import dev.ember.gpu.GpuBackend;
import dev.ember.tensor.Device;
import org.junit.jupiter.api.Test;

/** Device discovery: the fake's devices, and 0 devices with a reason when the driver is missing. */
class CudaBackendProviderTest {

  @Test
  void countsTheDriversDevicesAndCreatesTheirBackends() {
    FakeCudaDriver fake = new FakeCudaDriver().deviceCount(2);
    CudaBackendProvider p = new CudaBackendProvider(() -> fake);
    assertEquals("cuda", p.type());
    assertEquals(2, p.deviceCount());
    assertEquals("", p.unavailableReason());
    Backend b = p.create(1);
    assertEquals(Device.of("cuda", 1), b.device());
    assertThrows(IllegalArgumentException.class, () -> p.create(2));
  }

  @Test
  void aMissingNativeLibraryIsZeroDevicesWithTheReason() {
    CudaBackendProvider p = new CudaBackendProvider(() -> {
      throw new UnsatisfiedLinkError("libcuda.so.1: cannot open shared object file");
    });
    assertEquals(0, p.deviceCount());
    assertTrue(p.unavailableReason().contains("libcuda.so.1: cannot open shared object file"),
        p.unavailableReason());
    assertThrows(IllegalArgumentException.class, () -> p.create(0));
  }

  @Test
  void aDriverWithoutDevicesIsZeroDevicesWithTheReason() {
    CudaBackendProvider failing = new CudaBackendProvider(
        () -> new FakeCudaDriver().fail("cuInit", 100));
    assertEquals(0, failing.deviceCount());
    assertTrue(failing.unavailableReason().contains("cuInit failed: CUDA_ERROR_NO_DEVICE"),
        failing.unavailableReason());
    CudaBackendProvider none = new CudaBackendProvider(() -> new FakeCudaDriver().deviceCount(0));
    assertEquals(0, none.deviceCount());
    assertEquals("the CUDA driver reports no device", none.unavailableReason());
  }

  @Test
  void theRealDriverNeverThrowsFromDeviceCount() {
    CudaBackendProvider p = new CudaBackendProvider();
    int n = p.deviceCount();
    // Here (no libcuda) 0 with the reason; on a GPU machine its devices and no reason.
    assertEquals(n == 0, !p.unavailableReason().isEmpty(), p.unavailableReason());
    assertTrue(p.unavailableReason().lines().count() <= 1, p.unavailableReason());
    System.out.println("cuda devices: " + n + (n == 0 ? " (" + p.unavailableReason() + ")" : ""));
  }

  @Test
  void fakeDevicesOnRequest() {
    CudaBackendProvider p;
    System.setProperty(CudaBackendProvider.FAKE_DEVICES, "3");
    try {
      p = new CudaBackendProvider();
    } finally {
      System.clearProperty(CudaBackendProvider.FAKE_DEVICES);
    }
    assertEquals(3, p.deviceCount());
    GpuBackend b = (GpuBackend) p.create(2);
    assertTrue(b.runtime().describe().startsWith("cuda:2 (Fake CUDA device 2"),
        b.runtime().describe());
    assertTrue(((CudaRuntime) b.runtime()).driver() instanceof FakeCudaDriver);
  }

  @Test
  void aLoadErrorIsSummarisedOnOneLine() {
    UnsatisfiedLinkError e = new UnsatisfiedLinkError("Error while loading native library \"X\"\n"
        + "Stack trace from the attempt to load the library as a file:\n"
        + "java.lang.UnsatisfiedLinkError: no X in java.library.path\n"
        + "\tat java.base/java.lang.ClassLoader.loadLibrary(ClassLoader.java:2458)\n"
        + "java.lang.UnsatisfiedLinkError: /tmp/libX.so: libcuda.so.1: cannot open shared object"
        + " file: No such file or directory\n"
        + "\tat java.base/jdk.internal.loader.NativeLibraries.load(Native Method)\n");
    assertEquals("java.lang.UnsatisfiedLinkError: Error while loading native library \"X\" "
        + "(/tmp/libX.so: libcuda.so.1: cannot open shared object file: No such file or directory)",
        CudaBackendProvider.summary(e));
  }
}
