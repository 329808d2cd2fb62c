package dev.ember.gpu.cuda;

import dev.ember.gpu.GpuException;
import dev.ember.gpu.GpuOutOfMemoryError;
import dev.ember.gpu.GpuRuntime;
import dev.ember.gpu.Ptx;
import dev.ember.gpu.Slab;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One CUDA device through the driver API ({@link CudaDriver}): its primary context, a stream per
 * calling thread (several Spark tasks can share a GPU), kernel families loaded lazily as PTX
 * modules from the class path ({@code dev/ember/gpu/ptx/<family>.ptx}, built from {@code
 * src/main/kernels/<family>.c} by {@code build-ptx.sh}).
 *
 * <p>Launch arguments are packed as the kernels declare them: a {@link Slab} is its device
 * address (a {@code T*} parameter), {@code Integer}, {@code Float} and {@code Double} are
 * themselves, and an {@code int[]} is copied into the stream's device staging ring (through
 * pinned host memory, asynchronously on the stream, so the launch after it sees it) and passed
 * as a pointer. Every launch is checked against the kernel's parameters in the PTX first: the
 * driver itself would read garbage for a missing or mistyped argument.
 *
 * <p>Work is ordered per thread by its stream; {@link #read} waits for the stream, {@link #write}
 * does not. Across threads, the first use of a slab on a stream makes that stream wait (an event,
 * on the device) for the other streams that used the slab before, so a block freed by one thread
 * and reused by another is never written while an earlier kernel still reads it.
 *
 * <p>Debugging: {@code -Dember.cuda.syncAfterLaunch=true} waits after every launch and names the
 * kernel that failed (a kernel fault otherwise surfaces at the next synchronizing call).
 */
public final class CudaRuntime implements GpuRuntime {
  /** The system property that synchronizes and checks after every launch. */
  public static final String SYNC_AFTER_LAUNCH = "ember.cuda.syncAfterLaunch";
  /**
   * Bytes of pinned host memory per stream for reads and writes (transfers go in chunks). Writes
   * use it as a ring: each chunk takes the next free bytes and the copy to the device is queued;
   * the thread waits for the stream only when the ring wraps around (or a read synchronizes), so
   * uploading a training batch does not wait for the kernels queued before it.
   */
  static final int STAGING_BYTES = 8 << 20;
  private static final int STAGING_ALIGN = 256;
  /** Initial bytes of each stream's ring for {@code int[]} arguments. */
  static final int META_RING_BYTES = 64 << 10;
  private static final int META_ALIGN = 16;
  /** Device bytes per stream that keep int[] arguments seen before, in chunks of the next. */
  static final long META_CACHE_BYTES = 16 << 20;
  private static final int META_ARENA_BYTES = 1 << 20;
  private static final ThreadLocal<CudaRuntime> CURRENT = new ThreadLocal<>();

  private final CudaDriver driver;
  private final Device device;
  private final String name;
  private final long totalMemory;
  private final int maxThreads;
  /** {@link #META_CACHE_BYTES}; tests set less to reach the ring. */
  long metaCacheBytes = META_CACHE_BYTES;
  private final String computeCapability;
  /**
   * Compute capability 8.0 or later: TF32 and bfloat16 tensor cores (mma.sync m16n8k8 tf32,
   * m16n8k16 bf16).
   */
  private final boolean tensorCores;
  private final long context;
  private final boolean syncAfterLaunch;
  private final ThreadLocal<Stream> streams = new ThreadLocal<>();
  private final Map<String, Long> modules = new HashMap<>();
  private final Map<String, Map<String, String>> entries = new HashMap<>();
  private final Map<String, Function> functions = new ConcurrentHashMap<>();
  private final Map<Slab, Set<Stream>> users = new IdentityHashMap<>();

  /** A loaded kernel and its parameter kinds from the PTX (see {@link Ptx#entries}). */
  private record Function(long handle, String label, String kinds) {}

  /** An int[] compared by content. */
  private static final class IntsKey {
    final int[] values;
    final int hash;

    IntsKey(int[] values) {
      this.values = values;
      this.hash = Arrays.hashCode(values);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof IntsKey k && k.hash == hash && Arrays.equals(k.values, values);
    }
  }

  /** A thread's stream, its event, and its pinned staging memory; used by its thread only. */
  private static final class Stream {
    final long handle;
    final long event;
    ByteBuffer staging;
    /** The first byte of {@link #staging} no queued copy still reads; 0 after a wait. */
    int stagingPos;
    ByteBuffer metaHost;
    long metaDevice;
    int metaPos;
    /** int[] arguments already on the device (see {@link CudaRuntime#stage}). */
    final Map<IntsKey, Long> metaCache = new HashMap<>();
    long metaArena;
    int metaArenaPos;
    long metaCachedBytes;
    /** Whether the stream is capturing a graph ({@link CudaRuntime#beginCapture}). */
    boolean capturing;

    Stream(long handle, long event) {
      this.handle = handle;
      this.event = event;
    }
  }

  /**
   * The runtime of device {@code ordinal} of {@code driver} (which is initialised here if it was
   * not): retains the primary context and reads the device's name, memory and limits.
   */
  public CudaRuntime(CudaDriver driver, int ordinal) {
    this.driver = driver;
    this.device = Device.of("cuda", ordinal);
    driver.init();
    this.name = driver.deviceName(ordinal);
    this.totalMemory = driver.deviceTotalMem(ordinal);
    this.maxThreads = driver.deviceAttribute(CudaDriver.ATTRIBUTE_MAX_THREADS_PER_BLOCK, ordinal);
    int major = driver.deviceAttribute(CudaDriver.ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, ordinal);
    this.computeCapability = major + "."
        + driver.deviceAttribute(CudaDriver.ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, ordinal);
    this.tensorCores = major >= 8;
    this.context = driver.primaryCtxRetain(ordinal);
    this.syncAfterLaunch = Boolean.getBoolean(SYNC_AFTER_LAUNCH);
  }

  @Override
  public Device device() {
    return device;
  }

  @Override
  public String describe() {
    return device + " (" + name + ", compute capability " + computeCapability + ", "
        + (totalMemory >> 20) + " MiB)";
  }

  @Override
  public long totalMemory() {
    return totalMemory;
  }

  @Override
  public int maxLocalSize() {
    return Math.min(256, maxThreads);
  }

  /** The driver this runtime calls. */
  public CudaDriver driver() {
    return driver;
  }

  /** The calling thread's stream on this device (created on first use). */
  public long currentStream() {
    enter();
    return stream().handle;
  }

  @Override
  public Slab allocate(DType dtype, int elements) {
    enter();
    long bytes = Math.max(1L, (long) elements * dtype.itemSize());
    try {
      return new Slab(driver.memAlloc(bytes), dtype, elements);
    } catch (CudaException e) {
      if (e.code() == CudaException.OUT_OF_MEMORY) {
        throw new GpuOutOfMemoryError(e.getMessage() + " on " + describe());
      }
      throw onDevice(e);
    }
  }

  @Override
  public void free(Slab slab) {
    enter();
    try {
      // A kernel of any stream may still use the slab.
      driver.ctxSynchronize();
      driver.memFree(address(slab));
    } catch (CudaException e) {
      throw onDevice(e);
    }
    synchronized (users) {
      users.remove(slab);
    }
  }

  @Override
  public void write(Slab slab, int offset, Object src, int srcOffset, int count) {
    enter();
    Stream s = stream();
    order(slab, s);
    int item = slab.dtype().itemSize();
    long dst = address(slab) + (long) offset * item;
    int perChunk = STAGING_BYTES / item;
    for (int done = 0; done < count; ) {
      int n = Math.min(perChunk, count - done);
      int bytes = n * item;
      ByteBuffer staging = staging(s, bytes);
      if (s.stagingPos + bytes > staging.capacity()) {
        // The ring wraps: the copies out of it so far must have happened.
        waitFor(s, "write");
      }
      int at = s.stagingPos;
      ByteBuffer b = staging.duplicate().order(ByteOrder.nativeOrder());
      b.position(at);
      switch (slab.dtype()) {
        case FLOAT32 -> b.asFloatBuffer().put((float[]) src, srcOffset + done, n);
        case FLOAT64 -> b.asDoubleBuffer().put((double[]) src, srcOffset + done, n);
        case INT64 -> b.asLongBuffer().put((long[]) src, srcOffset + done, n);
        case INT32 -> b.asIntBuffer().put((int[]) src, srcOffset + done, n);
        case BOOL -> b.put((byte[]) src, srcOffset + done, n);
        default -> throw new IllegalStateException(slab.dtype().name());
      }
      try {
        driver.memcpyHtoDAsync(dst + (long) done * item, staging, at, bytes, s.handle);
      } catch (CudaException e) {
        throw onDevice(e);
      }
      s.stagingPos = at + (bytes + STAGING_ALIGN - 1) / STAGING_ALIGN * STAGING_ALIGN;
      done += n;
    }
  }

  @Override
  public void read(Slab slab, int offset, Object dst, int dstOffset, int count) {
    enter();
    Stream s = stream();
    order(slab, s);
    int item = slab.dtype().itemSize();
    long from = address(slab) + (long) offset * item;
    int perChunk = STAGING_BYTES / item;
    for (int done = 0; done < count; ) {
      int n = Math.min(perChunk, count - done);
      ByteBuffer staging = staging(s, n * item);
      try {
        driver.memcpyDtoHAsync(staging, 0, from + (long) done * item, (long) n * item, s.handle);
      } catch (CudaException e) {
        throw onDevice(e);
      }
      waitFor(s, "read");
      ByteBuffer b = staging.duplicate().order(ByteOrder.nativeOrder());
      switch (slab.dtype()) {
        case FLOAT32 -> b.asFloatBuffer().get((float[]) dst, dstOffset + done, n);
        case FLOAT64 -> b.asDoubleBuffer().get((double[]) dst, dstOffset + done, n);
        case INT64 -> b.asLongBuffer().get((long[]) dst, dstOffset + done, n);
        case INT32 -> b.asIntBuffer().get((int[]) dst, dstOffset + done, n);
        case BOOL -> b.get((byte[]) dst, dstOffset + done, n);
        default -> throw new IllegalStateException(slab.dtype().name());
      }
      done += n;
    }
  }

  @Override
  public void launch(String family, String kernel, int global, int local, Object... args) {
    enter();
    if (local <= 0 || local > maxThreads || global <= 0 || global % local != 0) {
      throw new IllegalArgumentException("launch of " + family + "." + kernel + " over " + global
          + " threads in blocks of " + local + " on " + describe() + ": the global size must be a"
          + " positive multiple of a block size in [1, " + maxThreads + "]");
    }
    Function f = function(family, kernel);
    if (f.kinds() != null && f.kinds().length() != args.length) {
      throw new GpuException("kernel " + f.label() + " takes " + f.kinds().length()
          + " parameters, launched with " + args.length);
    }
    Stream s = stream();
    Object[] params = new Object[args.length];
    for (int i = 0; i < args.length; i++) {
      Object a = args[i];
      if (a instanceof Slab slab) {
        order(slab, s);
        params[i] = address(slab);
      } else if (a instanceof int[] values) {
        params[i] = stage(s, values);
      } else if (a instanceof Integer || a instanceof Float || a instanceof Double) {
        params[i] = a;
      } else {
        throw new IllegalArgumentException("argument " + i + " of kernel " + f.label()
            + " has an unsupported type: " + (a == null ? "null" : a.getClass().getName())
            + " (kernels take slabs, int[], Integer, Float or Double)");
      }
      char want = f.kinds() == null ? Ptx.kindOf(params[i]) : f.kinds().charAt(i);
      if (Ptx.kindOf(params[i]) != want) {
        throw new GpuException("argument " + i + " of kernel " + f.label() + " is a "
            + a.getClass().getSimpleName() + " but the kernel's parameter is " + kindName(want));
      }
    }
    try {
      driver.launchKernel(f.handle(), global / local, local, 0, s.handle, params);
    } catch (CudaException e) {
      throw new GpuException("launch of kernel " + f.label() + " on " + describe() + " failed: "
          + e.getMessage(), e);
    }
    if (syncAfterLaunch && !s.capturing) {
      try {
        driver.streamSynchronize(s.handle);
      } catch (CudaException e) {
        throw new GpuException("kernel " + f.label() + " failed on " + describe() + " ("
            + SYNC_AFTER_LAUNCH + "): " + e.getMessage(), e);
      }
      s.stagingPos = 0;
    }
  }

  @Override
  public boolean supportsTensorCores() {
    return tensorCores;
  }

  @Override
  public boolean supportsGraphs() {
    return true;
  }

  @Override
  public void beginCapture() {
    enter();
    Stream s = stream();
    if (s.capturing) {
      throw new IllegalStateException("this thread is capturing a graph on " + describe()
          + " already");
    }
    try {
      // Every stream's work so far is done before the capture: the captured launches need
      // no waits on other streams (see order).
      driver.ctxSynchronize();
      driver.streamBeginCapture(s.handle);
    } catch (CudaException e) {
      throw onDevice(e);
    }
    s.capturing = true;
  }

  @Override
  public long endCapture() {
    enter();
    Stream s = stream();
    if (!s.capturing) {
      throw new IllegalStateException("this thread is not capturing a graph on " + describe());
    }
    s.capturing = false;
    try {
      long graph = driver.streamEndCapture(s.handle);
      try {
        return driver.graphInstantiate(graph);
      } finally {
        driver.graphDestroy(graph);
      }
    } catch (CudaException e) {
      throw onDevice(e);
    }
  }

  @Override
  public void launchGraph(long graph) {
    enter();
    Stream s = stream();
    try {
      driver.graphLaunch(graph, s.handle);
    } catch (CudaException e) {
      throw new GpuException("launch of a captured graph on " + describe() + " failed: "
          + e.getMessage(), e);
    }
  }

  @Override
  public void destroyGraph(long graph) {
    enter();
    try {
      driver.graphExecDestroy(graph);
    } catch (CudaException e) {
      throw onDevice(e);
    }
  }

  @Override
  public void synchronize() {
    enter();
    try {
      driver.ctxSynchronize();
    } catch (CudaException e) {
      throw new GpuException(e.getMessage() + " on " + describe() + " (a kernel launched before"
          + " failed; -D" + SYNC_AFTER_LAUNCH + "=true names it)", e);
    }
    Stream s = streams.get();
    if (s != null) {
      s.stagingPos = 0;
    }
  }

  // --- internals --------------------------------------------------------------------------------

  /** Makes this device's context current on the calling thread. */
  private void enter() {
    if (CURRENT.get() != this) {
      try {
        driver.ctxSetCurrent(context);
      } catch (CudaException e) {
        throw onDevice(e);
      }
      CURRENT.set(this);
    }
  }

  private Stream stream() {
    Stream s = streams.get();
    if (s == null) {
      try {
        s = new Stream(driver.streamCreate(), driver.eventCreate());
      } catch (CudaException e) {
        throw onDevice(e);
      }
      streams.set(s);
    }
    return s;
  }

  /**
   * Makes stream {@code s} wait for the other streams that used {@code slab} (see the class
   * comment); nothing when only {@code s} did.
   */
  private void order(Slab slab, Stream s) {
    List<Stream> others;
    synchronized (users) {
      Set<Stream> set = users.computeIfAbsent(slab, k -> new LinkedHashSet<>());
      if (set.isEmpty() || set.size() == 1 && set.contains(s)) {
        set.add(s);
        return;
      }
      if (s.capturing) {
        // No waits inside a capture: beginCapture synchronized the context, so the other
        // streams' earlier work is done, and a graph shares buffers with other threads' work
        // only where it shares a slab, not a tensor (see StepGraph: its tensors must not be
        // written by other threads while it replays).
        set.add(s);
        return;
      }
      others = new ArrayList<>(set);
      others.remove(s);
      set.add(s);
    }
    try {
      for (Stream o : others) {
        driver.eventRecord(o.event, o.handle);
        driver.streamWaitEvent(s.handle, o.event);
      }
    } catch (CudaException e) {
      throw onDevice(e);
    }
  }

  /**
   * The stream's pinned staging ring ({@link #STAGING_BYTES}), allocated on first use; a chunk is
   * at most that large.
   */
  private ByteBuffer staging(Stream s, int bytes) {
    if (bytes > STAGING_BYTES) {
      throw new IllegalArgumentException("a staging chunk of " + bytes + " bytes is over "
          + STAGING_BYTES);
    }
    if (s.staging == null) {
      try {
        s.staging = driver.memAllocHost(STAGING_BYTES);
      } catch (CudaException e) {
        throw onDevice(e);
      }
      s.stagingPos = 0;
    }
    return s.staging;
  }

  /**
   * The device address of an int[] argument. One seen before on this stream is on the device
   * already, in the stream's cache of {@link #META_CACHE_BYTES} (a training step launches the
   * same shapes and strides every step, so most launches copy nothing); a new one is copied
   * through the pinned host ring into the cache, or, once the cache is full, into the device
   * ring.
   */
  private long stage(Stream s, int[] values) {
    Long cached = s.metaCache.get(new IntsKey(values));
    if (cached != null) {
      return cached;
    }
    if (s.capturing) {
      // A copy through the host ring would be captured as a node that rereads the ring (since
      // overwritten) at every replay.
      throw new GpuException("capturing a graph on " + describe() + ": an int[] argument that"
          + " is not in the stream's device cache (" + metaCacheBytes + " bytes, full); the"
          + " launches of a captured step must have run on this thread before");
    }
    int bytes = Math.max(4, values.length * 4);
    int aligned = (bytes + META_ALIGN - 1) / META_ALIGN * META_ALIGN;
    long cacheAt = 0;
    if (aligned <= META_ARENA_BYTES && s.metaCachedBytes + aligned <= metaCacheBytes) {
      if (s.metaArena == 0 || s.metaArenaPos + aligned > META_ARENA_BYTES) {
        try {
          s.metaArena = driver.memAlloc(META_ARENA_BYTES);
        } catch (CudaException e) {
          if (e.code() != CudaException.OUT_OF_MEMORY) {
            throw onDevice(e);
          }
          s.metaCachedBytes = metaCacheBytes; // no room on the device: the ring only
        }
        s.metaArenaPos = 0;
      }
      if (s.metaCachedBytes < metaCacheBytes) {
        cacheAt = s.metaArena + s.metaArenaPos;
        s.metaArenaPos += aligned;
        s.metaCachedBytes += aligned;
        s.metaCache.put(new IntsKey(values.clone()), cacheAt);
      }
    }
    if (s.metaHost == null || aligned > s.metaHost.capacity()) {
      int size = Math.max(META_RING_BYTES, Integer.highestOneBit(aligned - 1) << 1);
      if (s.metaHost != null) {
        waitFor(s, "int[] argument");
        driver.memFreeHost(s.metaHost);
        driver.memFree(s.metaDevice);
        s.metaHost = null;
      }
      try {
        s.metaDevice = driver.memAlloc(size);
        s.metaHost = driver.memAllocHost(size);
      } catch (CudaException e) {
        if (e.code() == CudaException.OUT_OF_MEMORY) {
          throw new GpuOutOfMemoryError(e.getMessage() + " (int[] argument staging) on "
              + describe());
        }
        throw onDevice(e);
      }
      s.metaPos = 0;
    } else if (s.metaPos + aligned > s.metaHost.capacity()) {
      // Wrapping around: the copies out of the host ring so far must have happened.
      waitFor(s, "int[] argument");
      s.metaPos = 0;
    }
    ByteBuffer b = s.metaHost.duplicate().order(ByteOrder.nativeOrder());
    b.position(s.metaPos);
    b.asIntBuffer().put(values);
    long at = cacheAt != 0 ? cacheAt : s.metaDevice + s.metaPos;
    try {
      driver.memcpyHtoDAsync(at, s.metaHost, s.metaPos, bytes, s.handle);
    } catch (CudaException e) {
      throw onDevice(e);
    }
    s.metaPos += aligned;
    return at;
  }

  /** Waits for the thread's stream; an error there is from earlier asynchronous work. */
  private void waitFor(Stream s, String why) {
    try {
      driver.streamSynchronize(s.handle);
    } catch (CudaException e) {
      throw new GpuException(e.getMessage() + " on " + describe() + ", waiting for " + why
          + " (an earlier launch on this thread's stream may have failed; -D" + SYNC_AFTER_LAUNCH
          + "=true names it)", e);
    }
    s.stagingPos = 0;
  }

  private Function function(String family, String kernel) {
    String key = family + "." + kernel;
    Function f = functions.get(key);
    if (f != null) {
      return f;
    }
    synchronized (modules) {
      f = functions.get(key);
      if (f != null) {
        return f;
      }
      Long module = modules.get(family);
      if (module == null) {
        String ptx = ptx(family);
        try {
          module = driver.moduleLoadData(ptx, family + ".ptx");
        } catch (CudaException e) {
          throw new GpuException("loading kernel family " + family + " on " + describe()
              + " failed: " + e.getMessage(), e);
        }
        modules.put(family, module);
        entries.put(family, Ptx.entries(ptx));
      }
      long handle;
      try {
        handle = driver.moduleGetFunction(module, kernel);
      } catch (CudaException e) {
        throw new GpuException("kernel " + key + " on " + describe() + ": " + e.getMessage()
            + " (is it defined in src/main/kernels/" + family + ".c, and the PTX rebuilt?)", e);
      }
      f = new Function(handle, key, entries.get(family).get(kernel));
      functions.put(key, f);
      return f;
    }
  }

  /** The PTX of a kernel family from the class path. */
  static String ptx(String family) {
    String path = "/dev/ember/gpu/ptx/" + family + ".ptx";
    try (InputStream in = CudaRuntime.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new GpuException("no PTX for kernel family " + family + ": " + path.substring(1)
            + " is not on the class path (build it from src/main/kernels/" + family + ".c with"
            + " gpu-kernels/src/main/scripts/build-ptx.sh --update)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path, e);
    }
  }

  private static long address(Slab slab) {
    return (Long) slab.handle();
  }

  private GpuException onDevice(CudaException e) {
    return new GpuException(e.getMessage() + " on " + describe(), e);
  }

  private static String kindName(char kind) {
    return switch (kind) {
      case 'L' -> "a pointer or 64-bit integer (a slab or int[])";
      case 'I' -> "a 32-bit int (Integer)";
      case 'F' -> "a float (Float)";
      case 'D' -> "a double (Double)";
      default -> "of a type Ember does not pass";
    };
  }
}
