/*
 * Tensor-core GEMMs for float32 products, CUDA only (compute capability 8.0 and later): the same
 * product, operands and meta as matmul.c's mm/mma kernels (see there), accumulating in float32,
 * with the inputs rounded as PyTorch's float32 matmul precision allows:
 *   mm_tf32  "high" (allow_tf32): TF32 inputs (10-bit mantissas, rounded to nearest by
 *            cvt.rna), mma.sync m16n8k8;
 *   mm_bf16  "medium": bfloat16 inputs (7-bit mantissas, rounded to nearest even by
 *            cvt.rn.bf16x2), mma.sync m16n8k16.
 * Used only when Ember's float32 matmul precision allows them and the device has tensor cores;
 * matmul.c's float32 kernels are their reference (GpuMatmul checks each against them on each
 * device before its first use).
 *
 * Tiling (both): a block of 128 threads (4 warps, 2 x 2) computes a 64 x 64 tile of c; each warp
 * a 32 x 32 part as 2 x 4 mma tiles of 16 x 8. K advances in chunks of 16 (two TF32 mma steps of
 * 8, or one BF16 step of 16): the block stages the 64 x 16 slice of a and the 16 x 64 slice of bm
 * in shared memory (as as[k][m] and bs[k][n], padded, in float32), zero outside the matrices, each
 * thread loading 8 of each; the inputs are rounded as they go from shared memory to registers.
 * Grid: blocks over (batch, tile row, tile column) = (g / (tm * tn), g / tn % tm, g % tn), tm and
 * tn counted in tiles of 64 (meta[13..14]). K is split (meta[20]) as in matmul.c; relu (meta[21])
 * and the addend (has_addend, meta[17..19]) as in mm/mma.
 *
 * Fragments, lane l, g = l / 4, t = l % 4 (PTX ISA, "Matrix fragments for mma"); a register of
 * two bf16 holds the element of the lower index in its lower half:
 *   m16n8k8 tf32:  a (16 x 8): a0 (g, t), a1 (g + 8, t), a2 (g, t + 4), a3 (g + 8, t + 4)
 *                  b (8 x 8):  b0 (k t, n g), b1 (k t + 4, n g)
 *   m16n8k16 bf16: a (16 x 16): a0 (g, 2t..2t+1), a1 (g + 8, 2t..2t+1), a2 (g, 2t+8..2t+9),
 *                               a3 (g + 8, 2t+8..2t+9)
 *                  b (16 x 8):  b0 (k 2t..2t+1, n g), b1 (k 2t+8..2t+9, n g)
 *   c (16 x 8), both: c0 (g, 2t), c1 (g, 2t + 1), c2 (g + 8, 2t), c3 (g + 8, 2t + 1)
 */
#define TC_BM 64
#define TC_BN 64
#define TC_BK 16
#define TC_PAD 4

/* The four instructions below as inline PTX. A host build with EMBER_TC_EMULATE defined (the
   tests' emulation, gpu-kernels/src/test/cpp/matmul_tc_emulation.cpp) brings its own. */
#ifndef EMBER_TC_EMULATE
static __device__ __forceinline__ unsigned tf32(float x) {
  unsigned r;
  asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
  return r;
}

/* Two floats as bfloat16 in one register: lo in the lower half, hi in the upper. */
static __device__ __forceinline__ unsigned bf16x2(float lo, float hi) {
  unsigned r;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
  return r;
}

