// The tensor-core GEMMs of matmul_tc.cu (mm_tf32, mm_bf16) run on the host, for machines without
// a GPU: the kernel source is compiled as C++ with its four PTX instructions emulated (cvt.rna.tf32,
// cvt.rn.bf16x2, and the warp-wide mma.sync m16n8k8 tf32 and m16n8k16 bf16, each lane's fragment
// registers placed as the PTX ISA's "Matrix fragments for mma" figures place them), each block's
// 128 threads as host threads, __syncthreads and the warp's mma as barriers. It checks the
// kernel's own logic: tile loads, strides and offsets, the fragment indices of mma_chunk, the
// K split, alpha, beta, the addend and the ReLU, against a double-precision product of the inputs
// rounded as the instruction rounds them. What it cannot check is the hardware itself (that the
// figures are the ones the GPU implements): GpuMatmul's per-device check does that on a GPU.
//
//   g++ -std=c++20 -O2 -pthread -DEMBER_TC_EMULATE -I <kernels> matmul_tc_emulation.cpp
//
// Prints one line per case ("ok" or "FAIL" with the first wrong element) and "cases N failed F";
// exits 1 if any case failed. TensorCoreEmulationTest compiles and runs it.
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

struct Index {
  int x;
};
thread_local Index blockIdx;
thread_local Index threadIdx;

#define __device__
#define __forceinline__ inline
#define __global__
// One block runs at a time, so a function's shared arrays can be its statics.
#define __shared__ static
using std::min;

static constexpr int kThreads = 128;
static std::barrier<>* block_barrier;
static std::barrier<>* warp_barrier[kThreads / 32];

static inline void __syncthreads() { block_barrier->arrive_and_wait(); }

static inline uint32_t bits_of(float x) {
  uint32_t b;
  std::memcpy(&b, &x, 4);
  return b;
}

static inline float float_of(uint32_t b) {
  float x;
  std::memcpy(&x, &b, 4);
  return x;
}

// cvt.rna.tf32.f32: to 10 mantissa bits, to nearest, ties away from zero; the result is a
// float32 bit pattern whose low 13 bits are zero.
static inline unsigned tf32(float x) {
  uint32_t b = bits_of(x);
  if ((b & 0x7f800000u) != 0x7f800000u) {
    b += 0x1000u;
  }
  return b & 0xffffe000u;
}

// To bfloat16 (7 mantissa bits), to nearest even: the upper 16 bits of the rounded float32.
static inline uint32_t bf16_bits(float x) {
  uint32_t b = bits_of(x);
  if (std::isnan(x)) {
    return 0x7fc0u;
  }
  b += 0x7fffu + ((b >> 16) & 1u);
  return b >> 16;
}

// cvt.rn.bf16x2.f32 d, hi, lo: lo in the lower half, hi in the upper.
static inline unsigned bf16x2(float lo, float hi) {
  return (bf16_bits(hi) << 16) | bf16_bits(lo);
}

// Each lane's fragment registers, exchanged within its warp for the mma.
struct Fragments {
  unsigned a[32][4];
  unsigned b[32][2];
};
static Fragments exchange[kThreads / 32];

// Element (row, k) of A and (k, col) of B from the warp's registers, and C += A B for this lane's
// four elements of C: c0 (g, 2t), c1 (g, 2t + 1), c2 (g + 8, 2t), c3 (g + 8, 2t + 1).
template <bool BF16>
static void mma(float* c, unsigned a0, unsigned a1, unsigned a2, unsigned a3, unsigned b0,
    unsigned b1) {
  const int lane = threadIdx.x % 32;
  const int warp = threadIdx.x / 32;
  Fragments& f = exchange[warp];
  f.a[lane][0] = a0;
  f.a[lane][1] = a1;
  f.a[lane][2] = a2;
  f.a[lane][3] = a3;
  f.b[lane][0] = b0;
  f.b[lane][1] = b1;
  warp_barrier[warp]->arrive_and_wait();
  const int kk = BF16 ? 16 : 8;
  auto a_at = [&](int row, int k) -> double {
    if (BF16) {
      // a0 (g, 2t..2t+1), a1 (g + 8, 2t..2t+1), a2 (g, 2t+8..), a3 (g + 8, 2t+8..); the lower
      // index in the lower half.
      unsigned r = f.a[(row % 8) * 4 + (k % 8) / 2][(row >= 8 ? 1 : 0) + (k >= 8 ? 2 : 0)];
      return float_of(((r >> (16 * (k % 2))) & 0xffffu) << 16);
    }
    // a0 (g, t), a1 (g + 8, t), a2 (g, t + 4), a3 (g + 8, t + 4)
    return float_of(f.a[(row % 8) * 4 + k % 4][(row >= 8 ? 1 : 0) + (k >= 4 ? 2 : 0)]);
  };
  auto b_at = [&](int k, int col) -> double {
    if (BF16) {
      // b0 (k 2t..2t+1, n g), b1 (k 2t+8..2t+9, n g)
      unsigned r = f.b[col * 4 + (k % 8) / 2][k >= 8 ? 1 : 0];
      return float_of(((r >> (16 * (k % 2))) & 0xffffu) << 16);
    }
    // b0 (k t, n g), b1 (k t + 4, n g)
    return float_of(f.b[col * 4 + k % 4][k >= 4 ? 1 : 0]);
  };
  const int g = lane / 4;
  const int t = lane % 4;
  for (int e = 0; e < 4; e++) {
    int row = g + (e >= 2 ? 8 : 0);
    int col = 2 * t + (e & 1);
    double sum = 0;
    for (int k = 0; k < kk; k++) {
      sum += a_at(row, k) * b_at(k, col);
    }
    c[e] = (float) (c[e] + sum);
  }
  warp_barrier[warp]->arrive_and_wait();
}

