package dev.ember.gpu;

import dev.ember.backend.Backend;
import dev.ember.backend.BinaryOp;
import dev.ember.backend.HostArrays;
import dev.ember.backend.OperandChecks;
import dev.ember.backend.OptimizerUpdate;
import dev.ember.backend.RandomOp;
import dev.ember.backend.ReduceOp;
import dev.ember.backend.Storage;
import dev.ember.backend.UnaryOp;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The backend SPI on a GPU, written once for both runtimes: memory comes from a {@link
 * CachingAllocator} over the runtime's slabs, and every primitive is a launch of a kernel from
 * {@code src/main/kernels} through {@link GpuRuntime#launch}. The op families live in their own
 * classes ({@link GpuElementwise}, {@link GpuReduce}, {@link GpuMatmul}, {@link GpuConv}, {@link
 * GpuIndex}, {@link GpuRandom}, {@link GpuOptim}, {@link GpuRecurrent}), like the CPU backend's.
 *
 * <p>A kernel never silently runs elsewhere: a primitive this backend cannot run on its device is
 * an exception naming the primitive and the device.
 */
public final class GpuBackend implements Backend {
  private final GpuRuntime runtime;
  private final CachingAllocator allocator;
  private final int local;
  private Tensor unreadFlag;
  /** The most rows {@link #reluGradColumnSums} sums in one work item per column. */
  static final int COLSUM_MAX_ROWS = 4096;
  /** Each thread's checks that kernels flag and its next read reports (see DeferredChecks). */
  private final ThreadLocal<DeferredChecks> deferred = ThreadLocal.withInitial(DeferredChecks::new);
  private final java.util.concurrent.atomic.LongAdder launches =
      new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder downloads =
      new java.util.concurrent.atomic.LongAdder();
  /** The step graph the calling thread records, or whose replay's host actions it runs. */
  private final ThreadLocal<StepGraph> activeGraph = new ThreadLocal<>();
  /** Storages allocated while a step graph recorded, and that graph: see {@link #free}. */
  private final Map<GpuStorage, StepGraph> graphOwned = new IdentityHashMap<>();
  /** Step graphs recorded on this backend and not closed: while 0, frees skip the map. */
  private volatile int openGraphs;

  private static volatile String matmulPrecision = initialPrecision();

  private static String initialPrecision() {
    String p = System.getProperty("ember.gpu.matmulPrecision");
    if (p != null) {
      return checkPrecision(p.trim(), "ember.gpu.matmulPrecision");
    }
    return Boolean.getBoolean("ember.gpu.allowTf32") ? "high" : "highest";
  }

  private static String checkPrecision(String precision, String what) {
    if (!precision.equals("highest") && !precision.equals("high")
        && !precision.equals("medium")) {
      throw new IllegalArgumentException(what + " must be highest, high or medium, got '"
          + precision + "'");
    }
    return precision;
  }

  /**
   * The internal precision of float32 matrix products, as PyTorch's {@code
   * torch.set_float32_matmul_precision}: {@code "highest"} (float32, the default), {@code
   * "high"} (TF32 tensor cores: inputs rounded to 10-bit mantissas) or {@code "medium"}
   * (bfloat16 tensor cores: inputs rounded to 7-bit mantissas); products accumulate in float32
   * either way, at several times float32's throughput. Devices without tensor cores (OpenCL,
   * CUDA before compute capability 8.0) compute in float32 whatever this says. The system
   * property {@code ember.gpu.matmulPrecision} sets the start value ({@code ember.gpu.allowTf32=
   * true} means {@code "high"}). Each device checks a tensor-core kernel against its float32
   * kernels before its first product, and refuses it with an exception naming the difference if
   * they disagree.
   *
   * @throws IllegalArgumentException for another value
   */
  public static void setFloat32MatmulPrecision(String precision) {
    matmulPrecision = checkPrecision(precision, "the float32 matmul precision");
  }

  /** The float32 matmul precision (see {@link #setFloat32MatmulPrecision}). */
  public static String float32MatmulPrecision() {
    return matmulPrecision;
  }

  /**
   * PyTorch's {@code torch.backends.cuda.matmul.allow_tf32}: true sets the {@linkplain
   * #setFloat32MatmulPrecision float32 matmul precision} to {@code "high"}, false to {@code
   * "highest"}.
   */
  public static void setAllowTf32(boolean allow) {
    matmulPrecision = allow ? "high" : "highest";
  }

  /** Whether float32 matrix products may round their inputs (a precision other than highest). */
  public static boolean allowTf32() {
    return !matmulPrecision.equals("highest");
  }

  /** The backend of {@code runtime}'s device. */
  public GpuBackend(GpuRuntime runtime) {
    this.runtime = runtime;
    this.allocator = new CachingAllocator(runtime);
    this.local = Math.min(256, runtime.maxLocalSize());
  }

  @Override
  public Device device() {
    return runtime.device();
  }

  /** The runtime this backend launches on. */
  public GpuRuntime runtime() {
    return runtime;
  }

  /** The device's caching allocator (memory statistics, {@code emptyCache}). */
  public CachingAllocator allocator() {
    return allocator;
  }

  // --- memory ---------------------------------------------------------------------------------

  /**
   * {@code -Dember.gpu.poison=true}: every new storage is filled with garbage (NaN for floats,
   * 0x7EADBEEF patterns for integers, true for bools) before it is handed out, so that a kernel
   * that reads memory nobody wrote gives visibly wrong results instead of the zeros a fresh
   * buffer happens to hold (a debugging switch, like CUDA's memcheck initialization checks; it
   * adds a launch per allocation).
   */
  private static volatile boolean poison = Boolean.getBoolean("ember.gpu.poison");

  /** Turns {@code ember.gpu.poison} on or off in this JVM (for its test). */
  static void setPoison(boolean on) {
    poison = on;
  }

  @Override
  public Storage allocate(DType dtype, int size) {
    CachingAllocator.Block b = allocator.allocate(dtype, size);
    GpuStorage s = new GpuStorage(this, dtype, b, size);
    if (poison && size > 0 && activeGraph.get() == null) {
      poison(s); // not while a step graph records: every replay would refill the storage
    }
    StepGraph g = activeGraph.get();
    if (g != null && !g.rebinding()) {
      synchronized (graphOwned) {
        graphOwned.put(s, g);
        g.owned.add(s);
      }
    }
    return s;
  }

  private void poison(GpuStorage s) {
    int n = s.size();
    Object[] v = switch (s.dtype()) {
      case FLOAT32 -> new Object[] {Float.NaN};
      case FLOAT64 -> new Object[] {Double.NaN};
      case INT64 -> new Object[] {0x7EADBEEF, 0x7EADBEEF};
      case INT32 -> new Object[] {0x7EADBEEF};
      case BOOL -> new Object[] {1};
    };
    Object[] args = new Object[5 + v.length];
    args[0] = s.slab();
    args[1] = s.offset();
    args[2] = n;
    System.arraycopy(v, 0, args, 3, v.length);
    args[3 + v.length] = new int[] {1, n, 1};
    args[4 + v.length] = 1;
    launch("copy", "fill_" + suffix(s.dtype()), n, args);
  }

  /**
   * Returns a storage's memory to the allocator, unless a step graph recorded its allocation and
   * is not closed: its replays write that memory, which then waits for the graph's close.
   */
  @Override
  public void free(Storage storage) {
    GpuStorage s = (GpuStorage) storage;
    if (openGraphs > 0) {
      synchronized (graphOwned) {
        StepGraph g = graphOwned.get(s);
        if (g != null && g.isOpen()) {
          g.released.add(s);
          return;
        }
        graphOwned.remove(s);
      }
    }
    freeBlock(s);
  }

  private void freeBlock(GpuStorage s) {
    allocator.free(s.block());
  }

  /** Starts recording {@code g} on the calling thread (StepGraph.capture). */
  void startRecording(StepGraph g) {
    if (activeGraph.get() != null) {
      throw new IllegalStateException("this thread is recording a step graph on " + device()
          + " already");
    }
    // The thread's check words exist before the recording: made inside it, their zeroing would
    // be recorded and would clear an unreported flag at every replay.
    deferred.get().ensureWords(this);
    deferred.get().recordInto(g.checks);
    synchronized (graphOwned) {
      openGraphs++;
    }
    activeGraph.set(g);
  }

  /** Runs a replay's host actions on the calling thread (StepGraph.replay): see StepGraph. */
  void startRebinding(StepGraph g) {
    if (activeGraph.get() != null) {
      throw new IllegalStateException("this thread is recording a step graph on " + device()
          + "; a replay must wait for its end");
    }
    activeGraph.set(g);
  }

  /** The step graph the calling thread records or rebinds, or null. */
  StepGraph stepGraph() {
    return activeGraph.get();
  }

  @Override
  public boolean recordingStepGraph() {
    StepGraph g = activeGraph.get();
    return g != null && !g.rebinding();
  }

  @Override
  public void onReplay(Runnable action) {
    StepGraph g = activeGraph.get();
    if (g == null || g.rebinding()) {
      throw new IllegalStateException("this thread is not recording a step graph on "
          + device());
    }
    g.onReplay(action);
  }

  /** Stops the calling thread's recording (or rebinding) of {@code g}. */
  void stopRecording(StepGraph g) {
    if (activeGraph.get() == g) {
      activeGraph.remove();
      deferred.get().recordInto(null);
    }
  }

  /**
   * A closed graph's memory: what was released returns to the allocator; the rest is its tensors'
   * again, freed when they are.
   */
  void releaseGraph(StepGraph g) {
    List<GpuStorage> free = new ArrayList<>();
    synchronized (graphOwned) {
      for (GpuStorage s : g.owned) {
        graphOwned.remove(s);
        if (g.released.contains(s)) {
          free.add(s);
        }
      }
      g.owned.clear();
      g.released.clear();
      openGraphs--;
    }
    free.forEach(this::freeBlock);
  }

  /** The calling thread's deferred checks. */
  DeferredChecks deferredChecks() {
    return deferred.get();
  }

  /** Counts one launch (a step graph's replay). */
  void countLaunch() {
    launches.increment();
  }

  @Override
  public Storage upload(Object array, DType dtype) {
    Object host = switch (dtype) {
      case FLOAT32 -> array instanceof float[] ? array : null;
      case FLOAT64 -> array instanceof double[] ? array : null;
      case INT64 -> array instanceof long[] ? array : null;
      case INT32 -> array instanceof int[] ? array : null;
      case BOOL -> array instanceof boolean[] a ? HostArrays.toBytes(a) : null;
    };
    if (host == null) {
      throw new IllegalArgumentException("upload of " + dtype + " to " + device()
          + " takes the Java array of that dtype, got "
          + (array == null ? "null" : array.getClass().getSimpleName()));
    }
    StepGraph g = activeGraph.get();
    if (g != null && !g.rebinding()) {
      throw g.transfer("an upload from the host");
    }
    int n = java.lang.reflect.Array.getLength(host);
    GpuStorage s = (GpuStorage) allocate(dtype, n);
    runtime.write(s.slab(), s.offset(), host, 0, n);
    return s;
  }

  @Override
  public Object download(Tensor src) {
    StepGraph g = activeGraph.get();
    if (g != null && !g.rebinding()) {
      throw g.transfer("a read back to the host (of " + src.describe() + ")");
    }
    downloads.increment();
    deferred.get().report(this);
    int n = src.numel();
    DType dtype = src.dtype();
    Object out = newArray(dtype, n);
    if (src.isContiguous()) {
      runtime.read(slab(src), offset(src), out, 0, n);
    } else {
      try (var scope = Tensor.scope()) {
        Tensor dense = Tensor.empty(dtype, device(), src.shape());
        copy(dense, src);
        runtime.read(slab(dense), offset(dense), out, 0, n);
      }
    }
    if (dtype == DType.BOOL) {
      return HostArrays.toBooleans((byte[]) out, n);
    }
    return out;
  }

  @Override
  public void fill(Tensor dst, double value) {
    int n = dst.numel();
    if (n == 0) {
      return;
    }
    // Scalars travel as int, float or double (the kernels' ABI): a long as (lo, hi) ints.
    Object[] v = switch (dst.dtype()) {
      case FLOAT32 -> new Object[] {(float) value};
      case FLOAT64 -> new Object[] {value};
      case INT64 -> new Object[] {(int) (long) value, (int) ((long) value >>> 32)};
      case INT32 -> new Object[] {(int) value};
      case BOOL -> new Object[] {value != 0 ? 1 : 0};
    };
    Object[] args = new Object[5 + v.length];
    args[0] = slab(dst);
    args[1] = offset(dst);
    args[2] = n;
    System.arraycopy(v, 0, args, 3, v.length);
    args[3 + v.length] = meta(dst);
    args[4 + v.length] = dst.isContiguous() ? 1 : 0;
    launch("copy", "fill_" + suffix(dst.dtype()), n, args);
  }

  @Override
  public void copy(Tensor dst, Tensor src) {
    int n = dst.numel();
    if (n == 0) {
      return;
    }
    launch("copy", "copy_" + suffix(src.dtype()) + "_" + suffix(dst.dtype()), n,
        slab(dst), offset(dst), slab(src), offset(src), n, meta(dst, src),
        contiguous(dst, src) ? 1 : 0);
  }

  // --- the op families ------------------------------------------------------------------------

  @Override
  public void unary(UnaryOp op, Tensor dst, Tensor src, double p0, double p1) {
    GpuElementwise.unary(this, op, dst, src, p0, p1);
  }

  @Override
  public void binary(BinaryOp op, Tensor dst, Tensor a, Tensor b) {
    GpuElementwise.binary(this, op, dst, a, b);
  }

  /**
   * One launch of {@code relu_grad_colsum}, a work item per column looping over the rows, for up
   * to {@link #COLSUM_MAX_ROWS} rows (a batch); longer columns take the default's two launches,
   * which spread the rows over the device.
   */
  @Override
  public void reluGradColumnSums(Tensor gz, Tensor sums, Tensor g, Tensor y) {
    int[] s = g.shape();
    if (s.length != 2 || !java.util.Arrays.equals(s, y.shape())
        || !java.util.Arrays.equals(s, gz.shape()) || sums.dim() != 1 || sums.size(0) != s[1]
        || !g.dtype().isFloatingPoint() || y.dtype() != g.dtype() || gz.dtype() != g.dtype()
        || sums.dtype() != g.dtype() || !gz.isContiguous() || !sums.isContiguous()) {
      throw new IllegalArgumentException("reluGradColumnSums needs 2-D float g and y of one shape,"
          + " a contiguous gz of it and contiguous sums of its columns, got gz " + gz.describe()
          + ", sums " + sums.describe() + ", g " + g.describe() + ", y " + y.describe());
    }
    if (s[0] > COLSUM_MAX_ROWS || s[1] == 0) {
      Backend.super.reluGradColumnSums(gz, sums, g, y);
      return;
    }
    int[] gs = g.stride();
    int[] ys = y.stride();
    launch("elementwise", "relu_grad_colsum_" + suffix(g.dtype()), s[1], slab(gz), offset(gz),
        slab(sums), offset(sums), slab(g), offset(g), gs[0], gs[1], slab(y), offset(y), ys[0],
        ys[1], s[0], s[1]);
  }

  @Override
  public void where(Tensor dst, Tensor cond, Tensor a, Tensor b) {
    GpuElementwise.where(this, dst, cond, a, b);
  }

  @Override
  public void reduce(ReduceOp op, Tensor dst, Tensor src, int[] dims) {
    GpuReduce.reduce(this, op, dst, src, dims);
  }

  @Override
  public void scan(ReduceOp op, Tensor dst, Tensor src, int dim) {
    GpuReduce.scan(this, op, dst, src, dim);
  }

  @Override
  public void softmax(Tensor dst, Tensor src, int dim, boolean log) {
    GpuReduce.softmax(this, dst, src, dim, log);
  }

  @Override
  public void matmul(Tensor dst, Tensor a, Tensor bm, double alpha, double beta) {
    GpuMatmul.matmul(this, dst, a, bm, alpha, beta);
  }

  @Override
  public void matmulAdd(Tensor dst, Tensor a, Tensor bm, Tensor addend, double alpha,
      double beta) {
    GpuMatmul.matmulAdd(this, dst, a, bm, addend, alpha, beta, null);
  }

  @Override
  public void matmulAddActivation(Tensor dst, Tensor a, Tensor bm, Tensor addend, double alpha,
      double beta, UnaryOp act) {
    Backend.checkEpilogue(dst, act);
    GpuMatmul.matmulAdd(this, dst, a, bm, addend, alpha, beta, act);
  }

  @Override
  public void matmulPair(Tensor dst1, Tensor a1, Tensor b1, Tensor dst2, Tensor a2,
      Tensor b2) {
    GpuMatmul.matmulPair(this, dst1, a1, b1, dst2, a2, b2);
  }

  @Override
  public void nllRows(Tensor loss, Tensor logp, Tensor target, int ignoreIndex) {
    GpuIndex.nllRows(this, loss, logp, target, ignoreIndex);
  }

  @Override
  public void nllMean(Tensor mean, Tensor count, Tensor logp, Tensor target, int ignoreIndex,
      String what) {
    OperandChecks.nllMean(mean.shape(), mean.dtype(), count.shape(), count.dtype(),
        logp.shape(), logp.dtype(), target.shape(), target.dtype());
    if (runtime.maxLocalSize() < 256) {
      throw unsupported("nllMean", "the kernel needs work groups of 256, the device allows "
          + runtime.maxLocalSize());
    }
    DeferredChecks d = deferred.get();
    int id = d.expect(this, what, logp.shape()[1]);
    int[] ps = logp.stride();
    launchGroups("index", "nll_mean_" + suffix(logp.dtype()), 1, 256, slab(mean), offset(mean),
        slab(count), offset(count), slab(logp), offset(logp), ps[0], ps[1], slab(target),
        offset(target), target.stride()[0], logp.shape()[0], logp.shape()[1], ignoreIndex,
        d.words.slab(), d.words.offset(), id);
  }

  /** Logits up to this many elements take the one-launch {@code ce_mean} (one work group). */
  static final int CE_MEAN_MAX_ELEMENTS = 1 << 16;

  @Override
  public void logSoftmaxNllMean(Tensor logp, Tensor mean, Tensor count, Tensor logits,
      Tensor target, int ignoreIndex, String what) {
    int[] shape = logits.shape();
    if (shape.length != 2 || (long) shape[0] * shape[1] > CE_MEAN_MAX_ELEMENTS
        || shape[1] == 0 || runtime.maxLocalSize() < 256) {
      Backend.super.logSoftmaxNllMean(logp, mean, count, logits, target, ignoreIndex, what);
      return;
    }
    OperandChecks.nllMean(mean.shape(), mean.dtype(), count.shape(), count.dtype(),
        logp.shape(), logp.dtype(), target.shape(), target.dtype());
    if (logits.dtype() != logp.dtype() || !java.util.Arrays.equals(shape, logp.shape())) {
      throw new IllegalArgumentException("logSoftmaxNllMean needs logp of the logits' shape and"
          + " dtype, got " + logp.describe() + " for " + logits.describe());
    }
    DeferredChecks d = deferred.get();
    int id = d.expect(this, what, shape[1]);
    int[] ps = logp.stride();
    int[] xs = logits.stride();
    launchGroups("index", "ce_mean_" + suffix(logp.dtype()), 1, 256, slab(mean), offset(mean),
        slab(count), offset(count), slab(logp), offset(logp), ps[0], ps[1], slab(logits),
        offset(logits), xs[0], xs[1], slab(target), offset(target), target.stride()[0],
        shape[0], shape[1], ignoreIndex, d.words.slab(), d.words.offset(), id);
  }

  @Override
  public void crossEntropyBackward(Tensor grad, Tensor logp, Tensor target, Tensor scale,
      int ignoreIndex) {
    GpuIndex.crossEntropyBackward(this, grad, logp, target, scale, null, ignoreIndex);
  }

  @Override
  public void crossEntropyMeanBackward(Tensor grad, Tensor logp, Tensor target, Tensor g,
      Tensor count, int ignoreIndex) {
    if (g.dim() != 0 || count.dim() != 0 || count.dtype() != logp.dtype()) {
      throw new IllegalArgumentException("crossEntropyMeanBackward needs 0-d g and count of "
          + logp.dtype() + ", got " + g.describe() + " and " + count.describe());
    }
    GpuIndex.crossEntropyBackward(this, grad, logp, target,
        g.expand(logp.shape()[0]), count, ignoreIndex);
  }

  @Override
  public void gather(Tensor dst, Tensor src, int dim, Tensor index) {
    GpuIndex.gather(this, dst, src, dim, index);
  }

  @Override
  public void scatter(Tensor dst, int dim, Tensor index, Tensor src, boolean accumulate) {
    GpuIndex.scatter(this, dst, dim, index, src, accumulate);
  }

  @Override
  public void maskedSelect(Tensor dst, Tensor src, Tensor mask) {
    GpuIndex.maskedSelect(this, dst, src, mask);
  }

  @Override
  public void random(RandomOp op, Tensor dst, long seed, long offset, double a, double b) {
    GpuRandom.random(this, op, dst, seed, offset, a, b);
  }

  @Override
  public void optimizerUpdate(
      OptimizerUpdate kind, Tensor param, Tensor grad, Tensor[] state, double[] hyper) {
    GpuOptim.update(this, kind, param, grad, state, hyper);
  }

  @Override
  public void optimizerUpdates(OptimizerUpdate kind, java.util.List<Tensor> params,
      java.util.List<Tensor> grads, java.util.List<Tensor[]> states, double[] hyper) {
    GpuOptim.updateAll(this, kind, params, grads, states, hyper);
  }

  @Override
  public void im2col(Tensor dst, Tensor src, int[] stride, int[] padding, int[] dilation) {
    GpuConv.im2col(this, dst, src, stride, padding, dilation);
  }

  @Override
  public void col2im(Tensor dst, Tensor src, int[] stride, int[] padding, int[] dilation) {
    GpuConv.col2im(this, dst, src, stride, padding, dilation);
  }

  @Override
  public void maxPool2d(Tensor dst, Tensor indices, Tensor src, int[] kernel, int[] stride,
      int[] padding, int[] dilation) {
    GpuConv.maxPool2d(this, dst, indices, src, kernel, stride, padding, dilation);
  }

  @Override
  public void maxPool2dBackward(Tensor dst, Tensor grad, Tensor indices) {
    GpuConv.maxPool2dBackward(this, dst, grad, indices, true);
  }

  /**
   * One int32 word on the device for kernels whose error flag nobody reads because their
   * operands cannot be wrong (see {@link GpuConv#maxPool2dBackward}); allocated once, persistent.
   */
  Tensor unreadFlag() {
    synchronized (this) {
      if (unreadFlag == null) {
        unreadFlag = Tensor.empty(DType.INT32, device(), 1).persist();
      }
      return unreadFlag;
    }
  }

  @Override
  public void maxPool2dBackwardOwnIndices(Tensor dst, Tensor grad, Tensor indices) {
    GpuConv.maxPool2dBackward(this, dst, grad, indices, false);
  }

  @Override
  public void lstmCell(Tensor gates, Tensor cPrev, Tensor h, Tensor c) {
    GpuRecurrent.lstmCell(this, gates, cPrev, h, c);
  }

  @Override
  public void lstmCellBackward(
      Tensor act, Tensor cPrev, Tensor c, Tensor dh, Tensor dc, Tensor dGates, Tensor dcPrev) {
    GpuRecurrent.lstmCellBackward(this, act, cPrev, c, dh, dc, dGates, dcPrev);
  }

  /** One launch for hidden sizes up to {@link GpuRecurrent#SEQUENCE_MAX_HIDDEN}, else per step. */
  @Override
  public void lstmRecurrence(Tensor gates, Tensor whh, Tensor h0, Tensor c0, Tensor hs,
      Tensor cs, Tensor cN, boolean reverse) {
    if (GpuRecurrent.persistent(whh)) {
      GpuRecurrent.lstmRecurrence(this, gates, whh, h0, c0, hs, cs, cN, reverse);
    } else {
      Backend.super.lstmRecurrence(gates, whh, h0, c0, hs, cs, cN, reverse);
    }
  }

  /** One launch for hidden sizes up to {@link GpuRecurrent#SEQUENCE_MAX_HIDDEN}, else per step. */
  @Override
  public void lstmRecurrenceBackward(Tensor act, Tensor cs, Tensor c0, Tensor whh,
      Tensor gradOut, Tensor dcN, Tensor dh, Tensor dc, Tensor dGates, boolean needDh0,
      boolean reverse) {
    if (GpuRecurrent.persistent(whh)) {
      GpuRecurrent.lstmRecurrenceBackward(this, act, cs, c0, whh, gradOut, dcN, dh, dc, dGates,
          needDh0, reverse);
    } else {
      Backend.super.lstmRecurrenceBackward(act, cs, c0, whh, gradOut, dcN, dh, dc, dGates,
          needDh0, reverse);
    }
  }

  /** One launch for hidden sizes up to {@link GpuRecurrent#SEQUENCE_MAX_HIDDEN}, else per step. */
  @Override
  public void gruRecurrence(Tensor xg, Tensor whh, Tensor bhh, Tensor h0, Tensor hs,
      Tensor saved, boolean reverse) {
    if (GpuRecurrent.persistent(whh)) {
      GpuRecurrent.gruRecurrence(this, xg, whh, bhh, h0, hs, saved, reverse);
    } else {
      Backend.super.gruRecurrence(xg, whh, bhh, h0, hs, saved, reverse);
    }
  }

  /** One launch for hidden sizes up to {@link GpuRecurrent#SEQUENCE_MAX_HIDDEN}, else per step. */
  @Override
  public void gruRecurrenceBackward(Tensor saved, Tensor hs, Tensor h0, Tensor whh,
      Tensor gradOut, Tensor dh, Tensor dXg, Tensor dHg, boolean needDh0, boolean reverse) {
    if (GpuRecurrent.persistent(whh)) {
      GpuRecurrent.gruRecurrenceBackward(this, saved, hs, h0, whh, gradOut, dh, dXg, dHg,
          needDh0, reverse);
    } else {
      Backend.super.gruRecurrenceBackward(saved, hs, h0, whh, gradOut, dh, dXg, dHg, needDh0,
          reverse);
    }
  }

  /** One launch for hidden sizes up to {@link GpuRecurrent#SEQUENCE_MAX_HIDDEN}, else per step. */
  @Override
  public void rnnRecurrence(Tensor pre, Tensor whh, Tensor h0, Tensor hs, boolean relu,
      boolean reverse) {
    if (GpuRecurrent.persistent(whh)) {
      GpuRecurrent.rnnRecurrence(this, pre, whh, h0, hs, relu, reverse);
    } else {
      Backend.super.rnnRecurrence(pre, whh, h0, hs, relu, reverse);
    }
  }

  /** One launch for hidden sizes up to {@link GpuRecurrent#SEQUENCE_MAX_HIDDEN}, else per step. */
  @Override
  public void rnnRecurrenceBackward(Tensor hs, Tensor whh, Tensor gradOut, Tensor dh, Tensor dG,
      boolean relu, boolean needDh0, boolean reverse) {
    if (GpuRecurrent.persistent(whh)) {
      GpuRecurrent.rnnRecurrenceBackward(this, hs, whh, gradOut, dh, dG, relu, needDh0, reverse);
    } else {
      Backend.super.rnnRecurrenceBackward(hs, whh, gradOut, dh, dG, relu, needDh0, reverse);
    }
  }

  @Override
  public void gruCell(Tensor xg, Tensor hg, Tensor hPrev, Tensor h, Tensor saved) {
    GpuRecurrent.gruCell(this, xg, hg, hPrev, h, saved);
  }

  @Override
  public void gruCellBackward(
      Tensor saved, Tensor hPrev, Tensor dh, Tensor dxg, Tensor dhg, Tensor dhPrev) {
    GpuRecurrent.gruCellBackward(this, saved, hPrev, dh, dxg, dhg, dhPrev);
  }

  // --- helpers for the op families ------------------------------------------------------------

  /**
   * Launches a 1-D kernel over {@code n} work items (at least one group), in groups of the
   * backend's local size.
   */
  public void launch(String family, String kernel, int n, Object... args) {
    int groups = Math.max(1, (int) (((long) n + local - 1) / local));
    launchGroups(family, kernel, groups, local, args);
  }

  /** Launches a 1-D kernel as {@code groups} groups of {@code groupSize} work items. */
  public void launchGroups(String family, String kernel, int groups, int groupSize,
      Object... args) {
    StepGraph g = activeGraph.get();
    if (g != null) {
      g.record(family, kernel, groups * groupSize, groupSize, args);
    }
    launches.increment();
    runtime.launch(family, kernel, groups * groupSize, groupSize, args);
  }

  /**
   * The reads back to the host so far on this device: each waits for every kernel queued before
   * it, so a training step should have few.
   */
  public long downloadCount() {
    return downloads.sum();
  }

  /** The kernel launches so far on this device (the launch-economy figure counts them). */
  public long launchCount() {
    return launches.sum();
  }

  /** The local (work-group / block) size of 1-D launches: at most 256. */
  public int localSize() {
    return local;
  }

  /** The buffer holding a tensor on this backend. */
  public Slab slab(Tensor t) {
    return storage(t).slab();
  }

  /** The element offset of a tensor's element 0 in its {@link #slab}. */
  public int offset(Tensor t) {
    return storage(t).offset() + t.storageOffset();
  }

  private GpuStorage storage(Tensor t) {
    if (!(t.storage() instanceof GpuStorage s) || s.backend() != this) {
      throw new IllegalArgumentException("tensor " + t.describe() + " is not on " + device());
    }
    return s;
  }

  /** The kernel-name suffix of a dtype: f32, f64, i64, i32, b8. */
  public static String suffix(DType dtype) {
    return switch (dtype) {
      case FLOAT32 -> "f32";
      case FLOAT64 -> "f64";
      case INT64 -> "i64";
      case INT32 -> "i32";
      case BOOL -> "b8";
    };
  }

  /**
   * The shape and strides of tensors of one shape, as kernels read them with {@code
   * ember_offset}: {@code [nd, shape[nd], strides of tensors[0][nd], strides of tensors[1][nd],
   * ...]} (a 0-d tensor is one element: nd 1, shape [1], strides [0]).
   */
  public static int[] meta(Tensor... tensors) {
    int[] shape = tensors[0].shape();
    int nd = Math.max(1, shape.length);
    int[] m = new int[1 + nd * (1 + tensors.length)];
    m[0] = nd;
    for (int d = 0; d < nd; d++) {
      m[1 + d] = shape.length == 0 ? 1 : shape[d];
    }
    for (int k = 0; k < tensors.length; k++) {
      int[] st = tensors[k].stride();
      for (int d = 0; d < nd; d++) {
        m[1 + nd * (1 + k) + d] = st.length == 0 ? 0 : st[d];
      }
    }
    return m;
  }

  /** Whether every tensor is contiguous (then kernels index linearly). */
  public static boolean contiguous(Tensor... tensors) {
    for (Tensor t : tensors) {
      if (!t.isContiguous()) {
        return false;
      }
    }
    return true;
  }

  /**
   * An exception for a primitive this backend cannot run (never a silent fallback to the CPU).
   */
  public UnsupportedOperationException unsupported(String primitive, String why) {
    return new UnsupportedOperationException(
        primitive + " cannot run on " + device() + ": " + why);
  }

  static Object newArray(DType dtype, int n) {
    return switch (dtype) {
      case FLOAT32 -> new float[n];
      case FLOAT64 -> new double[n];
      case INT64 -> new long[n];
      case INT32 -> new int[n];
      case BOOL -> new byte[n];
    };
  }
}
