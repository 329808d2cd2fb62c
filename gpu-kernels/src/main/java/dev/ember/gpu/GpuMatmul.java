package dev.ember.gpu;

import dev.ember.backend.OperandChecks;
import dev.ember.backend.ReduceOp;
import dev.ember.backend.UnaryOp;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Batched GEMM on the tiled kernels of {@code matmul.c}: a work group of 256 work items computes
 * a 64 x 64 tile of the product (4 x 4 outputs per work item); for float32 products with enough
 * 128 x 128 tiles to fill a large GPU, such a tile (8 x 8 each); for products too small to fill
 * 64 x 64 tiles, a 16 x 16 tile (one output each). The operands keep their strides (transposed
 * views and broadcast batches are read in place); the host picks, per operand, the order in which
 * the group loads a tile so that neighbouring work items read neighbouring addresses. The system
 * property {@code ember.gpu.matmul.tile} (1, 4 or 8; 8 applies to float32 only) fixes the tile
 * edge / 16 for every product, for measuring the kernels against each other.
 *
 * <p>With a {@linkplain GpuBackend#setFloat32MatmulPrecision float32 matmul precision} of
 * "high" (TF32) or "medium" (bfloat16) on a device that has tensor cores, float32 products run on
 * {@code matmul_tc.cu}'s {@code mm_tf32} or {@code mm_bf16} instead (64 x 64 tiles, 128
 * threads), after a check of that kernel on that device against the float32 kernels ({@link
 * #tensorCoreCheck}).
 */
final class GpuMatmul {
  /** The work-group size the kernels are written for. */
  private static final int GROUP = 256;

  /**
   * Products with at least this many 128 x 128 tiles take them. On the H100 (132
   * multiprocessors; benchmarks/results/gpu-2026-11-23-h100-2-gemm-pool/gemm-tiles.jsonl) 2048^2,
   * 4096^2 and 8192^2 ran about 1.5x faster in them (26.5-27.0 against 17.5-18.2 TFLOP/s) than in
   * 64 x 64 tiles; 1024^2, with 64 of them, ran slower (10.5 against 16.6): too few to fill it.
   */
  static final int MIN_TILES_8 = 256;

  /** The kernels' K chunk (EMBER_MM_TK). */
  private static final int EMBER_TK = 16;

  /** The groups a K split aims at (the H100 has 132 multiprocessors). */
  static final int SPLIT_GROUPS = 128;

  /** The shortest K slice of a split product. */
  static final int MIN_SLICE = 256;

  /** The tensor-core kernels' block: 4 warps. */
  private static final int TC_GROUP = 128;

  /** A tensor-core kernel on a backend. */
  private record TcKernel(GpuBackend backend, String kernel) {}

  /** Per backend and kernel: "" once it agreed with the float32 kernels, else why not. */
  private static final Map<TcKernel, String> TC_CHECKS = new ConcurrentHashMap<>();

  /** {@code ember.gpu.matmul.tile}: 0 (chosen per product), or 1, 4, 8. */
  private static final int FORCED_TILE = forcedTile(System.getProperty("ember.gpu.matmul.tile"));

  private GpuMatmul() {}

  static void matmul(GpuBackend b, Tensor dst, Tensor x, Tensor y, double alpha, double beta) {
    check(dst, x, y);
    launch(b, dst, x, y, null, alpha, beta, 0, -1, null);
  }

  /**
   * Backend.matmulAdd (and, with an activation {@code act}, matmulAddActivation, float types
   * only; null for none): for float types one launch of the mma kernels, which read the beta
   * term from the addend as each tile is stored (and apply the activation); integer types copy
   * the addend into dst first.
   */
  static void matmulAdd(GpuBackend b, Tensor dst, Tensor x, Tensor y, Tensor addend,
      double alpha, double beta, UnaryOp act) {
    check(dst, x, y);
    OperandChecks.addend(dst.shape(), dst.dtype(), addend.shape(), addend.dtype());
    if (beta == 0 || addend == dst) {
      launch(b, dst, x, y, null, alpha, beta, 0, -1, act);
    } else if (dst.dtype().isFloatingPoint()) {
      launch(b, dst, x, y, addend, alpha, beta, 0, -1, act);
    } else {
      b.copy(dst, addend);
      launch(b, dst, x, y, null, alpha, beta, 0, -1, null);
    }
  }

  /** The GEMM with K split as {@link #kSplit} chooses, no activation. */
  static void launch(GpuBackend b, Tensor dst, Tensor x, Tensor y, Tensor addend,
      double alpha, double beta, int tile) {
    launch(b, dst, x, y, addend, alpha, beta, tile, -1, null);
  }

  /**
   * One GEMM on checked operands; with {@code addend} (float types only) the beta term reads it.
   * {@code tile} is the tile edge / 16 (1, 4, or 8 for float32), or 0 to choose. {@code split}
   * is the number of K slices (see {@link #kSplit}; at most 1: none), or -1 to choose: a split
   * product is one launch of partial products into a scratch tensor and one sum of them into dst.
   * {@code act} (float types; null for none) is the activation applied as each value is stored
   * (see {@link #actCode}).
   */
  static void launch(GpuBackend b, Tensor dst, Tensor x, Tensor y, Tensor addend,
      double alpha, double beta, int tile, int split, UnaryOp act) {
    int[] as = x.shape();
    int batches = as[0];
    int m = as[1];
    int k = as[2];
    int n = y.shape()[2];
    if (batches == 0 || m == 0 || n == 0) {
      return;
    }
    if (b.runtime().maxLocalSize() < GROUP) {
      throw b.unsupported("matmul", "the kernels need work groups of " + GROUP + ", the device"
          + " allows " + b.runtime().maxLocalSize());
    }
    DType dtype = dst.dtype();
    boolean integer = !dtype.isFloatingPoint();
    // As the CPU backend: a zero alpha (or K) reads neither operand, dst becomes beta * dst.
    long ia = (long) alpha;
    boolean noProduct = k == 0 || (integer ? ia == 0 : alpha == 0);
    String tc = tile == 0 && FORCED_TILE == 0 ? tensorCoreKernel(b, dtype) : null;
    int r = tc != null ? 4 : tile != 0 ? tile : chosenTile(dtype, batches, m, n);
    if (r == 8 && dtype != DType.FLOAT32) {
      throw new IllegalArgumentException("128 x 128 GEMM tiles are float32 only, not " + dtype);
    }
    int ts = 16 * r;
    int tm = (m + ts - 1) / ts;
    int tn = (n + ts - 1) / ts;
    int slices = split >= 0 ? split
        : addend == null && beta == 0 && !noProduct ? kSplit(dtype, batches, tm * tn, k) : 0;
    if (slices > 1) {
      if (batches != 1 || addend != null || beta != 0 || integer || noProduct) {
        throw new IllegalArgumentException(
            "a K split needs one float product with nonzero alpha and K, and beta 0");
      }
      // Slices of whole 16-chunks; the last one may be shorter.
      int ks = ((k + slices - 1) / slices + EMBER_TK - 1) / EMBER_TK * EMBER_TK;
      slices = (k + ks - 1) / ks;
      try (var scope = Tensor.scope()) {
        Tensor parts = Tensor.empty(dtype, b.device(), slices, m, n);
        issue(b, parts, x, y, null, alpha, 0, r, tm, tn, slices, k, ks, null, tc);
        b.reduce(ReduceOp.SUM, dst, parts, new int[] {0});
      }
      if (act != null) {
        b.unary(act, dst, dst, 0, 0);
      }
      return;
    }
    // The tensor-core kernels apply a ReLU only: another activation is its own pass there.
    boolean after = tc != null && act != null && act != UnaryOp.RELU;
    issue(b, dst, x, y, addend, alpha, beta, r, tm, tn, batches, noProduct ? 0 : k, 0,
        after ? null : act, tc);
    if (after) {
      b.unary(act, dst, dst, 0, 0);
    }
  }

  /**
   * matmul.c's code (meta[21]) for the activation {@code act} of the epilogue: 0 for none (null),
   * 1 ReLU, 2 GELU, 3 GELU with the tanh approximation, 4 SiLU.
   *
   * @throws IllegalArgumentException for another activation
   */
  static int actCode(UnaryOp act) {
    if (act == null) {
      return 0;
    }
    return switch (act) {
      case RELU -> 1;
      case GELU -> 2;
      case GELU_TANH -> 3;
      case SILU -> 4;
      default -> throw new IllegalArgumentException("no GEMM epilogue for " + act);
    };
  }

  /**
   * The tensor-core kernel that products of {@code dtype} on {@code b} run on ({@code mm_tf32} or
   * {@code mm_bf16}, as the float32 matmul precision says), or null for the tiled kernels.
   */
  static String tensorCoreKernel(GpuBackend b, DType dtype) {
    if (dtype != DType.FLOAT32 || !b.runtime().supportsTensorCores()) {
      return null;
    }
    return switch (GpuBackend.float32MatmulPrecision()) {
      case "high" -> "mm_tf32";
      case "medium" -> "mm_bf16";
      default -> null;
    };
  }

  /**
   * The kernel launch: {@code groups} = batches x tm x tn groups; with {@code ksplit} > 0 the
   * "batches" are K slices of that length of one product, written to dst's batches.
   */
  private static void issue(GpuBackend b, Tensor dst, Tensor x, Tensor y, Tensor addend,
      double alpha, double beta, int r, int tm, int tn, int batches, int k, int ksplit,
      UnaryOp act, String tc) {
    DType dtype = dst.dtype();
    long ia = (long) alpha;
    long groups = (long) batches * tm * tn;
    if (groups * GROUP > Integer.MAX_VALUE) {
      throw b.unsupported("matmul", "a product of " + groups + " tiles exceeds one launch");
    }
    int[] meta = meta(dst, x, y, addend, batches, k, tm, tn, ksplit, act);
    if (tc != null) {
      checkTensorCores(b, tc);
      Tensor d = addend == null ? dst : addend;
      b.launchGroups("matmul_tc", tc, (int) groups, TC_GROUP, b.slab(dst),
          b.offset(dst), b.slab(x), b.offset(x), b.slab(y), b.offset(y), meta, (float) alpha,
          (float) beta, b.slab(d), b.offset(d), addend == null ? 0 : 1);
      return;
    }
    String kernel = (addend == null ? "mm" : "mma") + r + "_" + GpuBackend.suffix(dtype);
    Object[] args;
    switch (dtype) {
      case FLOAT32 -> args = new Object[] {(float) alpha, (float) beta};
      case FLOAT64 -> args = new Object[] {alpha, beta};
      case INT64, INT32 -> {
        long ib = (long) beta;
        args = new Object[] {(int) ia, (int) (ia >>> 32), (int) ib, (int) (ib >>> 32)};
      }
      default -> throw new IllegalStateException(dtype.name());
    }
    if (addend != null) {
      args = new Object[] {args[0], args[1], b.slab(addend), b.offset(addend)};
    }
    Object[] all = new Object[7 + args.length];
    all[0] = b.slab(dst);
    all[1] = b.offset(dst);
    all[2] = b.slab(x);
    all[3] = b.offset(x);
    all[4] = b.slab(y);
    all[5] = b.offset(y);
    all[6] = meta;
    System.arraycopy(args, 0, all, 7, args.length);
    b.launchGroups("matmul", kernel, (int) groups, GROUP, all);
  }

  /** The kernels' meta (see matmul.c) for one product, {@link #META} ints. */
  private static int[] meta(Tensor dst, Tensor x, Tensor y, Tensor addend, int batches, int k,
      int tm, int tn, int ksplit, UnaryOp act) {
    int[] sa = x.stride();
    int[] sb = y.stride();
    int[] sc = dst.stride();
    int[] sd = addend == null ? new int[3] : addend.stride();
    return new int[] {
      batches, x.shape()[1], y.shape()[2], k,
      batchStride(x), sa[1], sa[2],
      batchStride(y), sb[1], sb[2],
      batchStride(dst), sc[1], sc[2],
      tm, tn,
      Math.abs(sa[2]) <= Math.abs(sa[1]) ? 1 : 0,
      Math.abs(sb[2]) <= Math.abs(sb[1]) ? 1 : 0,
      addend == null ? 0 : batchStride(addend), sd[1], sd[2],
      ksplit, actCode(act),
    };
  }

  /** The ints of one product's meta. */
  private static final int META = 22;

  /**
   * Backend.matmulPair: {@code dst1 = x1 @ y1} and {@code dst2 = x2 @ y2} in one launch of the
   * mmp kernels when both are float products that need no K split, at the smaller of the two
   * tiles they would each take; otherwise two launches, each as {@link #matmul}.
   */
  static void matmulPair(GpuBackend b, Tensor dst1, Tensor x1, Tensor y1, Tensor dst2,
      Tensor x2, Tensor y2) {
    check(dst1, x1, y1);
    check(dst2, x2, y2);
    if (dst1.dtype() != dst2.dtype()) {
      throw new IllegalArgumentException("matmulPair needs two products of one dtype, got "
          + dst1.dtype() + " and " + dst2.dtype());
    }
    DType dtype = dst1.dtype();
    int r1 = pairTile(dtype, x1, y1);
    int r2 = pairTile(dtype, x2, y2);
    // Apart (as matmul runs them): integer or tensor-core products, one split along K, or an
    // empty one (only the other then launches).
    if (!dtype.isFloatingPoint() || r1 <= 0 || r2 <= 0 || b.runtime().maxLocalSize() < GROUP
        || FORCED_TILE == 0 && tensorCoreKernel(b, dtype) != null) {
      launch(b, dst1, x1, y1, null, 1, 0, 0, -1, null);
      launch(b, dst2, x2, y2, null, 1, 0, 0, -1, null);
      return;
    }
    int r = Math.min(r1, r2);
    int ts = 16 * r;
    int[] metas = new int[2 * META];
    long groups1 = pairMeta(metas, 0, dst1, x1, y1, ts);
    long groups2 = pairMeta(metas, META, dst2, x2, y2, ts);
    if ((groups1 + groups2) * GROUP > Integer.MAX_VALUE) {
      throw b.unsupported("matmul", "two products of " + (groups1 + groups2)
          + " tiles exceed one launch");
    }
    Object alpha = dtype == DType.FLOAT32 ? (Object) 1f : (Object) 1d;
    Object beta = dtype == DType.FLOAT32 ? (Object) 0f : (Object) 0d;
    b.launchGroups("matmul", "mmp" + r + "_" + GpuBackend.suffix(dtype),
        (int) (groups1 + groups2), GROUP, b.slab(dst1), b.offset(dst1), b.slab(x1),
        b.offset(x1), b.slab(y1), b.offset(y1), b.slab(dst2), b.offset(dst2), b.slab(x2),
        b.offset(x2), b.slab(y2), b.offset(y2), metas, (int) groups1, alpha, beta);
  }

  /**
   * Before the first product of a tensor-core kernel on a backend: {@link #tensorCoreCheck},
   * once; its verdict stands.
   *
   * @throws GpuException if the kernel disagreed with the float32 kernels on this device
   * @throws IllegalStateException if the first such product comes while a step graph records
   *     (the check reads back)
   */
  private static void checkTensorCores(GpuBackend b, String kernel) {
    TcKernel key = new TcKernel(b, kernel);
    String why = TC_CHECKS.get(key);
    if (why == null) {
      if (b.stepGraph() != null) {
        throw new IllegalStateException("the first " + kernel + " product on " + b.device()
            + " checks the tensor cores against float32, reading back: run the step once before"
            + " capturing it");
      }
      why = TC_CHECKS.computeIfAbsent(key, k -> tensorCoreCheck(k.backend(), k.kernel()));
    }
    if (!why.isEmpty()) {
      throw new GpuException(why);
    }
  }

  /**
   * Runs a 100 x 72 by 72 x 90 product of values in [-1, 1) on {@code b} with the tensor-core
   * {@code kernel} and with the float32 kernel (direct runtime launches, not counted or
   * recorded) and compares them ({@link #compareTensorCores}): "" if they agree, else the
   * difference and how to go back to float32.
   */
  static String tensorCoreCheck(GpuBackend b, String kernel) {
    int m = 100;
    int k = 72;
    int n = 90;
    Random rnd = new Random(20261123);
    float[] a = new float[m * k];
    float[] bm = new float[k * n];
    for (int i = 0; i < a.length; i++) {
      a[i] = rnd.nextFloat() * 2 - 1;
    }
    for (int i = 0; i < bm.length; i++) {
      bm[i] = rnd.nextFloat() * 2 - 1;
    }
    GpuRuntime rt = b.runtime();
    GpuStorage[] s = {
      (GpuStorage) b.allocate(DType.FLOAT32, a.length),
      (GpuStorage) b.allocate(DType.FLOAT32, bm.length),
      (GpuStorage) b.allocate(DType.FLOAT32, m * n),
      (GpuStorage) b.allocate(DType.FLOAT32, m * n)};
    try {
      rt.write(s[0].slab(), s[0].offset(), a, 0, a.length);
      rt.write(s[1].slab(), s[1].offset(), bm, 0, bm.length);
      int tm = (m + 63) / 64;
      int tn = (n + 63) / 64;
      int[] meta = {1, m, n, k, 0, k, 1, 0, n, 1, 0, n, 1, tm, tn, 1, 1, 0, 0, 0, 0, 0};
      rt.launch("matmul_tc", kernel, tm * tn * TC_GROUP, TC_GROUP, s[2].slab(), s[2].offset(),
          s[0].slab(), s[0].offset(), s[1].slab(), s[1].offset(), meta, 1f, 0f, s[2].slab(),
          s[2].offset(), 0);
      rt.launch("matmul", "mm4_f32", tm * tn * GROUP, GROUP, s[3].slab(), s[3].offset(),
          s[0].slab(), s[0].offset(), s[1].slab(), s[1].offset(), meta, 1f, 0f);
      float[] got = new float[m * n];
      float[] want = new float[m * n];
      rt.read(s[2].slab(), s[2].offset(), got, 0, got.length);
      rt.read(s[3].slab(), s[3].offset(), want, 0, want.length);
      String diff = compareTensorCores(kernel, got, want, a, bm, m, n, k);
      return diff == null ? "" : "the tensor-core GEMM " + kernel + " (matmul_tc.cu) disagrees"
          + " with the float32 kernels on " + rt.describe() + ": " + diff + "; compute float32"
          + " products in float32 (GpuBackend.setFloat32MatmulPrecision(\"highest\"),"
          + " -Dember.gpu.matmulPrecision=highest)";
    } finally {
      for (GpuStorage st : s) {
        b.free(st);
      }
    }
  }

  /**
   * null if {@code got} (a product of a (m x k) and bm (k x n), row-major, by the tensor-core
   * {@code kernel}) is within its rounding's error of {@code want} (the float32 product) at each
   * element, relative to the sum of |a_ip b_pj|: 4e-3 for {@code mm_tf32} (inputs rounded to
   * 2^-11 relative), 1.6e-2 for {@code mm_bf16} (2^-8); else the first element off, named.
   */
  static String compareTensorCores(String kernel, float[] got, float[] want, float[] a,
      float[] bm, int m, int n, int k) {
    double tol = kernel.equals("mm_bf16") ? 1.6e-2 : 4e-3;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double mag = 0;
        for (int p = 0; p < k; p++) {
          mag += Math.abs((double) a[i * k + p] * bm[p * n + j]);
        }
        float g = got[i * n + j];
        float w = want[i * n + j];
        if (!(Math.abs(g - w) <= tol * mag + 1e-6)) {
          return "element (" + i + ", " + j + ") of the check's product is " + g + ", the float32"
              + " product " + w + " (allowed " + (float) (tol * mag + 1e-6) + ")";
        }
      }
    }
    return null;
  }

  /**
   * The tile a product of a pair takes alone (see {@link #tile}), 0 when it is empty, or -1 when
   * it would be split along K (it then runs alone, as matmul runs it).
   */
  private static int pairTile(DType dtype, Tensor x, Tensor y) {
    int batches = x.shape()[0];
    int m = x.shape()[1];
    int k = x.shape()[2];
    int n = y.shape()[2];
    if (batches == 0 || m == 0 || n == 0) {
      return 0;
    }
    int r = chosenTile(dtype, batches, m, n);
    return k > 0 && kSplit(dtype, batches, ((m + 16 * r - 1) / (16 * r))
        * ((n + 16 * r - 1) / (16 * r)), k) > 1 ? -1 : r;
  }

  /** Writes one (nonempty) product's meta at {@code at} for tiles of edge ts; returns its groups. */
  private static long pairMeta(int[] metas, int at, Tensor dst, Tensor x, Tensor y, int ts) {
    int batches = x.shape()[0];
    int m = x.shape()[1];
    int n = y.shape()[2];
    int tm = (m + ts - 1) / ts;
    int tn = (n + ts - 1) / ts;
    System.arraycopy(meta(dst, x, y, null, batches, x.shape()[2], tm, tn, 0, null), 0, metas,
        at, META);
    return (long) batches * tm * tn;
  }

  /**
   * The number of K slices for a product with {@code tiles} tiles: one float product (no batch)
   * with so few tiles that most of a large GPU would idle while each group runs the whole of a
   * long K (conv2d's weight gradient, dY @ cols^T, has K = N x oH x oW) gets slices of at least
   * {@link #MIN_SLICE} so that about {@link #SPLIT_GROUPS} groups run; 0 otherwise.
   */
  static int kSplit(DType dtype, int batches, int tiles, int k) {
    if (!dtype.isFloatingPoint() || batches != 1 || tiles >= SPLIT_GROUPS / 2
        || k < 2 * MIN_SLICE) {
      return 0;
    }
    int slices = Math.min(k / MIN_SLICE, (SPLIT_GROUPS + tiles - 1) / tiles);
    return slices > 1 ? slices : 0;
  }

  /** The tile edge / 16 for a product of these dims: {@link #tile}, or the forced one. */
  private static int chosenTile(DType dtype, int batches, int m, int n) {
    return FORCED_TILE == 0 || FORCED_TILE == 8 && dtype != DType.FLOAT32
        ? tile(dtype, batches, m, n) : FORCED_TILE;
  }

  /** The tile edge / 16 for a product of these dims (see the class comment). */
  static int tile(DType dtype, int batches, int m, int n) {
    long tiles8 = (long) batches * ((m + 127) / 128) * ((n + 127) / 128);
    if (dtype == DType.FLOAT32 && m >= 128 && n >= 128 && tiles8 >= MIN_TILES_8) {
      return 8;
    }
    // Tiles of 64 pay off once most of them are full; below that the 16 x 16 tiles keep more
    // groups busy and waste less work on padding.
    return m >= 48 && n >= 48 ? 4 : 1;
  }

  private static int forcedTile(String value) {
    if (value == null || value.isEmpty()) {
      return 0;
    }
    return switch (value) {
      case "1", "4", "8" -> Integer.parseInt(value);
      default -> throw new IllegalArgumentException(
          "ember.gpu.matmul.tile must be 1, 4 or 8, not '" + value + "'");
    };
  }

  /** A batch of one has no batch stride to follow (its stride may be anything). */
  private static int batchStride(Tensor t) {
    return t.shape()[0] == 1 ? 0 : t.stride()[0];
  }

  private static void check(Tensor dst, Tensor a, Tensor bm) {
    OperandChecks.matmul(dst.shape(), dst.dtype(), a.shape(), a.dtype(), bm.shape(), bm.dtype());
  }
}