static __device__ __forceinline__ void mma_tf32(float* c, unsigned a0, unsigned a1, unsigned a2,
    unsigned a3, unsigned b0, unsigned b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 "
      "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

static __device__ __forceinline__ void mma_bf16(float* c, unsigned a0, unsigned a1, unsigned a2,
    unsigned a3, unsigned b0, unsigned b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
      "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}
#endif

/* One K chunk of 16 from shared memory into the warp's 2 x 4 accumulator tiles. */
template <bool BF16>
static __device__ __forceinline__ void mma_chunk(float (*as)[TC_BM + TC_PAD],
    float (*bs)[TC_BN + TC_PAD], float (*acc)[4][4], int wm, int wn, int lg, int lt) {
  if constexpr (BF16) {
    unsigned af[2][4];
    for (int i = 0; i < 2; i++) {
      int rm = wm + 16 * i + lg;
      af[i][0] = bf16x2(as[2 * lt][rm], as[2 * lt + 1][rm]);
      af[i][1] = bf16x2(as[2 * lt][rm + 8], as[2 * lt + 1][rm + 8]);
      af[i][2] = bf16x2(as[2 * lt + 8][rm], as[2 * lt + 9][rm]);
      af[i][3] = bf16x2(as[2 * lt + 8][rm + 8], as[2 * lt + 9][rm + 8]);
    }
    for (int j = 0; j < 4; j++) {
      int cn = wn + 8 * j + lg;
      unsigned b0 = bf16x2(bs[2 * lt][cn], bs[2 * lt + 1][cn]);
      unsigned b1 = bf16x2(bs[2 * lt + 8][cn], bs[2 * lt + 9][cn]);
      for (int i = 0; i < 2; i++) {
        mma_bf16(acc[i][j], af[i][0], af[i][1], af[i][2], af[i][3], b0, b1);
      }
    }
  } else {
    for (int ks = 0; ks < TC_BK; ks += 8) {
      unsigned af[2][4];
      for (int i = 0; i < 2; i++) {
        int rm = wm + 16 * i + lg;
        af[i][0] = tf32(as[ks + lt][rm]);
        af[i][1] = tf32(as[ks + lt][rm + 8]);
        af[i][2] = tf32(as[ks + lt + 4][rm]);
        af[i][3] = tf32(as[ks + lt + 4][rm + 8]);
      }
      for (int j = 0; j < 4; j++) {
        int cn = wn + 8 * j + lg;
        unsigned b0 = tf32(bs[ks + lt][cn]);
        unsigned b1 = tf32(bs[ks + lt + 4][cn]);
        for (int i = 0; i < 2; i++) {
          mma_tf32(acc[i][j], af[i][0], af[i][1], af[i][2], af[i][3], b0, b1);
        }
      }
    }
  }
}

// Not static: the __shared__ tiles of a static function get internal names that nvcc salts with
// a hash of the source file's absolute path, so the PTX would differ between checkouts
// (build-ptx.sh rejects PTX with such _INTERNAL_ names).
template <bool BF16>
__device__ __forceinline__ void mm_tc(float* c, int c_off, const float* a, int a_off,
    const float* bm, int b_off, const int* meta, float alpha, float beta, const float* addend,
    int d_off, int has_addend) {
  __shared__ float as[TC_BK][TC_BM + TC_PAD];
  __shared__ float bs[TC_BK][TC_BN + TC_PAD];
  const int bsz = meta[0], m = meta[1], n = meta[2], k = meta[3];
  const int sab = meta[4], sam = meta[5], sak = meta[6];
  const int sbb = meta[7], sbk = meta[8], sbn = meta[9];
  const int scb = meta[10], scm = meta[11], scn = meta[12];
  const int tm = meta[13], tn = meta[14];
  const int sdb = meta[17], sdm = meta[18], sdn = meta[19];
  const int ksplit = meta[20], relu = meta[21];
  const int g = blockIdx.x;
  const int batch = g / (tm * tn);
  if (batch >= bsz) return;
  const int kbeg = ksplit > 0 ? batch * ksplit : 0;
  const int kend = ksplit > 0 ? min(k, kbeg + ksplit) : k;
  const int row0 = (g / tn % tm) * TC_BM;
  const int col0 = (g % tn) * TC_BN;
  const int tid = threadIdx.x;
  const int warp = tid / 32, lane = tid % 32;
  const int wm = (warp / 2) * 32, wn = (warp % 2) * 32;
  const int lg = lane / 4, lt = lane % 4;
  const int abase = a_off + (ksplit > 0 ? 0 : batch * sab);
  const int bbase = b_off + (ksplit > 0 ? 0 : batch * sbb);
  float acc[2][4][4];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 4; j++)
      for (int r = 0; r < 4; r++) acc[i][j][r] = 0.f;
  for (int k0 = kbeg; k0 < kend; k0 += TC_BK) {
    for (int q = 0; q < 8; q++) {
      int l = tid + 128 * q; /* 0 .. 1023 */
      int r = l / TC_BK, kk = l % TC_BK; /* a: 64 rows x 16 */
      int gr = row0 + r, gk = k0 + kk;
      as[kk][r] = (gr < m && gk < kend) ? a[abase + gr * sam + gk * sak] : 0.f;
      int bk = l / TC_BN, cc = l % TC_BN; /* b: 16 x 64 columns */
      int gc = col0 + cc, gbk = k0 + bk;
      bs[bk][cc] = (gc < n && gbk < kend) ? bm[bbase + gbk * sbk + gc * sbn] : 0.f;
    }
    __syncthreads();
    mma_chunk<BF16>(as, bs, acc, wm, wn, lg, lt);
    __syncthreads();
  }
  const int cbase = c_off + batch * scb;
  for (int i = 0; i < 2; i++) {
    for (int j = 0; j < 4; j++) {
      for (int r = 0; r < 4; r++) {
        int gr = row0 + wm + 16 * i + lg + (r >= 2 ? 8 : 0);
        int gc = col0 + wn + 8 * j + 2 * lt + (r & 1);
        if (gr < m && gc < n) {
          int o = cbase + gr * scm + gc * scn;
          float v = acc[i][j][r];
          float d = beta == 0.f ? 0.f
              : has_addend ? addend[d_off + batch * sdb + gr * sdm + gc * sdn] : c[o];
          float out = beta == 0.f ? alpha * v : alpha * v + beta * d;
          if (relu) out = out != out ? out : (out > 0.f ? out : 0.f);
          c[o] = out;
        }
      }
    }
  }
}

extern "C" __global__ void mm_tf32(float* c, int c_off, const float* a, int a_off,
    const float* bm, int b_off, const int* meta, float alpha, float beta, const float* addend,
    int d_off, int has_addend) {
  mm_tc<false>(c, c_off, a, a_off, bm, b_off, meta, alpha, beta, addend, d_off, has_addend);
}

extern "C" __global__ void mm_bf16(float* c, int c_off, const float* a, int a_off,
    const float* bm, int b_off, const int* meta, float alpha, float beta, const float* addend,
    int d_off, int has_addend) {
  mm_tc<true>(c, c_off, a, a_off, bm, b_off, meta, alpha, beta, addend, d_off, has_addend);
}
