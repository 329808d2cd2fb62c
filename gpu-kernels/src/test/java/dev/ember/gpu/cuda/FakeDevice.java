package dev.ember.gpu.cuda;

import dev.ember.backend.Storage;
import dev.ember.gpu.GpuBackend;
import dev.ember.gpu.GpuStorage;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * A GpuBackend over a {@link FakeCudaDriver}, and tensors on it. The fake device is not
 * registered with {@code Backends} (cuda:0 would then be the "best" device of every test in this
 * JVM, and the fake runs no kernels), so tensors are made over its storages directly.
 */
final class FakeDevice {
  final FakeCudaDriver driver;
  final CudaRuntime runtime;
  final GpuBackend backend;

  FakeDevice(FakeCudaDriver driver) {
    this.driver = driver;
    this.runtime = new CudaRuntime(driver, 0);
    this.backend = new GpuBackend(runtime);
  }

  FakeDevice() {
    this(new FakeCudaDriver());
  }

  /** A contiguous tensor of this device (contents unspecified). */
  Tensor tensor(DType dtype, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return wrap(backend.allocate(dtype, n), shape);
  }

  /** A contiguous tensor over a storage of this device (Tensor.wrap is package-private). */
  static Tensor wrap(Storage storage, int... shape) {
    try {
      Method m = Tensor.class.getDeclaredMethod("wrap", Storage.class, int[].class);
      m.setAccessible(true);
      return (Tensor) m.invoke(null, storage, shape);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Tensor.wrap(Storage, int[]) is gone", e);
    }
  }

  /** The device address of a tensor's element 0 (as a kernel receives its pointer and offset). */
  long address(Tensor t) {
    return (Long) backend.slab(t).handle();
  }

  static GpuStorage gpu(Storage s) {
    return (GpuStorage) s;
  }
}
