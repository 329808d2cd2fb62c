package dev.ember.gpu.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUfunction;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;

/**
 * The real CUDA driver through JCuda ({@code jcuda.driver.JCudaDriver}), with JCuda's exceptions
 * off and every result code checked here, so that errors name the call and the kernel.
 *
 * <p>JCuda's handle objects stay in maps keyed by the {@code long} handles this class hands out;
 * a device pointer's handle is its device address (a kernel's pointer parameter receives those 8
 * bytes), and a pointer into an allocation is resolved to its base allocation plus a byte offset.
 */
public final class JCudaDriver implements CudaDriver {
  private final AtomicLong nextHandle = new AtomicLong(1);
  private final Map<Integer, CUdevice> devices = new ConcurrentHashMap<>();
  private final Map<Long, CUcontext> contexts = new ConcurrentHashMap<>();
  private final Map<Long, CUmodule> modules = new ConcurrentHashMap<>();
  private final Map<Long, CUfunction> functions = new ConcurrentHashMap<>();
  private final Map<Long, String> functionNames = new ConcurrentHashMap<>();
  private final Map<Long, CUstream> streams = new ConcurrentHashMap<>();
  private final Map<Long, CUevent> events = new ConcurrentHashMap<>();
  private final Map<Long, CUgraph> graphs = new ConcurrentHashMap<>();
  private final Map<Long, CUgraphExec> graphExecs = new ConcurrentHashMap<>();
  private final NavigableMap<Long, DevicePointer> allocations = new ConcurrentSkipListMap<>();
  private final Map<ByteBuffer, Pointer> pinned = new IdentityHashMap<>();

  /** A device pointer that tells its address (JCuda keeps it protected). */
  private static final class DevicePointer extends CUdeviceptr {
    long address() {
      return getNativePointer();
    }
  }

  private JCudaDriver() {}

  /**
   * The driver, after loading JCuda's native library (which links {@code libcuda}).
   *
   * @throws LinkageError (an {@link UnsatisfiedLinkError}) or a JCuda {@code CudaException} when
   *     the native library or the driver cannot be loaded
   */
  public static JCudaDriver load() {
    jcuda.driver.JCudaDriver.setExceptionsEnabled(false);
    return new JCudaDriver();
  }

  @Override
  public void init() {
    check(jcuda.driver.JCudaDriver.cuInit(0), "cuInit", "");
  }

  @Override
  public int deviceCount() {
    int[] n = new int[1];
    check(jcuda.driver.JCudaDriver.cuDeviceGetCount(n), "cuDeviceGetCount", "");
    return n[0];
  }

  @Override
  public String deviceName(int ordinal) {
    byte[] name = new byte[256];
    check(jcuda.driver.JCudaDriver.cuDeviceGetName(name, name.length, device(ordinal)),
        "cuDeviceGetName", "device " + ordinal);
    int len = 0;
    while (len < name.length && name[len] != 0) {
      len++;
    }
    return new String(name, 0, len, java.nio.charset.StandardCharsets.UTF_8);
  }

  @Override
  public long deviceTotalMem(int ordinal) {
    long[] bytes = new long[1];
    check(jcuda.driver.JCudaDriver.cuDeviceTotalMem(bytes, device(ordinal)), "cuDeviceTotalMem",
        "device " + ordinal);
    return bytes[0];
  }

  @Override
  public int deviceAttribute(int attribute, int ordinal) {
    int[] v = new int[1];
    check(jcuda.driver.JCudaDriver.cuDeviceGetAttribute(v, attribute, device(ordinal)),
        "cuDeviceGetAttribute", "attribute " + attribute + " of device " + ordinal);
    return v[0];
  }

  @Override
  public long primaryCtxRetain(int ordinal) {
    CUcontext ctx = new CUcontext();
    check(jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain(ctx, device(ordinal)),
        "cuDevicePrimaryCtxRetain", "device " + ordinal);
    return put(contexts, ctx);
  }

  @Override
  public void ctxSetCurrent(long context) {
    check(jcuda.driver.JCudaDriver.cuCtxSetCurrent(get(contexts, context, "context")),
        "cuCtxSetCurrent", "");
  }

  @Override
  public void ctxSynchronize() {
    check(jcuda.driver.JCudaDriver.cuCtxSynchronize(), "cuCtxSynchronize", "");
  }

  @Override
  public long moduleLoadData(String ptx, String label) {
    CUmodule m = new CUmodule();
    check(jcuda.driver.JCudaDriver.cuModuleLoadData(m, ptx), "cuModuleLoadData", label);
    return put(modules, m);
  }

