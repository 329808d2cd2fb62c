package dev.ember.backend.cpu;

import dev.ember.tensor.DType;
import java.util.Arrays;

/**
 * The strided iteration engine of the CPU backend: every elementwise primitive is a contiguous
 * kernel per compute type ({@link CType}) run by {@link #map}.
 *
 * <p>{@link #map} builds a {@link Plan} over the common shape (size-1 dims dropped, neighbouring
 * dims merged where every operand is contiguous across them) and splits it over {@link
 * Parallel#forRange}. Long inner runs are walked as 1-D segments: when every operand has unit
 * stride, the compute type as its storage type and the same offset, the kernel runs on the
 * storage arrays themselves; otherwise all operands go through per-thread tiles of {@link #TILE}
 * elements at offset 0 (loaded with their stride and a cast, the output stored back the same
 * way). Kernels index every array with the same expression because that is the only loop shape
 * that C2 (JDK 17) vectorizes. Short inner runs (such as {@code [N, 3] + [3]}) and transposed
 * operands are moved in two-dimensional blocks of rows instead, so that the kernel still runs on
 * full tiles and a transposed operand is read along its cache lines.
 */
final class CpuLoops {
  /** Elements per tile: small enough for L1, large enough to amortize a kernel call. */
  static final int TILE = 512;
  /** Parallel grain (elements per thread at least) for memory-bound elementwise kernels. */
  static final int GRAIN = 32 * 1024;
  /** Parallel grain for kernels that call a transcendental function per element. */
  static final int GRAIN_HEAVY = 4 * 1024;
  /** Inner runs at least this long are processed segment by segment, shorter ones in blocks. */
  private static final int MIN_RUN = 128;
  private static final int MAX_OPERANDS = 4;
  /**
   * Columns per block when long rows are moved in blocks (transposes): with {@code TILE / 32 = 16}
   * rows, a transposed float32 operand is read a whole cache line at a time.
   */
  private static final int BLOCK_COLUMNS = 32;

  private CpuLoops() {}

  /**
   * The type a kernel computes in: the storage array it reads and writes directly, and the type
   * of the tiles other dtypes are converted to.
   */
  enum CType {
    /** {@code float[]}, for float32. */
    F32,
    /** {@code double[]}, for float64. */
    F64,
    /** {@code long[]}, for int64 and (widened) int32 and bool arithmetic. */
    I64,
    /** {@code byte[]} of 0/1, for bool; loading any dtype into it means {@code x != 0}. */
    BOOL;

    /** The arithmetic compute type of a dtype: integers and bool compute in int64. */
    static CType arith(DType dtype) {
      return switch (dtype) {
        case FLOAT32 -> F32;
        case FLOAT64 -> F64;
        case INT64, INT32, BOOL -> I64;
      };
    }

    /** The compute type whose array type is the storage array of {@code dtype} (none for int32). */
    static CType storage(DType dtype) {
      return switch (dtype) {
        case FLOAT32 -> F32;
        case FLOAT64 -> F64;
        case INT64 -> I64;
        case BOOL -> BOOL;
        case INT32 -> null;
      };
    }

    /** The compute type a copy into {@code dtype} converts through. */
    static CType of(DType dtype) {
      return dtype == DType.BOOL ? BOOL : arith(dtype);
    }

    Object newArray(int n) {
      return switch (this) {
        case F32 -> new float[n];
        case F64 -> new double[n];
        case I64 -> new long[n];
        case BOOL -> new byte[n];
      };
    }
  }

  /**
   * A strided view of a storage array: element {@code (i_0, ..., i_k)} is at {@code offset + sum
   * i_d * strides[d]}. The shape and stride arrays are shared, never modified.
   */
  record View(Object array, DType dtype, int offset, int[] shape, int[] strides) {
    int numel() {
      int n = 1;
      for (int s : shape) {
        n *= s;
      }
      return n;
    }

    int dim() {
      return shape.length;
    }

    /** Whether the elements are laid out row-major without gaps (from the offset). */
    boolean isContiguous() {
      int expected = 1;
      for (int d = shape.length - 1; d >= 0; d--) {
        if (shape[d] != 1 && strides[d] != expected) {
          return false;
        }
        expected *= shape[d];
      }
      return true;
    }

    /** A new zero-filled contiguous view of {@code dtype} with this shape. */
    static View allocate(DType dtype, int[] shape) {
      int n = 1;
      for (int s : shape) {
        n *= s;
      }
      return new View(CpuStorage.newArray(dtype, n), dtype, 0, shape.clone(),
          contiguousStrides(shape));
    }
  }