static inline void mma_tf32(float* c, unsigned a0, unsigned a1, unsigned a2, unsigned a3,
    unsigned b0, unsigned b1) {
  mma<false>(c, a0, a1, a2, a3, b0, b1);
}

static inline void mma_bf16(float* c, unsigned a0, unsigned a1, unsigned a2, unsigned a3,
    unsigned b0, unsigned b1) {
  mma<true>(c, a0, a1, a2, a3, b0, b1);
}

#include "matmul_tc.cu"

using Kernel = void (*)(float*, int, const float*, int, const float*, int, const int*, float,
    float, const float*, int, int);

// Launches a kernel: 128 host threads run each block's threads, one block after the other (a
// barrier between blocks, as the blocks share the kernel's static "shared" arrays).
static void launch(Kernel kernel, int blocks, float* c, int c_off, const float* a, int a_off,
    const float* b, int b_off, const int* meta, float alpha, float beta, const float* addend,
    int d_off, int has_addend) {
  std::vector<std::thread> threads;
  for (int tid = 0; tid < kThreads; tid++) {
    threads.emplace_back([=] {
      threadIdx.x = tid;
      for (int blk = 0; blk < blocks; blk++) {
        blockIdx.x = blk;
        kernel(c, c_off, a, a_off, b, b_off, meta, alpha, beta, addend, d_off, has_addend);
        __syncthreads();
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
}

// One product c = act(alpha a b + beta d) as GpuMatmul issues it (see its meta()): a (batch, m,
// k), b (batch, k, n), c and d (batch, m, n), each with its own strides and offset in its buffer;
// ksplit > 0 makes the batches K slices of that length of one product (GpuMatmul then sums them).
struct Case {
  std::string name;
  int batch, m, n, k;
  bool a_t, b_t;      // a stored as (k, m), b as (n, k)
  int addend;         // 0 none (d is c itself when beta != 0), 1 a full (m, n), 2 a bias row
  float alpha, beta;
  int ksplit;
  int relu;
  int offset;         // of every operand in its buffer
};

static double round_input(float x, bool bf16) {
  return bf16 ? float_of(bf16_bits(x) << 16) : float_of(tf32(x));
}

static bool run(const Case& cs, bool bf16, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  const int bsz = cs.batch, m = cs.m, n = cs.n, k = cs.k, off = cs.offset;
  const int slices = cs.ksplit > 0 ? (k + cs.ksplit - 1) / cs.ksplit : bsz;
  const int ab = cs.ksplit > 0 ? 1 : bsz;  // operand batches
  std::vector<float> a(off + (size_t) ab * m * k), b(off + (size_t) ab * k * n);
  std::vector<float> c(off + (size_t) slices * m * n), d(off + (size_t) bsz * m * n);
  for (auto* v : {&a, &b, &c, &d}) {
    for (auto& x : *v) {
      x = u(rng);
    }
  }
  const std::vector<float> c_in = c;
  // Strides: batch, then (row, col) of each matrix as stored.
  int sab = m * k, sam = cs.a_t ? 1 : k, sak = cs.a_t ? m : 1;
  int sbb = k * n, sbk = cs.b_t ? 1 : n, sbn = cs.b_t ? k : 1;
  int scb = m * n, scm = n, scn = 1;
  int sdb = cs.addend == 2 ? 0 : m * n, sdm = cs.addend == 2 ? 0 : n, sdn = 1;
  const int tm = (m + 63) / 64, tn = (n + 63) / 64;
  int meta[22] = {slices, m, n, k, sab, sam, sak, sbb, sbk, sbn, scb, scm, scn, tm, tn,
      0, 0, cs.addend ? sdb : 0, cs.addend ? sdm : 0, cs.addend ? sdn : 0, cs.ksplit, cs.relu};
  Kernel kernel = bf16 ? mm_bf16 : mm_tf32;
  launch(kernel, slices * tm * tn, c.data(), off, a.data(), off, b.data(), off, meta, cs.alpha,
      cs.beta, cs.addend ? d.data() : c.data(), off, cs.addend ? 1 : 0);
  // The reference, in double from the rounded inputs; the tolerance is relative to the sum of
  // |a_ip b_pj| (float32 accumulation over K).
  for (int s = 0; s < slices; s++) {
    int kb = cs.ksplit > 0 ? s * cs.ksplit : 0;
    int ke = cs.ksplit > 0 ? std::min(k, kb + cs.ksplit) : k;
    int ob = cs.ksplit > 0 ? 0 : s;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double sum = 0, mag = 0, unrounded = 0;
        for (int p = kb; p < ke; p++) {
          float x = a[off + ob * sab + i * sam + p * sak];
          float y = b[off + ob * sbb + p * sbk + j * sbn];
          double prod = round_input(x, bf16) * round_input(y, bf16);
          sum += prod;
          mag += std::fabs(prod);
          unrounded += (double) x * y;
        }
        size_t o = off + (size_t) s * scb + i * scm + j * scn;
        double dv = cs.beta == 0 ? 0
            : cs.addend ? d[off + s * sdb + i * sdm + j * sdn] : c_in[o];
        double want = cs.alpha * sum + cs.beta * dv;
        if (cs.relu && want < 0) {
          want = 0;
        }
        double tol = 1e-5 * (std::fabs(cs.alpha) * mag + std::fabs(cs.beta * dv)) + 1e-6;
        double got = c[o];
        if (!(std::fabs(got - want) <= tol)) {
          std::printf("FAIL %s %s: c[%d][%d][%d] = %.9g, expected %.9g (tolerance %.3g; the"
              " product of unrounded inputs gives %.9g)\n", cs.name.c_str(),
              bf16 ? "mm_bf16" : "mm_tf32", s, i, j, got, want, tol,
              cs.alpha * unrounded + cs.beta * dv);
          return false;
        }
      }
    }
  }
  // Nothing outside c was written: the bytes before the offset are as they were.
  for (int i = 0; i < off; i++) {
    if (bits_of(c[i]) != bits_of(c_in[i])) {
      std::printf("FAIL %s %s: wrote c's buffer at %d, before the offset\n", cs.name.c_str(),
          bf16 ? "mm_bf16" : "mm_tf32", i);
      return false;
    }
  }
  std::printf("ok %s %s\n", cs.name.c_str(), bf16 ? "mm_bf16" : "mm_tf32");
  return true;
}

int main() {
  std::barrier<> block(kThreads);
  block_barrier = &block;
  for (int w = 0; w < kThreads / 32; w++) {
    warp_barrier[w] = new std::barrier<>(32);
  }
  const std::vector<Case> cases = {
      {"1x1x1", 1, 1, 1, 1, false, false, 0, 1.f, 0.f, 0, 0, 0},
      {"one tile 64x64x16", 1, 64, 64, 16, false, false, 0, 1.f, 0.f, 0, 0, 0},
      {"edges 65x63x17", 1, 65, 63, 17, false, false, 0, 1.f, 0.f, 0, 0, 3},
      {"130x70x200", 1, 130, 70, 200, false, false, 0, 1.f, 0.f, 0, 0, 0},
      {"a transposed", 1, 37, 80, 33, true, false, 0, 1.f, 0.f, 0, 0, 5},
      {"b transposed", 1, 80, 37, 33, false, true, 0, 1.f, 0.f, 0, 0, 0},
      {"both transposed", 1, 70, 66, 48, true, true, 0, 1.f, 0.f, 0, 0, 1},
      {"batched 3", 3, 20, 70, 40, false, false, 0, 1.f, 0.f, 0, 0, 7},
      {"alpha 0.5 beta 2 into c", 2, 33, 65, 24, false, false, 0, 0.5f, 2.f, 0, 0, 0},
      {"full addend", 2, 40, 50, 31, false, true, 1, 1.f, 1.f, 0, 0, 2},
      {"bias row addend, relu", 1, 100, 72, 64, true, false, 2, 1.f, 1.f, 0, 1, 0},
      {"relu", 1, 66, 66, 20, false, false, 0, 1.f, 0.f, 0, 1, 0},
      {"K split 3 x 48", 1, 50, 40, 130, false, false, 0, 1.f, 0.f, 48, 0, 4},
      {"K split, b transposed", 1, 64, 65, 96, false, true, 0, 2.f, 0.f, 32, 0, 0},
  };
  std::mt19937 rng(20261123);
  int failed = 0;
  int count = 0;
  for (bool bf16 : {false, true}) {
    for (const Case& cs : cases) {
      count++;
      if (!run(cs, bf16, rng)) {
        failed++;
      }
    }
  }
  std::printf("cases %d failed %d\n", count, failed);
  return failed == 0 ? 0 : 1;
}