  @Override
  public long moduleGetFunction(long module, String name) {
    CUfunction f = new CUfunction();
    check(jcuda.driver.JCudaDriver.cuModuleGetFunction(f, get(modules, module, "module"), name),
        "cuModuleGetFunction", name);
    long h = put(functions, f);
    functionNames.put(h, name);
    return h;
  }

  @Override
  public long memAlloc(long bytes) {
    DevicePointer p = new DevicePointer();
    check(jcuda.driver.JCudaDriver.cuMemAlloc(p, bytes), "cuMemAlloc", bytes + " bytes");
    allocations.put(p.address(), p);
    return p.address();
  }

  @Override
  public void memFree(long address) {
    DevicePointer p = allocations.remove(address);
    if (p == null) {
      throw new IllegalArgumentException("cuMemFree of 0x" + Long.toHexString(address)
          + ": not an allocation of this driver");
    }
    check(jcuda.driver.JCudaDriver.cuMemFree(p), "cuMemFree", "0x" + Long.toHexString(address));
  }

  @Override
  public ByteBuffer memAllocHost(long bytes) {
    Pointer p = new Pointer();
    check(jcuda.driver.JCudaDriver.cuMemAllocHost(p, bytes), "cuMemAllocHost", bytes + " bytes");
    ByteBuffer b = p.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
    synchronized (pinned) {
      pinned.put(b, p);
    }
    return b;
  }

  @Override
  public void memFreeHost(ByteBuffer buffer) {
    Pointer p;
    synchronized (pinned) {
      p = pinned.remove(buffer);
    }
    if (p == null) {
      throw new IllegalArgumentException("cuMemFreeHost of a buffer not from cuMemAllocHost");
    }
    check(jcuda.driver.JCudaDriver.cuMemFreeHost(p), "cuMemFreeHost", "");
  }

  @Override
  public void memcpyHtoDAsync(long dst, ByteBuffer src, long srcOffset, long bytes, long stream) {
    check(jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync(devicePointer(dst),
        host(src).withByteOffset(srcOffset), bytes, get(streams, stream, "stream")),
        "cuMemcpyHtoDAsync", bytes + " bytes to 0x" + Long.toHexString(dst));
  }

  @Override
  public void memcpyDtoHAsync(ByteBuffer dst, long dstOffset, long src, long bytes, long stream) {
    check(jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync(host(dst).withByteOffset(dstOffset),
        devicePointer(src), bytes, get(streams, stream, "stream")),
        "cuMemcpyDtoHAsync", bytes + " bytes from 0x" + Long.toHexString(src));
  }

  @Override
  public long streamCreate() {
    CUstream s = new CUstream();
    check(jcuda.driver.JCudaDriver.cuStreamCreate(s, 0), "cuStreamCreate", "");
    return put(streams, s);
  }

  @Override
  public void streamSynchronize(long stream) {
    check(jcuda.driver.JCudaDriver.cuStreamSynchronize(get(streams, stream, "stream")),
        "cuStreamSynchronize", "");
  }

  @Override
  public long eventCreate() {
    CUevent e = new CUevent();
    check(jcuda.driver.JCudaDriver.cuEventCreate(e, CUevent_flags.CU_EVENT_DISABLE_TIMING),
        "cuEventCreate", "");
    return put(events, e);
  }

  @Override
  public void eventRecord(long event, long stream) {
    check(jcuda.driver.JCudaDriver.cuEventRecord(get(events, event, "event"),
        get(streams, stream, "stream")), "cuEventRecord", "");
  }

  @Override
  public void streamWaitEvent(long stream, long event) {
    check(jcuda.driver.JCudaDriver.cuStreamWaitEvent(get(streams, stream, "stream"),
        get(events, event, "event"), 0), "cuStreamWaitEvent", "");
  }

