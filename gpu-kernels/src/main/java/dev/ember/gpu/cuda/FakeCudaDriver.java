package dev.ember.gpu.cuda;

import dev.ember.gpu.Ptx;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * A CUDA driver without a GPU, for tests and for benchmarks that count launches: device memory is
 * host byte arrays (so a copy to the device and back returns the bytes), modules are PTX text
 * whose {@code .visible .entry} names are the functions that exist, and every call is recorded.
 * It cannot run kernels: a launch only records the kernel, the grid, the block, the stream and
 * the parameter values.
 *
 * <p>Configurable: the number of devices, their memory (an allocation past it fails with {@code
 * CUDA_ERROR_OUT_OF_MEMORY}), and failures injected into a named call ({@link #fail}).
 * Thread-safe.
 */
public final class FakeCudaDriver implements CudaDriver {
  /** A recorded {@code cuLaunchKernel}. */
  public record Launch(String kernel, int grid, int block, long stream, List<Object> args) {}

  /** A recorded async copy: to the device or from it. */
  public record Memcpy(boolean toDevice, long device, long bytes, long stream) {}

  private static final Map<Integer, String[]> ERRORS = Map.of(
      1, new String[] {"CUDA_ERROR_INVALID_VALUE", "invalid argument"},
      2, new String[] {"CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
      100, new String[] {"CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
      200, new String[] {"CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid"},
      218, new String[] {"CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"},
      500, new String[] {"CUDA_ERROR_NOT_FOUND", "named symbol not found"},
      401, new String[] {"CUDA_ERROR_ILLEGAL_STATE", "the operation cannot be performed in the"
          + " present state"},
      700, new String[] {"CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered"},
      900, new String[] {"CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", "operation not permitted when"
          + " stream is capturing"},
      719, new String[] {"CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure"});

  private int devices = 1;
  private long totalMemory = 1L << 30;
  private int maxThreadsPerBlock = 1024;
  private int ccMajor = 9;
  private int ccMinor = 0;
  private final Map<String, int[]> failures = new HashMap<>();
  private final NavigableMap<Long, byte[]> memory = new TreeMap<>();
  private long nextAddress = 0x7f00_0000_0000L;
  private long allocatedBytes;
  private long nextHandle = 1;
  private final Map<Long, String> modules = new HashMap<>();
  private final Map<Long, String> functions = new HashMap<>();
  private final Set<Long> streams = new HashSet<>();
  private final Set<Long> events = new HashSet<>();
  private final Set<Long> contexts = new HashSet<>();
  private final List<String> calls = new ArrayList<>();
  private final List<Long> allocations = new ArrayList<>();
  private final List<Long> frees = new ArrayList<>();
  private final List<String> moduleLoads = new ArrayList<>();
  private final List<String> functionLookups = new ArrayList<>();
  private final List<Launch> launches = new ArrayList<>();
  private final List<Memcpy> memcpys = new ArrayList<>();
  /** The launches captured so far on each capturing stream. */
  private final Map<Long, List<Launch>> capturing = new HashMap<>();
  private final Map<Long, List<Launch>> graphs = new HashMap<>();
  private final Map<Long, List<Launch>> graphExecs = new HashMap<>();
  private final List<Long> graphLaunches = new ArrayList<>();

  /** One device of 1 GiB, 1024 threads per block, no failures. */
  public FakeCudaDriver() {}

  /** Sets the number of devices; returns this. */
  public synchronized FakeCudaDriver deviceCount(int count) {
    this.devices = count;
    return this;
  }

  /** Sets each device's memory in bytes (allocations past it fail); returns this. */
  public synchronized FakeCudaDriver totalMemory(long bytes) {
    this.totalMemory = bytes;
    return this;
  }

  /** Sets the devices' largest block; returns this. */
  public synchronized FakeCudaDriver maxThreadsPerBlock(int threads) {
    this.maxThreadsPerBlock = threads;
    return this;
  }

  /**
   * Makes every later call of {@code call} (the driver's name, e.g. {@code cuModuleLoadData})
   * fail with CUresult {@code code} until {@link #clearFailures()}; returns this.
   */
  public synchronized FakeCudaDriver fail(String call, int code) {
    return fail(call, code, Integer.MAX_VALUE);
  }

  /** The devices' compute capability (9.0 by default). */
  public synchronized FakeCudaDriver computeCapability(int major, int minor) {
    ccMajor = major;
    ccMinor = minor;
    return this;
  }

  /** Makes the next {@code times} calls of {@code call} fail with CUresult {@code code}. */
  public synchronized FakeCudaDriver fail(String call, int code, int times) {
    failures.put(call, new int[] {code, times});
    return this;
  }

  /** Removes the injected failures. */
  public synchronized void clearFailures() {
    failures.clear();
  }

  /**
   * Forgets the record of calls, launches and copies so far (not the devices' state: memory,
   * modules, streams, graphs), for long-running programs that time Ember's host path and would
   * otherwise time the records' growth.
   */
  public synchronized void clearRecords() {
    calls.clear();
    launches.clear();
    memcpys.clear();
    allocations.clear();
    frees.clear();
  }

  /** Every driver call so far, by name, in order. */
  public synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  /** How many times {@code call} was made. */
  public synchronized int count(String call) {
    return (int) calls.stream().filter(call::equals).count();
  }

  /** The sizes in bytes of the {@code cuMemAlloc} calls that succeeded, in order. */
  public synchronized List<Long> allocations() {
    return List.copyOf(allocations);
  }

  /** The addresses freed, in order. */
  public synchronized List<Long> frees() {
    return List.copyOf(frees);
  }

  /** The bytes allocated and not freed. */
  public synchronized long allocatedBytes() {
    return allocatedBytes;
  }

  /** The PTX text of every module loaded, in order. */
  public synchronized List<String> moduleLoads() {
    return List.copyOf(moduleLoads);
  }

  /** The names looked up with {@code cuModuleGetFunction}, in order. */
  public synchronized List<String> functionLookups() {
    return List.copyOf(functionLookups);
  }

  /** The graph launches ({@code cuGraphLaunch}), as their executable graphs, in order. */
  public synchronized List<Long> graphLaunches() {
    return List.copyOf(graphLaunches);
  }

  /** The kernel launches an executable graph holds, in the order they were captured. */
  public synchronized List<Launch> graphKernels(long graphExec) {
    List<Launch> g = graphExecs.get(graphExec);
    if (g == null) {
      throw new IllegalArgumentException("unknown graph exec " + graphExec);
    }
    return List.copyOf(g);
  }

  /** The launches, in order (a launch captured into a graph is not among them). */
  public synchronized List<Launch> launches() {
    return List.copyOf(launches);
  }

  /** The async copies, in order. */
  public synchronized List<Memcpy> memcpys() {
    return List.copyOf(memcpys);
  }

  /** A copy of {@code bytes} bytes of device memory at {@code address}. */
  public synchronized byte[] deviceBytes(long address, int bytes) {
    Map.Entry<Long, byte[]> e = region(address, bytes, "deviceBytes");
    int at = (int) (address - e.getKey());
    return Arrays.copyOfRange(e.getValue(), at, at + bytes);
  }

  /** {@code count} ints of device memory at {@code address} (native order). */
  public synchronized int[] deviceInts(long address, int count) {
    int[] out = new int[count];
    ByteBuffer.wrap(deviceBytes(address, count * 4)).order(ByteOrder.nativeOrder()).asIntBuffer()
        .get(out);
    return out;
  }

  @Override
  public synchronized void init() {
    call("cuInit", "");
  }

  @Override
  public synchronized int deviceCount() {
    call("cuDeviceGetCount", "");
    return devices;
  }

  @Override
  public synchronized String deviceName(int ordinal) {
    call("cuDeviceGetName", "device " + ordinal);
    checkDevice(ordinal, "cuDeviceGetName");
    return "Fake CUDA device " + ordinal;
  }

  @Override
  public synchronized long deviceTotalMem(int ordinal) {
    call("cuDeviceTotalMem", "device " + ordinal);
    checkDevice(ordinal, "cuDeviceTotalMem");
    return totalMemory;
  }

  @Override
  public synchronized int deviceAttribute(int attribute, int ordinal) {
    call("cuDeviceGetAttribute", "attribute " + attribute);
    checkDevice(ordinal, "cuDeviceGetAttribute");
    return switch (attribute) {
      case ATTRIBUTE_MAX_THREADS_PER_BLOCK -> maxThreadsPerBlock;
      case ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR -> ccMajor;
      case ATTRIBUTE_COMPUTE_CAPABILITY_MINOR -> ccMinor;
      default -> throw error("cuDeviceGetAttribute", "attribute " + attribute, 1);
    };
  }

  @Override
  public synchronized long primaryCtxRetain(int ordinal) {
    call("cuDevicePrimaryCtxRetain", "device " + ordinal);
    checkDevice(ordinal, "cuDevicePrimaryCtxRetain");
    long h = nextHandle++;
    contexts.add(h);
    return h;
  }

  @Override
  public synchronized void ctxSetCurrent(long context) {
    call("cuCtxSetCurrent", "");
    known(contexts, context, "cuCtxSetCurrent");
  }

  @Override
  public synchronized void ctxSynchronize() {
    call("cuCtxSynchronize", "");
    if (!capturing.isEmpty()) {
      throw error("cuCtxSynchronize", "a stream is capturing", 900);
    }
  }

  @Override
  public synchronized long moduleLoadData(String ptx, String label) {
    call("cuModuleLoadData", label);
    if (!ptx.contains(".version")) {
      throw error("cuModuleLoadData", label, 218);
    }
    moduleLoads.add(ptx);
    long h = nextHandle++;
    modules.put(h, ptx);
    return h;
  }

  @Override
  public synchronized long moduleGetFunction(long module, String name) {
    call("cuModuleGetFunction", name);
    String ptx = modules.get(module);
    if (ptx == null) {
      throw error("cuModuleGetFunction", name, 1);
    }
    if (!Ptx.entries(ptx).containsKey(name)) {
      throw error("cuModuleGetFunction", name, 500);
    }
    functionLookups.add(name);
    long h = nextHandle++;
    functions.put(h, name);
    return h;
  }

  @Override
  public synchronized long memAlloc(long bytes) {
    call("cuMemAlloc", bytes + " bytes");
    if (bytes <= 0 || bytes > Integer.MAX_VALUE - 8) {
      throw error("cuMemAlloc", bytes + " bytes", bytes <= 0 ? 1 : 2);
    }
    if (allocatedBytes + bytes > totalMemory) {
      throw error("cuMemAlloc", bytes + " bytes", 2);
    }
    long address = nextAddress;
    nextAddress += (bytes + 511) / 512 * 512;
    memory.put(address, new byte[(int) bytes]);
    allocatedBytes += bytes;
    allocations.add(bytes);
    return address;
  }

  @Override
  public synchronized void memFree(long address) {
    call("cuMemFree", "0x" + Long.toHexString(address));
    byte[] b = memory.remove(address);
    if (b == null) {
      throw error("cuMemFree", "0x" + Long.toHexString(address), 1);
    }
    allocatedBytes -= b.length;
    frees.add(address);
  }

  @Override
  public synchronized ByteBuffer memAllocHost(long bytes) {
    call("cuMemAllocHost", bytes + " bytes");
    return ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
  }

  @Override
  public synchronized void memFreeHost(ByteBuffer buffer) {
    call("cuMemFreeHost", "");
  }

  @Override
  public synchronized void memcpyHtoDAsync(long dst, ByteBuffer src, long srcOffset, long bytes,
      long stream) {
    String detail = bytes + " bytes to 0x" + Long.toHexString(dst);
    call("cuMemcpyHtoDAsync", detail);
    known(streams, stream, "cuMemcpyHtoDAsync");
    notCapturing(stream, "cuMemcpyHtoDAsync");
    Map.Entry<Long, byte[]> e = region(dst, bytes, "cuMemcpyHtoDAsync");
    src.duplicate().position((int) srcOffset).get(e.getValue(), (int) (dst - e.getKey()),
        (int) bytes);
    memcpys.add(new Memcpy(true, dst, bytes, stream));
  }

  @Override
  public synchronized void memcpyDtoHAsync(ByteBuffer dst, long dstOffset, long src, long bytes,
      long stream) {
    call("cuMemcpyDtoHAsync", bytes + " bytes from 0x" + Long.toHexString(src));
    known(streams, stream, "cuMemcpyDtoHAsync");
    notCapturing(stream, "cuMemcpyDtoHAsync");
    Map.Entry<Long, byte[]> e = region(src, bytes, "cuMemcpyDtoHAsync");
    dst.duplicate().position((int) dstOffset).put(e.getValue(), (int) (src - e.getKey()),
        (int) bytes);
    memcpys.add(new Memcpy(false, src, bytes, stream));
  }

  @Override
  public synchronized long streamCreate() {
    call("cuStreamCreate", "");
    long h = nextHandle++;
    streams.add(h);
    return h;
  }

  @Override
  public synchronized void streamSynchronize(long stream) {
    call("cuStreamSynchronize", "");
    known(streams, stream, "cuStreamSynchronize");
    notCapturing(stream, "cuStreamSynchronize");
  }

  @Override
  public synchronized long eventCreate() {
    call("cuEventCreate", "");
    long h = nextHandle++;
    events.add(h);
    return h;
  }

  @Override
  public synchronized void eventRecord(long event, long stream) {
    call("cuEventRecord", "");
    known(events, event, "cuEventRecord");
    known(streams, stream, "cuEventRecord");
  }

  @Override
  public synchronized void streamWaitEvent(long stream, long event) {
    call("cuStreamWaitEvent", "");
    known(events, event, "cuStreamWaitEvent");
    known(streams, stream, "cuStreamWaitEvent");
    // Waiting on an event recorded outside the capture is refused here, as Ember never needs it.
    notCapturing(stream, "cuStreamWaitEvent");
  }

  @Override
  public synchronized void launchKernel(long function, int gridX, int blockX, int sharedBytes,
      long stream, Object[] params) {
    String name = functions.getOrDefault(function, "function " + function);
    call("cuLaunchKernel", name);
    if (!functions.containsKey(function) || gridX <= 0 || blockX <= 0
        || blockX > maxThreadsPerBlock) {
      throw error("cuLaunchKernel", name, 1);
    }
    known(streams, stream, "cuLaunchKernel");
    for (Object p : params) {
      if (Ptx.kindOf(p) == '?') {
        throw error("cuLaunchKernel", name, 1);
      }
    }
    Launch l = new Launch(name, gridX, blockX, stream, List.of(params));
    List<Launch> captured = capturing.get(stream);
    if (captured != null) {
      captured.add(l);
    } else {
      launches.add(l);
    }
  }

  @Override
  public synchronized void streamBeginCapture(long stream) {
    call("cuStreamBeginCapture", "");
    known(streams, stream, "cuStreamBeginCapture");
    if (capturing.containsKey(stream)) {
      throw error("cuStreamBeginCapture", "the stream is capturing already", 401);
    }
    capturing.put(stream, new ArrayList<>());
  }

  @Override
  public synchronized long streamEndCapture(long stream) {
    call("cuStreamEndCapture", "");
    known(streams, stream, "cuStreamEndCapture");
    List<Launch> captured = capturing.remove(stream);
    if (captured == null) {
      throw error("cuStreamEndCapture", "the stream is not capturing", 401);
    }
    long h = nextHandle++;
    graphs.put(h, captured);
    return h;
  }

  @Override
  public synchronized long graphInstantiate(long graph) {
    call("cuGraphInstantiate", "");
    List<Launch> g = graphs.get(graph);
    if (g == null) {
      throw error("cuGraphInstantiate", "unknown graph " + graph, 400);
    }
    long h = nextHandle++;
    graphExecs.put(h, List.copyOf(g));
    return h;
  }

  @Override
  public synchronized void graphLaunch(long graphExec, long stream) {
    call("cuGraphLaunch", "");
    known(streams, stream, "cuGraphLaunch");
    notCapturing(stream, "cuGraphLaunch");
    if (!graphExecs.containsKey(graphExec)) {
      throw error("cuGraphLaunch", "unknown graph exec " + graphExec, 400);
    }
    graphLaunches.add(graphExec);
  }

  @Override
  public synchronized void graphExecDestroy(long graphExec) {
    call("cuGraphExecDestroy", "");
    if (graphExecs.remove(graphExec) == null) {
      throw error("cuGraphExecDestroy", "unknown graph exec " + graphExec, 400);
    }
  }

  @Override
  public synchronized void graphDestroy(long graph) {
    call("cuGraphDestroy", "");
    if (graphs.remove(graph) == null) {
      throw error("cuGraphDestroy", "unknown graph " + graph, 400);
    }
  }

  private void notCapturing(long stream, String call) {
    if (capturing.containsKey(stream)) {
      throw error(call, "stream " + stream + " is capturing", 900);
    }
  }

  @Override
  public synchronized String errorName(int code) {
    String[] e = ERRORS.get(code);
    return e == null ? "CUDA_ERROR_" + code : e[0];
  }

  @Override
  public synchronized String errorString(int code) {
    String[] e = ERRORS.get(code);
    return e == null ? "" : e[1];
  }

  /** Records a call, or fails it as configured. */
  private void call(String name, String detail) {
    calls.add(name);
    int[] f = failures.get(name);
    if (f != null && f[1] > 0) {
      f[1]--;
      throw error(name, detail, f[0]);
    }
  }

  private CudaException error(String call, String detail, int code) {
    return new CudaException(call, detail, code, errorName(code), errorString(code));
  }

  private void checkDevice(int ordinal, String call) {
    if (ordinal < 0 || ordinal >= devices) {
      throw error(call, "device " + ordinal, 101);
    }
  }

  private void known(Set<Long> handles, long handle, String call) {
    if (!handles.contains(handle)) {
      throw error(call, "unknown handle " + handle, 400);
    }
  }

  private Map.Entry<Long, byte[]> region(long address, long bytes, String call) {
    Map.Entry<Long, byte[]> e = memory.floorEntry(address);
    if (e == null || address + bytes > e.getKey() + e.getValue().length) {
      throw error(call, bytes + " bytes at 0x" + Long.toHexString(address)
          + " outside every allocation", 700);
    }
    return e;
  }
}
