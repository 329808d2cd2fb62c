package dev.ember.gpu.opencl;

import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.internal.opencl.OpenCLArgDescriptor;
import com.aparapi.internal.opencl.OpenCLKernel;
import com.aparapi.internal.opencl.OpenCLProgram;
import dev.ember.gpu.GpuException;
import dev.ember.gpu.GpuOutOfMemoryError;
import dev.ember.gpu.GpuRuntime;
import dev.ember.gpu.KernelSources;
import dev.ember.gpu.Ptx;
import dev.ember.gpu.Slab;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An OpenCL device through Aparapi's OpenCL binding: each kernel family ({@code
 * src/main/kernels/<family>.c} with the portability header) is built once, on first use, as an
 * OpenCL C program; kernels are created from it by name and launched with Aparapi's {@code
 * OpenCLKernel.invoke}.
 *
 * <p>Memory is Aparapi's: a buffer is a Java array that Aparapi pins ({@code
 * GetPrimitiveArrayCritical}) and wraps ({@code CL_MEM_USE_HOST_PTR}) at each launch, reading it
 * back before the launch returns; launches are synchronous and a {@link Slab}'s array is always
 * current on the host, so {@link #read} and {@link #write} are array copies. On PoCL (an OpenCL
 * device on the CPU) Aparapi's buffers alias the arrays and this costs no copy. A device whose
 * buffers are copies (a discrete GPU: Aparapi copies each argument in and out at every launch)
 * computes wrong results when one array is two arguments of a launch, so the provider refuses
 * it ({@link #hostMemoryProblem}).
 *
 * <p>Aparapi 3.0.2 caches the device buffer of each kernel argument position and, when a
 * different or moved array comes at that position, pins it twice and unpins it once: the JVM's
 * GC locker then never clears and the next garbage collection blocks every thread forever. This
 * runtime never lets that happen: (1) a kernel object is created per kernel and per identity of
 * the arrays it binds, so each position always sees the same array; (2) arrays never move,
 * because every slab is a G1 humongous object (at least a heap region), which G1 does not move,
 * and other collectors are refused; (3) {@code int[]} arguments (shapes, strides) are copied
 * into fixed per-position buffers instead of binding a fresh array. Launches are serialized per
 * device (Aparapi's kernels are not thread-safe).
 */
public final class OpenClRuntime implements GpuRuntime {
  private final Device device;
  private final OpenCLDevice cl;
  private final Map<String, OpenCLProgram> programs = new HashMap<>();
  private final Map<String, List<Bound>> kernels = new HashMap<>();
  private final Map<String, String> signatures = new HashMap<>();
  private final Map<String, Optional<Map<String, String>>> ptxEntries = new HashMap<>();
  private final List<int[]> metaBuffers = new ArrayList<>();
  private final int minSlabBytes;

  /** A kernel object and the arrays it was created for (compared by identity). */
  private record Bound(Object[] arrays, OpenCLKernel kernel) {}

  OpenClRuntime(int index, OpenCLDevice cl) {
    this.device = Device.of("opencl", index);
    this.cl = cl;
    this.minSlabBytes = HeapRegions.humongousBytes();
  }

  /**
   * Null when a kernel's writes reach the host array with the array bound to two arguments of
   * the launch (input and output), as they do where Aparapi's buffers alias host memory; else
   * what came back. One launch of the copy kernel within one float array.
   */
  String hostMemoryProblem() {
    int local = Math.min(64, maxLocalSize());
    Slab slab = allocate(DType.FLOAT32, 8);
    try {
      float[] values = {1, 2, 3, 4, 0, 0, 0, 0};
      write(slab, 0, values, 0, values.length);
      launch("copy", "copy_f32_f32", local, local, slab, 4, slab, 0, 4, new int[] {1, 4, 1, 1},
          1);
      float[] back = new float[8];
      read(slab, 0, back, 0, back.length);
      float[] want = {1, 2, 3, 4, 1, 2, 3, 4};
      return Arrays.equals(back, want) ? null : "copying [1, 2, 3, 4, 0, 0, 0, 0] within one"
          + " array through two kernel arguments gave " + Arrays.toString(back) + " instead of "
          + Arrays.toString(want) + " (Aparapi's per-argument buffers are not host memory here)";
    } catch (RuntimeException e) {
      return "the check launch failed: " + e.getMessage();
    } finally {
      free(slab);
    }
  }

  @Override
  public Device device() {
    return device;
  }

  @Override
  public String describe() {
    return device + " (" + cl.getOpenCLPlatform().getName() + ": " + cl.getName() + ", "
        + cl.getType() + ", " + (cl.getGlobalMemSize() >> 20) + " MiB)";
  }

  @Override
  public long totalMemory() {
    return cl.getGlobalMemSize();
  }

  @Override
  public int maxLocalSize() {
    return Math.min(256, cl.getMaxWorkGroupSize());
  }

  @Override
  public Slab allocate(DType dtype, int elements) {
    if ((long) elements * dtype.itemSize() > cl.getMaxMemAllocSize()) {
      throw new GpuOutOfMemoryError("a buffer of " + elements + " " + dtype
          + " elements is over the device's largest allocation (" + cl.getMaxMemAllocSize()
          + " bytes)");
    }
    // At least a heap region: a humongous object, never moved by G1 (see the class comment).
    elements = Math.max(elements, (minSlabBytes + dtype.itemSize() - 1) / dtype.itemSize());
    try {
      Object array = switch (dtype) {
        case FLOAT32 -> new float[elements];
        case FLOAT64 -> new double[elements];
        case INT64 -> new long[elements];
        case INT32 -> new int[elements];
        case BOOL -> new byte[elements];
      };
      return new Slab(array, dtype, elements);
    } catch (OutOfMemoryError e) {
      throw new GpuOutOfMemoryError("the Java heap (which holds Aparapi's buffers) is full");
    }
  }

  @Override
  public synchronized void free(Slab slab) {
    // Kernel objects bound to this array would keep Aparapi's buffer (and the array) alive.
    Object array = slab.handle();
    for (List<Bound> bound : kernels.values()) {
      bound.removeIf(b -> {
        for (Object a : b.arrays()) {
          if (a == array) {
            b.kernel().dispose();
            return true;
          }
        }
        return false;
      });
    }
  }

  @Override
  public void write(Slab slab, int offset, Object src, int srcOffset, int count) {
    System.arraycopy(src, srcOffset, slab.handle(), offset, count);
  }

  @Override
  public void read(Slab slab, int offset, Object dst, int dstOffset, int count) {
    System.arraycopy(slab.handle(), offset, dst, dstOffset, count);
  }

  @Override
  public synchronized void launch(String family, String kernel, int global, int local,
      Object... args) {
    Object[] invokeArgs = new Object[args.length + 1];
    invokeArgs[0] = range(global, local);
    int metas = 0;
    for (int i = 0; i < args.length; i++) {
      Object a = args[i];
      if (a instanceof int[] small) {
        a = meta(metas++, small, family + "." + kernel);
      } else if (a instanceof Slab s) {
        a = s.handle();
      }
      invokeArgs[i + 1] = a;
    }
    OpenCLKernel k = kernel(family, kernel, args, invokeArgs);
    try {
      k.invoke(invokeArgs);
    } catch (RuntimeException e) {
      throw new GpuException("clEnqueueNDRangeKernel of " + family + "." + kernel + " on "
          + describe() + " failed: " + e.getMessage(), e);
    }
  }

  /** The fixed buffer of the {@code k}-th int[] argument, holding a copy of {@code values}. */
  private int[] meta(int k, int[] values, String kernel) {
    while (metaBuffers.size() <= k) {
      metaBuffers.add(new int[Math.max(1 << 16, minSlabBytes / 4)]);
    }
    int[] buffer = metaBuffers.get(k);
    if (values.length > buffer.length) {
      throw new IllegalArgumentException("int[] argument " + k + " of kernel " + kernel + " has "
          + values.length + " values; at most " + buffer.length + " fit");
    }
    System.arraycopy(values, 0, buffer, 0, values.length);
    return buffer;
  }

  @Override
  public void synchronize() {
    // Aparapi's launches return when the kernel has finished.
  }

  private Range range(int global, int local) {
    Range r = cl.createRange(global, local);
    if (!r.isValid()) {
      throw new GpuException("invalid launch range " + global + "/" + local + " on " + describe());
    }
    return r;
  }

  /**
   * The kernel object for these bound arrays: created on first use of this combination, with
   * argument descriptors from the Java types of the call.
   */
  private OpenCLKernel kernel(String family, String name, Object[] args, Object[] invokeArgs) {
    String key = family + "." + name;
    String signature = signature(args);
    String first = signatures.putIfAbsent(key, signature);
    if (first != null && !first.equals(signature)) {
      throw new GpuException("kernel " + key + " launched with arguments (" + signature
          + "), first launched with (" + first + ")");
    }
    List<Bound> bound = kernels.computeIfAbsent(key, k -> new ArrayList<>());
    Object[] arrays = new Object[invokeArgs.length - 1];
    for (int i = 0; i < arrays.length; i++) {
      Object a = invokeArgs[i + 1];
      arrays[i] = a.getClass().isArray() ? a : null;
    }
    for (Bound b : bound) {
      if (sameArrays(b.arrays(), arrays)) {
        return b.kernel();
      }
    }
    checkAgainstPtx(family, name, args);
    OpenCLProgram program = programs.computeIfAbsent(family, this::build);
    List<OpenCLArgDescriptor> descriptors = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      descriptors.add(new OpenCLArgDescriptor("a" + i, bits(key, i, args[i])));
    }
    OpenCLKernel k;
    try {
      k = OpenCLKernel.createKernel(program, name, descriptors);
    } catch (RuntimeException e) {
      throw new GpuException("clCreateKernel " + key + " on " + describe() + " failed", e);
    }
    if (k == null) {
      throw new GpuException("clCreateKernel " + key + " on " + describe()
          + " failed (no kernel of that name in " + family + ".c?)");
    }
    bound.add(new Bound(arrays, k));
    return k;
  }

  /**
   * Checks the arguments against the kernel's parameters as the kept PTX of the same source
   * declares them (pointer, int, float, double), when the jar has PTX for the family: Aparapi
   * aborts the whole JVM on a wrong count instead of failing the launch.
   */
  private void checkAgainstPtx(String family, String name, Object[] args) {
    Map<String, String> entries = ptxEntries.computeIfAbsent(family,
        f -> Optional.ofNullable(Ptx.ofFamily(f))).orElse(null);
    if (entries == null) {
      return;
    }
    String kinds = entries.get(name);
    String key = family + "." + name;
    if (kinds == null) {
      throw new GpuException("no kernel " + name + " in " + family + ".c (per its kept PTX)");
    }
    if (kinds.length() != args.length) {
      throw new GpuException("kernel " + key + " takes " + kinds.length() + " parameters, launched"
          + " with " + args.length);
    }
    for (int i = 0; i < args.length; i++) {
      Object a = args[i];
      char have = a instanceof Slab || a instanceof int[] ? 'L' : Ptx.kindOf(a);
      if (have != kinds.charAt(i)) {
        throw new GpuException("argument " + i + " of kernel " + key + " is a "
            + (a == null ? "null" : a.getClass().getSimpleName()) + " but the kernel's parameter"
            + " is of kind " + kinds.charAt(i) + " (L pointer, I int, F float, D double)");
      }
    }
  }

  private static boolean sameArrays(Object[] a, Object[] b) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] != b[i]) {
        return false;
      }
    }
    return true;
  }

  private OpenCLProgram build(String family) {
    String source = KernelSources.openCl(family);
    OpenCLProgram p;
    try {
      p = new OpenCLProgram(cl, source).createProgram(cl);
    } catch (RuntimeException e) {
      throw new GpuException("clBuildProgram of " + family + ".c on " + describe() + " failed", e);
    }
    if (p == null) {
      throw new GpuException("clBuildProgram of " + family + ".c on " + describe()
          + " failed (the driver's build log is on standard output)");
    }
    return p;
  }

  private static String signature(Object[] args) {
    StringBuilder sb = new StringBuilder();
    for (Object a : args) {
      Object v = a instanceof Slab s ? s.handle() : a;
      sb.append(v == null ? "null" : v.getClass().getSimpleName()).append(',');
    }
    return sb.toString();
  }

  private static long bits(String kernel, int i, Object arg) {
    final long global = OpenCLArgDescriptor.ARG_GLOBAL_BIT | OpenCLArgDescriptor.ARG_ARRAY_BIT;
    final long scalar = OpenCLArgDescriptor.ARG_ISARG_BIT | OpenCLArgDescriptor.ARG_PRIMITIVE_BIT;
    if (arg instanceof int[]) {
      return global | OpenCLArgDescriptor.ARG_INT_BIT | OpenCLArgDescriptor.ARG_READONLY_BIT;
    }
    Object v = arg instanceof Slab s ? s.handle() : arg;
    long rw = OpenCLArgDescriptor.ARG_READWRITE_BIT;
    if (v instanceof int[]) {
      return global | rw | OpenCLArgDescriptor.ARG_INT_BIT;
    } else if (v instanceof float[]) {
      return global | rw | OpenCLArgDescriptor.ARG_FLOAT_BIT;
    } else if (v instanceof double[]) {
      return global | rw | OpenCLArgDescriptor.ARG_DOUBLE_BIT;
    } else if (v instanceof long[]) {
      return global | rw | OpenCLArgDescriptor.ARG_LONG_BIT;
    } else if (v instanceof byte[]) {
      return global | rw | OpenCLArgDescriptor.ARG_BYTE_BIT;
    } else if (v instanceof Integer) {
      return scalar | OpenCLArgDescriptor.ARG_INT_BIT;
    } else if (v instanceof Float) {
      return scalar | OpenCLArgDescriptor.ARG_FLOAT_BIT;
    } else if (v instanceof Double) {
      return scalar | OpenCLArgDescriptor.ARG_DOUBLE_BIT;
    }
    // Aparapi's invoke sets int, float and double scalars only; a long or byte would be left
    // unset and the launch fail with no exception.
    throw new IllegalArgumentException("argument " + i + " of kernel " + kernel
        + " has an unsupported type: " + (v == null ? "null" : v.getClass().getName())
        + " (kernels take buffers, int[], Integer, Float or Double)");
  }
}