  @Override
  public void launchKernel(long function, int gridX, int blockX, int sharedBytes, long stream,
      Object[] params) {
    String name = functionNames.getOrDefault(function, "function " + function);
    NativePointerObject[] values = new NativePointerObject[params.length];
    for (int i = 0; i < params.length; i++) {
      Object p = params[i];
      if (p instanceof Long v) {
        values[i] = Pointer.to(new long[] {v});
      } else if (p instanceof Integer v) {
        values[i] = Pointer.to(new int[] {v});
      } else if (p instanceof Float v) {
        values[i] = Pointer.to(new float[] {v});
      } else if (p instanceof Double v) {
        values[i] = Pointer.to(new double[] {v});
      } else {
        throw new IllegalArgumentException("parameter " + i + " of kernel " + name + " is a "
            + (p == null ? "null" : p.getClass().getName()) + "; Long, Integer, Float or Double expected");
      }
    }
    check(jcuda.driver.JCudaDriver.cuLaunchKernel(get(functions, function, "function"),
        gridX, 1, 1, blockX, 1, 1, sharedBytes, get(streams, stream, "stream"),
        Pointer.to(values), null), "cuLaunchKernel",
        name + ", grid " + gridX + ", block " + blockX);
  }

  @Override
  public void streamBeginCapture(long stream) {
    check(jcuda.driver.JCudaDriver.cuStreamBeginCapture(get(streams, stream, "stream"),
        CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL), "cuStreamBeginCapture", "");
  }

  @Override
  public long streamEndCapture(long stream) {
    CUgraph g = new CUgraph();
    check(jcuda.driver.JCudaDriver.cuStreamEndCapture(get(streams, stream, "stream"), g),
        "cuStreamEndCapture", "");
    return put(graphs, g);
  }

  @Override
  public long graphInstantiate(long graph) {
    CUgraphExec e = new CUgraphExec();
    check(jcuda.driver.JCudaDriver.cuGraphInstantiate(e, get(graphs, graph, "graph"), 0),
        "cuGraphInstantiate", "");
    return put(graphExecs, e);
  }

  @Override
  public void graphLaunch(long graphExec, long stream) {
    check(jcuda.driver.JCudaDriver.cuGraphLaunch(get(graphExecs, graphExec, "graph exec"),
        get(streams, stream, "stream")), "cuGraphLaunch", "");
  }

  @Override
  public void graphExecDestroy(long graphExec) {
    check(jcuda.driver.JCudaDriver.cuGraphExecDestroy(get(graphExecs, graphExec,
        "graph exec")), "cuGraphExecDestroy", "");
    graphExecs.remove(graphExec);
  }

  @Override
  public void graphDestroy(long graph) {
    check(jcuda.driver.JCudaDriver.cuGraphDestroy(get(graphs, graph, "graph")),
        "cuGraphDestroy", "");
    graphs.remove(graph);
  }

  @Override
  public String errorName(int code) {
    String[] s = new String[1];
    if (jcuda.driver.JCudaDriver.cuGetErrorName(code, s) == CUresult.CUDA_SUCCESS && s[0] != null) {
      return s[0];
    }
    return CUresult.stringFor(code);
  }

  @Override
  public String errorString(int code) {
    String[] s = new String[1];
    if (jcuda.driver.JCudaDriver.cuGetErrorString(code, s) == CUresult.CUDA_SUCCESS
        && s[0] != null) {
      return s[0];
    }
    return "";
  }

  private void check(int result, String call, String detail) {
    if (result != CUresult.CUDA_SUCCESS) {
      throw new CudaException(call, detail, result, errorName(result), errorString(result));
    }
  }

  private CUdevice device(int ordinal) {
    CUdevice d = devices.get(ordinal);
    if (d == null) {
      d = new CUdevice();
      check(jcuda.driver.JCudaDriver.cuDeviceGet(d, ordinal), "cuDeviceGet", "device " + ordinal);
      devices.put(ordinal, d);
    }
    return d;
  }

  /** The allocation holding {@code address}, offset to it. */
  private CUdeviceptr devicePointer(long address) {
    Map.Entry<Long, DevicePointer> e = allocations.floorEntry(address);
    if (e == null) {
      throw new IllegalArgumentException("device address 0x" + Long.toHexString(address)
          + " is not in an allocation of this driver");
    }
    return address == e.getKey() ? e.getValue() : e.getValue().withByteOffset(address - e.getKey());
  }

  private Pointer host(ByteBuffer buffer) {
    synchronized (pinned) {
      Pointer p = pinned.get(buffer);
      if (p == null) {
        throw new IllegalArgumentException("host buffer not from cuMemAllocHost");
      }
      return p;
    }
  }

  private <T> long put(Map<Long, T> map, T value) {
    long h = nextHandle.getAndIncrement();
    map.put(h, value);
    return h;
  }

  private static <T> T get(Map<Long, T> map, long handle, String what) {
    T v = map.get(handle);
    if (v == null) {
      throw new IllegalArgumentException("unknown " + what + " handle " + handle);
    }
    return v;
  }
}