  static int[] contiguousStrides(int[] shape) {
    int[] strides = new int[shape.length];
    int s = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      strides[d] = s;
      s *= Math.max(shape[d], 1);
    }
    return strides;
  }

  /**
   * A kernel over contiguous runs: {@code arrays[0]} is the output, the others the inputs, each of
   * its operand's compute type; it processes {@code n} elements from {@code offsets[op]} of each.
   * Unless it {@linkplain #anyOffsets() says otherwise}, the offsets are all equal.
   */
  @FunctionalInterface
  interface Kernel {
    void run(Object[] arrays, int[] offsets, int n);

    /**
     * Whether the kernel takes operands at different offsets. The typed kernels do not: C2 (as of
     * JDK 17) vectorizes a loop only when every array in it is indexed by the same expression.
     */
    default boolean anyOffsets() {
      return false;
    }
  }

  /** A kernel with no input: writes {@code y[lo .. hi)}. */
  @FunctionalInterface
  interface Fn0<Y> {
    void run(Y y, int lo, int hi);
  }

  /** A kernel of one input: {@code y[i] = f(x[i])} for {@code lo <= i < hi}. */
  @FunctionalInterface
  interface Fn1<X, Y> {
    void run(X x, Y y, int lo, int hi);
  }

  /** A kernel of two inputs: {@code y[i] = f(a[i], b[i])} for {@code lo <= i < hi}. */
  @FunctionalInterface
  interface Fn2<A, B, Y> {
    void run(A a, B b, Y y, int lo, int hi);
  }

  /** A kernel of three inputs: {@code y[i] = f(c[i], a[i], b[i])} for {@code lo <= i < hi}. */
  @FunctionalInterface
  interface Fn3<C, A, B, Y> {
    void run(C c, A a, B b, Y y, int lo, int hi);
  }

  static <Y> Kernel kernel(Class<Y> y, Fn0<Y> f) {
    return (r, o, n) -> f.run(y.cast(r[0]), o[0], o[0] + n);
  }

  static <X, Y> Kernel kernel(Class<X> x, Class<Y> y, Fn1<X, Y> f) {
    return (r, o, n) -> f.run(x.cast(r[1]), y.cast(r[0]), o[0], o[0] + n);
  }

  static <A, B, Y> Kernel kernel(Class<A> a, Class<B> b, Class<Y> y, Fn2<A, B, Y> f) {
    return (r, o, n) -> f.run(a.cast(r[1]), b.cast(r[2]), y.cast(r[0]), o[0], o[0] + n);
  }

  static <C, A, B, Y> Kernel kernel(Class<C> c, Class<A> a, Class<B> b, Class<Y> y,
      Fn3<C, A, B, Y> f) {
    return (r, o, n) -> f.run(c.cast(r[1]), a.cast(r[2]), b.cast(r[3]), y.cast(r[0]), o[0],
        o[0] + n);
  }

  // ---------------------------------------------------------------------------------------------
  // Plans and segments

  /**
   * An iteration plan: the common shape with size-1 dims dropped and mergeable dims merged, and
   * each operand's strides and offset. Row-major order over the plan is row-major order over the
   * original shape. A plan always has at least one dim.
   */
  static final class Plan {
    final int[] shape;
    /** {@code strides[op][d]}. */
    final int[][] strides;
    final int[] offsets;
    final int numel;

    private Plan(int[] shape, int[][] strides, int[] offsets, int numel) {
      this.shape = shape;
      this.strides = strides;
      this.offsets = offsets;
      this.numel = numel;
    }

    int ndim() {
      return shape.length;
    }

    /** The length of the innermost dim: the longest run a segment can have. */
    int inner() {
      return shape[shape.length - 1];
    }

    int innerStride(int op) {
      return strides[op][shape.length - 1];
    }

    /**
     * Builds the plan of operands that share {@code shape}; {@code strides[op]} and {@code
     * offsets[op]} describe operand {@code op}.
     */
    static Plan of(int[] shape, int[][] strides, int[] offsets) {
      int nops = strides.length;
      int numel = 1;
      for (int s : shape) {
        numel *= s;
      }
      int[] dims = new int[shape.length];
      int[][] st = new int[nops][shape.length];
      int nd = 0;
      for (int d = 0; d < shape.length; d++) {
        if (shape[d] == 1) {
          continue;
        }
        if (nd > 0 && mergeable(st, nd - 1, strides, d, shape[d])) {
          dims[nd - 1] *= shape[d];
          for (int op = 0; op < nops; op++) {
            st[op][nd - 1] = strides[op][d];
          }
          continue;
        }
        dims[nd] = shape[d];
        for (int op = 0; op < nops; op++) {
          st[op][nd] = strides[op][d];
        }
        nd++;
      }
      if (nd == 0) {
        // A single element (or a 0-d tensor): one dim of size 1.
        return new Plan(new int[] {1}, new int[nops][1], offsets.clone(), numel);
      }
      int[][] strideOut = new int[nops][];
      for (int op = 0; op < nops; op++) {
        strideOut[op] = Arrays.copyOf(st[op], nd);
      }
      return new Plan(Arrays.copyOf(dims, nd), strideOut, offsets.clone(), numel);
    }

    private static boolean mergeable(int[][] st, int outer, int[][] strides, int d, int size) {
      for (int op = 0; op < st.length; op++) {
        if (st[op][outer] != strides[op][d] * size) {
          return false;
        }
      }
      return true;
    }

    /** The plan of views that share a shape (the first view's). */
    static Plan of(View... views) {
      int[][] strides = new int[views.length][];
      int[] offsets = new int[views.length];
      for (int i = 0; i < views.length; i++) {
        strides[i] = views[i].strides();
        offsets[i] = views[i].offset();
      }
      return of(views[0].shape(), strides, offsets);
    }
  }

  /** Receives the 1-D segments of a walk. */
  @FunctionalInterface
  interface Segments {
    /**
     * A run of {@code n} elements starting at row-major position {@code pos}; {@code base[op]} is
     * operand op's offset of the first element (read only; the inner strides are the plan's).
     */
    void segment(int pos, int[] base, int n);
  }

  /** Walks positions {@code [start, end)} of a plan as segments along its innermost dim. */
  static void walk(Plan p, int start, int end, Segments body) {
    int nd = p.ndim();
    int last = nd - 1;
    int nops = p.offsets.length;
    int[] idx = new int[nd];
    int rem = start;
    for (int d = last; d >= 0; d--) {
      idx[d] = rem % p.shape[d];
      rem /= p.shape[d];
    }
    int[] base = p.offsets.clone();
    for (int op = 0; op < nops; op++) {
      for (int d = 0; d < nd; d++) {
        base[op] += idx[d] * p.strides[op][d];
      }
    }
    int pos = start;
    while (pos < end) {
      int n = Math.min(p.shape[last] - idx[last], end - pos);
      body.segment(pos, base, n);
      pos += n;
      if (pos >= end) {
        break;
      }
      idx[last] += n;
      for (int op = 0; op < nops; op++) {
        base[op] += n * p.strides[op][last];
      }
      for (int d = last; d > 0 && idx[d] == p.shape[d]; d--) {
        idx[d] = 0;
        idx[d - 1]++;
        for (int op = 0; op < nops; op++) {
          base[op] += p.strides[op][d - 1] - p.shape[d] * p.strides[op][d];
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Elementwise map

  /** Per-thread tiles, taken out of the thread-local while in use so reentrancy stays safe. */
  private static final class Scratch {
    final Object[][] tiles = new Object[CType.values().length][MAX_OPERANDS];
    final Object[] arrays = new Object[MAX_OPERANDS];
    final int[] offsets = new int[MAX_OPERANDS];

    Object tile(CType t, int op) {
      Object a = tiles[t.ordinal()][op];
      if (a == null) {
        a = t.newArray(TILE);
        tiles[t.ordinal()][op] = a;
      }
      return a;
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = new ThreadLocal<>();

  private static Scratch takeScratch() {
    Scratch s = SCRATCH.get();
    if (s == null) {
      return new Scratch();
    }
    SCRATCH.set(null);
    return s;
  }

  /**
   * Runs {@code kernel} over every element: {@code views[0]} is the output (written in compute
   * type {@code types[0]}), the others inputs of the same shape (read in {@code types[i]}).
   */
  static void map(Kernel kernel, int grain, View[] views, CType[] types) {
    Plan p = Plan.of(views);
    if (p.numel == 0) {
      return;
    }
    boolean rows = p.ndim() > 1 && (p.inner() < MIN_RUN || transposed(p));
    // Short inner runs and transposes go by blocks of rows, split by whole rows; long runs are
    // split by elements.
    int work = rows ? p.numel / p.inner() : p.numel;
    Parallel.forRange(work, rows ? Math.max(1, grain / p.inner()) : grain, (s, e) -> {
      Scratch scratch = takeScratch();
      try {
        MapTask task = new MapTask(p, views, types, kernel, scratch);
        if (rows) {
          task.rows(s, e);
        } else {
          walk(p, s, e, task);
        }
      } finally {
        SCRATCH.set(scratch);
      }
    });
  }

  /**
   * Whether an operand runs across the inner dim with a large stride but along the next one
   * with a smaller one (a transpose), so that blocks of rows use its cache lines better.
   */
  private static boolean transposed(Plan p) {
    int nd = p.ndim();
    for (int op = 0; op < p.offsets.length; op++) {
      int inner = Math.abs(p.strides[op][nd - 1]);
      if (inner > 1 && Math.abs(p.strides[op][nd - 2]) < inner) {
        return true;
      }
    }
    return false;
  }

  /** One thread's share of a {@link #map}. */
  private static final class MapTask implements Segments {
    private final Plan plan;
    private final View[] views;
    private final CType[] types;
    private final Kernel kernel;
    private final Scratch scratch;
    private final int nops;
    private final boolean allDirect;

    MapTask(Plan plan, View[] views, CType[] types, Kernel kernel, Scratch scratch) {
      this.plan = plan;
      this.views = views;
      this.types = types;
      this.kernel = kernel;
      this.scratch = scratch;
      this.nops = views.length;
      boolean all = true;
      for (int op = 0; op < nops; op++) {
        all &= plan.innerStride(op) == 1 && CType.storage(views[op].dtype()) == types[op];
      }
      this.allDirect = all;
    }

    /** A long run: straight on the storage arrays when they line up, else through tiles. */
    @Override
    public void segment(int pos, int[] base, int n) {
      if (allDirect && (kernel.anyOffsets() || sameOffsets(base))) {
        Object[] arrays = scratch.arrays;
        int[] offsets = scratch.offsets;
        for (int op = 0; op < nops; op++) {
          arrays[op] = views[op].array();
          offsets[op] = base[op];
        }
        kernel.run(arrays, offsets, n);
      } else {
        tiled(base, n);
      }
    }

    private boolean sameOffsets(int[] base) {
      for (int op = 1; op < nops; op++) {
        if (base[op] != base[0]) {
          return false;
        }
      }
      return true;
    }

    /**
     * One long run through tiles: every operand is loaded into a tile at offset 0 (a plain copy
     * where it is contiguous), so that the kernel indexes all arrays alike.
     */
    private void tiled(int[] base, int n) {
      Object[] arrays = scratch.arrays;
      int[] offsets = scratch.offsets;
      Arrays.fill(offsets, 0);
      for (int done = 0; done < n; done += TILE) {
        int t = Math.min(TILE, n - done);
        for (int op = 0; op < nops; op++) {
          View v = views[op];
          int stride = plan.innerStride(op);
          Object tile = scratch.tile(types[op], op);
          arrays[op] = tile;
          if (op > 0) {
            load(v.array(), v.dtype(), base[op] + done * stride, stride, tile, types[op], 0, t);
          }
        }
        kernel.run(arrays, offsets, t);
        int stride = plan.innerStride(0);
        store(arrays[0], types[0], 0, views[0].array(), views[0].dtype(), base[0] + done * stride,
            stride, t);
      }
    }

    /**
     * Rows {@code [start, end)} of the plan, by tiles of whole short rows, or of blocks of
     * {@link #BLOCK_COLUMNS} columns of several long rows, moved by two-level loops; the kernel
     * still runs on (nearly) full tiles.
     */
    void rows(int start, int end) {
      int nd = plan.ndim();
      int cols = plan.inner();
      int[][] outerStrides = new int[nops][];
      for (int op = 0; op < nops; op++) {
        outerStrides[op] = Arrays.copyOf(plan.strides[op], nd - 1);
      }
      Plan outer = Plan.of(Arrays.copyOf(plan.shape, nd - 1), outerStrides, plan.offsets);
      int block = Math.min(cols, BLOCK_COLUMNS);
      int perTile = TILE / block;
      Object[] arrays = scratch.arrays;
      int[] offsets = scratch.offsets;
      walk(outer, start, end, (pos, base, m) -> {
        Arrays.fill(offsets, 0);
        for (int r = 0; r < m; r += perTile) {
          int k = Math.min(perTile, m - r);
          for (int c = 0; c < cols; c += block) {
            int w = Math.min(block, cols - c);
            for (int op = 0; op < nops; op++) {
              arrays[op] = scratch.tile(types[op], op);
              if (op > 0) {
                int rs = outer.innerStride(op);
                int cs = plan.innerStride(op);
                gather2d(views[op], base[op] + r * rs + c * cs, rs, cs, k, w, arrays[op],
                    types[op]);
              }
            }
            kernel.run(arrays, offsets, k * w);
            int rs = outer.innerStride(0);
            int cs = plan.innerStride(0);
            scatter2d(arrays[0], types[0], views[0], base[0] + r * rs + c * cs, rs, cs, k, w);
          }
        }
      });
    }
  }

  /**
   * Loads {@code rows x cols} elements {@code src[off + r * rs + c * cs]} into {@code tile[r * cols
   * + c]}: one loop nest, innermost along src's smaller stride, where src's storage already has
   * the tile's type, else row by row through {@link #load}.
   */
  static void gather2d(View src, int off, int rs, int cs, int rows, int cols, Object tile,
      CType type) {
    if (rs == cols * cs) {
      // The rows follow each other: one strided run.
      load(src.array(), src.dtype(), off, cs, tile, type, 0, rows * cols);
      return;
    }
    if (rs == 0) {
      // The same row broadcast: load it once, then double the filled part until it is done.
      load(src.array(), src.dtype(), off, cs, tile, type, 0, cols);
      int total = rows * cols;
      for (int filled = cols; filled < total; filled *= 2) {
        System.arraycopy(tile, 0, tile, filled, Math.min(filled, total - filled));
      }
      return;
    }
    if (CType.storage(src.dtype()) != type) {
      for (int r = 0; r < rows; r++) {
        load(src.array(), src.dtype(), off + r * rs, cs, tile, type, r * cols, cols);
      }
      return;
    }
    switch (type) {
      case F32 -> {
        float[] s = (float[]) src.array();
        float[] t = (float[]) tile;
        if (Math.abs(rs) < Math.abs(cs)) {
          for (int c = 0; c < cols; c++) {
            for (int r = 0, b = off + c * cs; r < rows; r++) {
              t[r * cols + c] = s[b + r * rs];
            }
          }
        } else {
          for (int r = 0; r < rows; r++) {
            for (int c = 0, b = off + r * rs, at = r * cols; c < cols; c++) {
              t[at + c] = s[b + c * cs];
            }
          }
        }
      }
      case F64 -> {
        double[] s = (double[]) src.array();
        double[] t = (double[]) tile;
        if (Math.abs(rs) < Math.abs(cs)) {
          for (int c = 0; c < cols; c++) {
            for (int r = 0, b = off + c * cs; r < rows; r++) {
              t[r * cols + c] = s[b + r * rs];
            }
          }
        } else {
          for (int r = 0; r < rows; r++) {
            for (int c = 0, b = off + r * rs, at = r * cols; c < cols; c++) {
              t[at + c] = s[b + c * cs];
            }
          }
        }
      }
      case I64 -> {
        long[] s = (long[]) src.array();
        long[] t = (long[]) tile;
        if (Math.abs(rs) < Math.abs(cs)) {
          for (int c = 0; c < cols; c++) {
            for (int r = 0, b = off + c * cs; r < rows; r++) {
              t[r * cols + c] = s[b + r * rs];
            }
          }
        } else {
          for (int r = 0; r < rows; r++) {
            for (int c = 0, b = off + r * rs, at = r * cols; c < cols; c++) {
              t[at + c] = s[b + c * cs];
            }
          }
        }
      }
      case BOOL -> {
        byte[] s = (byte[]) src.array();
        byte[] t = (byte[]) tile;
        if (Math.abs(rs) < Math.abs(cs)) {
          for (int c = 0; c < cols; c++) {
            for (int r = 0, b = off + c * cs; r < rows; r++) {
              t[r * cols + c] = s[b + r * rs];
            }
          }
        } else {
          for (int r = 0; r < rows; r++) {
            for (int c = 0, b = off + r * rs, at = r * cols; c < cols; c++) {
              t[at + c] = s[b + c * cs];
            }
          }
        }
      }
    }
  }

  /** The inverse of {@link #gather2d}: stores the tile into {@code dst}. */
  static void scatter2d(Object tile, CType type, View dst, int off, int rs, int cs,
      int rows, int cols) {
    if (rs == cols * cs) {
      store(tile, type, 0, dst.array(), dst.dtype(), off, cs, rows * cols);
      return;
    }
    if (CType.storage(dst.dtype()) != type) {
      for (int r = 0; r < rows; r++) {
        store(tile, type, r * cols, dst.array(), dst.dtype(), off + r * rs, cs, cols);
      }
      return;
    }
    switch (type) {
      case F32 -> {
        float[] d = (float[]) dst.array();
        float[] t = (float[]) tile;
        if (Math.abs(rs) < Math.abs(cs)) {
          for (int c = 0; c < cols; c++) {
            for (int r = 0, b = off + c * cs; r < rows; r++) {
              d[b + r * rs] = t[r * cols + c];
            }
          }
        } else {
          for (int r = 0; r < rows; r++) {
            for (int c = 0, b = off + r * rs, at = r * cols; c < cols; c++) {
              d[b + c * cs] = t[at + c];
            }
          }
        }
      }
      case F64 -> {
        double[] d = (double[]) dst.array();
        double[] t = (double[]) tile;
        if (Math.abs(rs) < Math.abs(cs)) {
          for (int c = 0; c < cols; c++) {
            for (int r = 0, b = off + c * cs; r < rows; r++) {
              d[b + r * rs] = t[r * cols + c];
            }
          }
        } else {
          for (int r = 0; r < rows; r++) {
            for (int c = 0, b = off + r * rs, at = r * cols; c < cols; c++) {
              d[b + c * cs] = t[at + c];
            }
          }
        }
      }
      case I64 -> {
        long[] d = (long[]) dst.array();
        long[] t = (long[]) tile;
        if (Math.abs(rs) < Math.abs(cs)) {
          for (int c = 0; c < cols; c++) {
            for (int r = 0, b = off + c * cs; r < rows; r++) {
              d[b + r * rs] = t[r * cols + c];
            }
          }
        } else {
          for (int r = 0; r < rows; r++) {
            for (int c = 0, b = off + r * rs, at = r * cols; c < cols; c++) {
              d[b + c * cs] = t[at + c];
            }
          }
        }
      }
      case BOOL -> {
        byte[] d = (byte[]) dst.array();
        byte[] t = (byte[]) tile;
        if (Math.abs(rs) < Math.abs(cs)) {
          for (int c = 0; c < cols; c++) {
            for (int r = 0, b = off + c * cs; r < rows; r++) {
              d[b + r * rs] = t[r * cols + c];
            }
          }
        } else {
          for (int r = 0; r < rows; r++) {
            for (int c = 0, b = off + r * rs, at = r * cols; c < cols; c++) {
              d[b + c * cs] = t[at + c];
            }
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Loads and stores with a cast

  /**
   * Loads {@code n} elements of a storage array ({@code src[off + i * stride]}, of {@code
   * srcType}) into {@code tile[at + i]} of compute type {@code type}, converting as a copy does:
   * floating point to integer truncates toward zero, anything to bool is {@code x != 0}.
   */
  static void load(Object src, DType srcType, int off, int stride, Object tile, CType type, int at,
      int n) {
    switch (type) {
      case F32 -> loadF32(src, srcType, off, stride, (float[]) tile, at, n);
      case F64 -> loadF64(src, srcType, off, stride, (double[]) tile, at, n);
      case I64 -> loadI64(src, srcType, off, stride, (long[]) tile, at, n);
      case BOOL -> loadBool(src, srcType, off, stride, (byte[]) tile, at, n);
    }
  }

  private static void loadF32(Object src, DType st, int off, int stride, float[] t, int at,
      int n) {
    switch (st) {
      case FLOAT32 -> {
        float[] s = (float[]) src;
        if (stride == 1) {
          System.arraycopy(s, off, t, at, n);
        } else if (stride == 0) {
          Arrays.fill(t, at, at + n, s[off]);
        } else {
          for (int i = 0; i < n; i++) {
            t[at + i] = s[off + i * stride];
          }
        }
      }
      case FLOAT64 -> {
        double[] s = (double[]) src;
        for (int i = 0; i < n; i++) {
          t[at + i] = (float) s[off + i * stride];
        }
      }
      case INT64 -> {
        long[] s = (long[]) src;
        for (int i = 0; i < n; i++) {
          t[at + i] = s[off + i * stride];
        }
      }
      case INT32 -> {
        int[] s = (int[]) src;
        for (int i = 0; i < n; i++) {
          t[at + i] = s[off + i * stride];
        }
      }
      case BOOL -> {
        byte[] s = (byte[]) src;
        for (int i = 0; i < n; i++) {
          t[at + i] = s[off + i * stride];
        }
      }
    }
  }

  private static void loadF64(Object src, DType st, int off, int stride, double[] t, int at,
      int n) {
    switch (st) {
      case FLOAT32 -> {
        float[] s = (float[]) src;
        for (int i = 0; i < n; i++) {
          t[at + i] = s[off + i * stride];
        }
      }
      case FLOAT64 -> {
        double[] s = (double[]) src;
        if (stride == 1) {
          System.arraycopy(s, off, t, at, n);
        } else if (stride == 0) {
          Arrays.fill(t, at, at + n, s[off]);
        } else {
          for (int i = 0; i < n; i++) {
            t[at + i] = s[off + i * stride];
          }
        }
      }
      case INT64 -> {
        long[] s = (long[]) src;
        for (int i = 0; i < n; i++) {
          t[at + i] = s[off + i * stride];
        }
      }
      case INT32 -> {
        int[] s = (int[]) src;
        for (int i = 0; i < n; i++) {
          t[at + i] = s[off + i * stride];
        }
      }
      case BOOL -> {
        byte[] s = (byte[]) src;
        for (int i = 0; i < n; i++) {
          t[at + i] = s[off + i * stride];
        }
      }
    }
  }

  private static void loadI64(Object src, DType st, int off, int stride, long[] t, int at,
      int n) {
    switch (st) {
      case FLOAT32 -> {
        float[] s = (float[]) src;
        for (int i = 0; i < n; i++) {
          t[at + i] = (long) s[off + i * stride];
        }
      }
      case FLOAT64 -> {
        double[] s = (double[]) src;
        for (int i = 0; i < n; i++) {
          t[at + i] = (long) s[off + i * stride];
        }
      }
      case INT64 -> {
        long[] s = (long[]) src;
        if (stride == 1) {
          System.arraycopy(s, off, t, at, n);
        } else if (stride == 0) {
          Arrays.fill(t, at, at + n, s[off]);
        } else {
          for (int i = 0; i < n; i++) {
            t[at + i] = s[off + i * stride];
          }
        }
      }
      case INT32 -> {
        int[] s = (int[]) src;
        for (int i = 0; i < n; i++) {
          t[at + i] = s[off + i * stride];
        }
      }
      case BOOL -> {
        byte[] s = (byte[]) src;
        for (int i = 0; i < n; i++) {
          t[at + i] = s[off + i * stride];
        }
      }
    }
  }

  private static void loadBool(Object src, DType st, int off, int stride, byte[] t, int at,
      int n) {
    switch (st) {
      case FLOAT32 -> {
        float[] s = (float[]) src;
        for (int i = 0; i < n; i++) {
          t[at + i] = s[off + i * stride] != 0 ? (byte) 1 : 0;
        }
      }
      case FLOAT64 -> {
        double[] s = (double[]) src;
        for (int i = 0; i < n; i++) {
          t[at + i] = s[off + i * stride] != 0 ? (byte) 1 : 0;
        }
      }
      case INT64 -> {
        long[] s = (long[]) src;
        for (int i = 0; i < n; i++) {
          t[at + i] = s[off + i * stride] != 0 ? (byte) 1 : 0;
        }
      }
      case INT32 -> {
        int[] s = (int[]) src;
        for (int i = 0; i < n; i++) {
          t[at + i] = s[off + i * stride] != 0 ? (byte) 1 : 0;
        }
      }
      case BOOL -> {
        byte[] s = (byte[]) src;
        if (stride == 1) {
          System.arraycopy(s, off, t, at, n);
        } else {
          for (int i = 0; i < n; i++) {
            t[at + i] = s[off + i * stride];
          }
        }
      }
    }
  }

  /**
   * Stores {@code tile[at .. at+n)} of compute type {@code type} into {@code dst[off + i *
   * stride]} of {@code dstType}, with a cast (to bool: {@code x != 0}).
   */
  static void store(Object tile, CType type, int at, Object dst, DType dstType, int off,
      int stride, int n) {
    switch (type) {
      case F32 -> storeF32((float[]) tile, at, dst, dstType, off, stride, n);
      case F64 -> storeF64((double[]) tile, at, dst, dstType, off, stride, n);
      case I64 -> storeI64((long[]) tile, at, dst, dstType, off, stride, n);
      case BOOL -> storeBool((byte[]) tile, at, dst, dstType, off, stride, n);
    }
  }

  private static void storeF32(float[] t, int at, Object dst, DType dt, int off, int stride,
      int n) {
    switch (dt) {
      case FLOAT32 -> {
        float[] d = (float[]) dst;
        if (stride == 1) {
          System.arraycopy(t, at, d, off, n);
        } else {
          for (int i = 0; i < n; i++) {
            d[off + i * stride] = t[at + i];
          }
        }
      }
      case FLOAT64 -> {
        double[] d = (double[]) dst;
        for (int i = 0; i < n; i++) {
          d[off + i * stride] = t[at + i];
        }
      }
      case INT64 -> {
        long[] d = (long[]) dst;
        for (int i = 0; i < n; i++) {
          d[off + i * stride] = (long) t[at + i];
        }
      }
      case INT32 -> {
        int[] d = (int[]) dst;
        for (int i = 0; i < n; i++) {
          d[off + i * stride] = (int) t[at + i];
        }
      }
      case BOOL -> {
        byte[] d = (byte[]) dst;
        for (int i = 0; i < n; i++) {
          d[off + i * stride] = t[at + i] != 0 ? (byte) 1 : 0;
        }
      }
    }
  }

  private static void storeF64(double[] t, int at, Object dst, DType dt, int off, int stride,
      int n) {
    switch (dt) {
      case FLOAT32 -> {
        float[] d = (float[]) dst;
        for (int i = 0; i < n; i++) {
          d[off + i * stride] = (float) t[at + i];
        }
      }
      case FLOAT64 -> {
        double[] d = (double[]) dst;
        if (stride == 1) {
          System.arraycopy(t, at, d, off, n);
        } else {
          for (int i = 0; i < n; i++) {
            d[off + i * stride] = t[at + i];
          }
        }
      }
      case INT64 -> {
        long[] d = (long[]) dst;
        for (int i = 0; i < n; i++) {
          d[off + i * stride] = (long) t[at + i];
        }
      }
      case INT32 -> {
        int[] d = (int[]) dst;
        for (int i = 0; i < n; i++) {
          d[off + i * stride] = (int) t[at + i];
        }
      }
      case BOOL -> {
        byte[] d = (byte[]) dst;
        for (int i = 0; i < n; i++) {
          d[off + i * stride] = t[at + i] != 0 ? (byte) 1 : 0;
        }
      }
    }
  }

  private static void storeI64(long[] t, int at, Object dst, DType dt, int off, int stride,
      int n) {
    switch (dt) {
      case FLOAT32 -> {
        float[] d = (float[]) dst;
        for (int i = 0; i < n; i++) {
          d[off + i * stride] = t[at + i];
        }
      }
      case FLOAT64 -> {
        double[] d = (double[]) dst;
        for (int i = 0; i < n; i++) {
          d[off + i * stride] = t[at + i];
        }
      }
      case INT64 -> {
        long[] d = (long[]) dst;
        if (stride == 1) {
          System.arraycopy(t, at, d, off, n);
        } else {
          for (int i = 0; i < n; i++) {
            d[off + i * stride] = t[at + i];
          }
        }
      }
      case INT32 -> {
        int[] d = (int[]) dst;
        for (int i = 0; i < n; i++) {
          d[off + i * stride] = (int) t[at + i];
        }
      }
      case BOOL -> {
        byte[] d = (byte[]) dst;
        for (int i = 0; i < n; i++) {
          d[off + i * stride] = t[at + i] != 0 ? (byte) 1 : 0;
        }
      }
    }
  }

  private static void storeBool(byte[] t, int at, Object dst, DType dt, int off, int stride,
      int n) {
    switch (dt) {
      case FLOAT32 -> {
        float[] d = (float[]) dst;
        for (int i = 0; i < n; i++) {
          d[off + i * stride] = t[at + i];
        }
      }
      case FLOAT64 -> {
        double[] d = (double[]) dst;
        for (int i = 0; i < n; i++) {
          d[off + i * stride] = t[at + i];
        }
      }
      case INT64 -> {
        long[] d = (long[]) dst;
        for (int i = 0; i < n; i++) {
          d[off + i * stride] = t[at + i];
        }
      }
      case INT32 -> {
        int[] d = (int[]) dst;
        for (int i = 0; i < n; i++) {
          d[off + i * stride] = t[at + i];
        }
      }
      case BOOL -> {
        byte[] d = (byte[]) dst;
        if (stride == 1) {
          System.arraycopy(t, at, d, off, n);
        } else {
          for (int i = 0; i < n; i++) {
            d[off + i * stride] = t[at + i];
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Single elements

  /** Element {@code off} of a storage array as a double (bool: 0 or 1). */
  static double getDouble(Object array, DType dtype, int off) {
    return switch (dtype) {
      case FLOAT32 -> ((float[]) array)[off];
      case FLOAT64 -> ((double[]) array)[off];
      case INT64 -> ((long[]) array)[off];
      case INT32 -> ((int[]) array)[off];
      case BOOL -> ((byte[]) array)[off];
    };
  }

  /** Writes a double into element {@code off} of a storage array, with a cast. */
  static void setDouble(Object array, DType dtype, int off, double v) {
    switch (dtype) {
      case FLOAT32 -> ((float[]) array)[off] = (float) v;
      case FLOAT64 -> ((double[]) array)[off] = v;
      case INT64 -> ((long[]) array)[off] = (long) v;
      case INT32 -> ((int[]) array)[off] = (int) v;
      case BOOL -> ((byte[]) array)[off] = v != 0 ? (byte) 1 : 0;
    }
  }

  /** Writes a long into element {@code off} of a storage array, with a cast. */
  static void setLong(Object array, DType dtype, int off, long v) {
    switch (dtype) {
      case FLOAT32 -> ((float[]) array)[off] = v;
      case FLOAT64 -> ((double[]) array)[off] = v;
      case INT64 -> ((long[]) array)[off] = v;
      case INT32 -> ((int[]) array)[off] = (int) v;
      case BOOL -> ((byte[]) array)[off] = v != 0 ? (byte) 1 : 0;
    }
  }
}
