/*
 * Fused recurrent operators (Backend.lstmCell / lstmCellBackward / gruCell / gruCellBackward, and
 * the whole recurrences Backend.lstmRecurrence / gruRecurrence / rnnRecurrence and their
 * backwards). Every operand is a contiguous row-major matrix given as (buffer, element offset),
 * but W_hh, which comes with its two strides. One kernel per dtype (f32, f64).
 *
 * Cells: one work item per (row r, hidden unit j), i = r * H + j, over n = N * H items.
 *   LSTM  gates (i, f, g, o) = (sigmoid, sigmoid, tanh, sigmoid) of the pre-activations
 *         c = f cPrev + i g,  h = o tanh(c)
 *         dc~ = dc + dh o (1 - tanh(c)^2)
 *         di = dc~ g i (1 - i)   df = dc~ cPrev f (1 - f)   dg = dc~ i (1 - g^2)
 *         do = dh tanh(c) o (1 - o)   dcPrev = dc~ f
 *   GRU   r = sigmoid(xr + hr)  z = sigmoid(xz + hz)  n = tanh(xn + r hn)  h = (hPrev - n) z + n
 *         saved = (r, z, n, hn)
 *         dn~ = dh (1 - z) (1 - n^2)   dr~ = dn~ hn r (1 - r)   dz~ = dh (hPrev - n) z (1 - z)
 *         dxg = (dr~, dz~, dn~)   dhg = (dr~, dz~, dn~ r)   dhPrev = dh z
 *   RNN   h = tanh or relu (elementwise.c's) of pre + hPrev W_hh^T
 *         dpre = dh - h h dh (tanh), h <= 0 ? 0 : dh (relu, PyTorch's threshold_backward)
 * The formulas and the order of operations are the CPU backend's (CpuRecurrent), with sigmoid
 * as 1 / (1 + exp(-x)). A work item reads every element it needs before it writes any, and the
 * elements it writes are read by no other work item, so an output may alias the input of the
 * same shape that the Javadoc allows (dcPrev = dc, dhPrev = dh) and gates is rewritten in place.
 * A null dh or dc (has_dh / has_dc 0) is zero; its buffer argument is then any buffer of the
 * dtype and is not read.
 *
 * Recurrences (*_seq, *_seq_backward): a layer-direction's loop over its steps in one launch
 * (the CPU's default runs a GEMM and a cell per step). The recurrence never mixes batch rows, so
 * each group owns SEQ_ROWS rows for all steps and the groups need no grid-wide synchronization,
 * only barriers within the group between the phases of a step, whose global fence hands one
 * work item's writes of h, c, gradients to the others.
 *   forward, per step:  hPrev W_hh^T for the group's rows (ember_seq_product: W_hh staged
 *                       through local memory in tiles of SEQ_KC k x LOCAL_SIZE gate columns,
 *                       read along k, W_hh's rows), then the cells.
 *   backward, per step: the cells' backward, then dh = (dh z for a GRU) + dOutput_{t-1}
 *                       + dGates_t W_hh (ember_seq_product_t: one work item per column of W_hh).
 * The groups' size is at most SEQ_TILE_STRIDE - 1 (the backend's 1-D local size, at most 256).
 */
#include "ember_gpu.h"
#include "ember_math.h"

#ifdef __OPENCL_VERSION__
#pragma OPENCL FP_CONTRACT OFF
#endif

#define SEQ_ROWS 4
#define SEQ_KC 16
#define SEQ_TILE_STRIDE 257

#define EMBER_RECURRENT(SUF, T)                                                              \
  DEVICE_FN T ember_sigmoid_##SUF(T x) {                                                     \
    return (T) 1 / ((T) 1 + exp(-x));                                                        \
  }                                                                                          \
                                                                                             \
  /* One LSTM cell element: the gates of (row, unit) at gates[gb + q hs], q = i, f, g, o,    \
     are rewritten as activations; returns c, writes h. */                                   \
  DEVICE_FN T ember_lstm_cell_##SUF(GLOBAL T* gates, int gb, int hs, T cp, GLOBAL T* h,      \
      int hi) {                                                                              \
    T ig = ember_sigmoid_##SUF(gates[gb]);                                                   \
    T fg = ember_sigmoid_##SUF(gates[gb + hs]);                                              \
    T gg = tanh(gates[gb + 2 * hs]);                                                         \
    T og = ember_sigmoid_##SUF(gates[gb + 3 * hs]);                                          \
    T cc = fg * cp + ig * gg;                                                                \
    gates[gb] = ig;                                                                          \
    gates[gb + hs] = fg;                                                                     \
    gates[gb + 2 * hs] = gg;                                                                 \
    gates[gb + 3 * hs] = og;                                                                 \
    h[hi] = og * tanh(cc);                                                                   \
    return cc;                                                                               \
  }                                                                                          \
                                                                                             \
  /* One LSTM cell element's backward from the activations at act[ab + q hs], cPrev cp, c    \
     cc and the gradients dhv, dcv: writes dGates[db + q hs], returns dcPrev. */             \
  DEVICE_FN T ember_lstm_cell_backward_##SUF(GLOBAL const T* act, int ab, int hs, T cp,      \
      T cc, T dhv, T dcv, GLOBAL T* dGates, int db) {                                        \
    T ig = act[ab];                                                                          \
    T fg = act[ab + hs];                                                                     \
    T gg = act[ab + 2 * hs];                                                                 \
    T og = act[ab + 3 * hs];                                                                 \
    T t = tanh(cc);                                                                          \
    T d = dcv + dhv * og * ((T) 1 - t * t);                                                  \
    dGates[db] = d * gg * ig * ((T) 1 - ig);                                                 \
    dGates[db + hs] = d * cp * fg * ((T) 1 - fg);                                            \
    dGates[db + 2 * hs] = d * ig * ((T) 1 - gg * gg);                                        \
    dGates[db + 3 * hs] = dhv * t * og * ((T) 1 - og);                                       \
    return d * fg;                                                                           \
  }                                                                                          \
                                                                                             \
  /* One GRU cell element from xg[xb + q hs] and hg[hb + q hs], q = r, z, n: writes          \
     saved[sb + q hs] = (r, z, n, hg_n) and returns h. Reads all of hg before it writes      \
     saved, so saved may be hg itself (the sequence kernel keeps hg in saved's first three   \
     blocks). */                                                                             \
  DEVICE_FN T ember_gru_cell_##SUF(GLOBAL const T* xg, int xb, GLOBAL const T* hg, int hb,   \
      T hp, int hs, GLOBAL T* saved, int sb) {                                               \
    T rg = ember_sigmoid_##SUF(hg[hb] + xg[xb]);                                             \
    T zg = ember_sigmoid_##SUF(hg[hb + hs] + xg[xb + hs]);                                   \
    T hn = hg[hb + 2 * hs];                                                                  \
    T ng = tanh(xg[xb + 2 * hs] + rg * hn);                                                  \
    saved[sb] = rg;                                                                          \
    saved[sb + hs] = zg;                                                                     \
    saved[sb + 2 * hs] = ng;                                                                 \
    saved[sb + 3 * hs] = hn;                                                                 \
    return (hp - ng) * zg + ng;                                                              \
  }                                                                                          \
                                                                                             \
  /* One GRU cell element's backward from saved[sb + q hs], hPrev hp and the gradient dv:    \
     writes dxg[xb + q hs], dhg[hb + q hs], returns the direct part dv z of dhPrev. */       \
  DEVICE_FN T ember_gru_cell_backward_##SUF(GLOBAL const T* saved, int sb, int hs, T hp,     \
      T dv, GLOBAL T* dxg, int xb, GLOBAL T* dhg, int hb) {                                  \
    T rg = saved[sb];                                                                        \
    T zg = saved[sb + hs];                                                                   \
    T ng = saved[sb + 2 * hs];                                                               \
    T hn = saved[sb + 3 * hs];                                                               \
    T dn = dv * ((T) 1 - zg) * ((T) 1 - ng * ng);                                            \
    T dr = dn * hn * rg * ((T) 1 - rg);                                                      \
    T dz = dv * (hp - ng) * zg * ((T) 1 - zg);                                               \
    dxg[xb] = dr;                                                                            \
    dxg[xb + hs] = dz;                                                                       \
    dxg[xb + 2 * hs] = dn;                                                                   \
    dhg[hb] = dr;                                                                            \
    dhg[hb + hs] = dz;                                                                       \
    dhg[hb + 2 * hs] = dn * rg;                                                              \
    return dv * zg;                                                                          \
  }                                                                                          \
                                                                                             \
  KERNEL lstm_cell_##SUF(GLOBAL T* gates, int gates_off, GLOBAL const T* cPrev,              \
      int cPrev_off, GLOBAL T* h, int h_off, GLOBAL T* c, int c_off, int n, int hs) {        \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int r = i / hs;                                                                          \
    int j = i - r * hs;                                                                      \
    c[c_off + i] = ember_lstm_cell_##SUF(gates, gates_off + r * 4 * hs + j, hs,              \
        cPrev[cPrev_off + i], h, h_off + i);                                                 \
  }                                                                                          \
                                                                                             \
  KERNEL lstm_cell_backward_##SUF(GLOBAL const T* act, int act_off, GLOBAL const T* cPrev,   \
      int cPrev_off, GLOBAL const T* c, int c_off, GLOBAL const T* dh, int dh_off,           \
      int has_dh, GLOBAL const T* dc, int dc_off, int has_dc, GLOBAL T* dGates,              \
      int dGates_off, GLOBAL T* dcPrev, int dcPrev_off, int n, int hs) {                     \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int r = i / hs;                                                                          \
    int j = i - r * hs;                                                                      \
    dcPrev[dcPrev_off + i] = ember_lstm_cell_backward_##SUF(act, act_off + r * 4 * hs + j,   \
        hs, cPrev[cPrev_off + i], c[c_off + i], has_dh ? dh[dh_off + i] : (T) 0,             \
        has_dc ? dc[dc_off + i] : (T) 0, dGates, dGates_off + r * 4 * hs + j);               \
  }                                                                                          \
                                                                                             \
  KERNEL gru_cell_##SUF(GLOBAL const T* xg, int xg_off, GLOBAL const T* hg, int hg_off,      \
      GLOBAL const T* hPrev, int hPrev_off, GLOBAL T* h, int h_off, GLOBAL T* saved,         \
      int saved_off, int n, int hs) {                                                        \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int r = i / hs;                                                                          \
    int j = i - r * hs;                                                                      \
    h[h_off + i] = ember_gru_cell_##SUF(xg, xg_off + r * 3 * hs + j, hg,                     \
        hg_off + r * 3 * hs + j, hPrev[hPrev_off + i], hs, saved,                            \
        saved_off + r * 4 * hs + j);                                                         \
  }                                                                                          \
                                                                                             \
  KERNEL gru_cell_backward_##SUF(GLOBAL const T* saved, int saved_off,                       \
      GLOBAL const T* hPrev, int hPrev_off, GLOBAL const T* dh, int dh_off, GLOBAL T* dxg,   \
      int dxg_off, GLOBAL T* dhg, int dhg_off, GLOBAL T* dhPrev, int dhPrev_off, int n,      \
      int hs) {                                                                              \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int r = i / hs;                                                                          \
    int j = i - r * hs;                                                                      \
    dhPrev[dhPrev_off + i] = ember_gru_cell_backward_##SUF(saved,                            \
        saved_off + r * 4 * hs + j, hs, hPrev[hPrev_off + i], dh[dh_off + i], dxg,           \
        dxg_off + r * 3 * hs + j, dhg, dhg_off + r * 3 * hs + j);                            \
  }                                                                                          \
                                                                                             \
  /* The sequence kernels' forward product, made by the whole group (it has barriers; the    \
     first also hands over the previous step's writes): for the group's rows r < rows and    \
     columns j < cols, dst[d_off + r ldd + j] = (accumulate ? dst[...] : has_bias ?          \
     bias[b_off + j] : 0) + sum_k hp[h_off + r hsz + k] w[w_off + j swj + k swk]. W is       \
     staged through local memory in tiles of SEQ_KC k x LOCAL_SIZE columns, loaded along k   \
     (W's rows). */                                                                          \
  DEVICE_FN void ember_seq_product_##SUF(GLOBAL T* dst, int d_off, int ldd,                  \
      int accumulate, GLOBAL const T* bias, int b_off, int has_bias, GLOBAL const T* hp,     \
      int h_off, GLOBAL const T* w, int w_off, int swj, int swk, int rows, int cols,         \
      int hsz, LOCAL T* tile, LOCAL T* hl) {                                                 \
    int lid = LOCAL_ID();                                                                    \
    int ls = LOCAL_SIZE();                                                                   \
    for (int cb = 0; cb < cols; cb += ls) {                                                  \
      int j = cb + lid;                                                                      \
      T acc[SEQ_ROWS];                                                                       \
      for (int r = 0; r < SEQ_ROWS; r++) acc[r] = (T) 0;                                     \
      for (int k0 = 0; k0 < hsz; k0 += SEQ_KC) {                                             \
        /* the previous tile is used up; the previous step's results are written */          \
        BARRIER_GLOBAL();                                                                    \
        for (int e = lid; e < ls * SEQ_KC; e += ls) {                                        \
          int col = e / SEQ_KC;                                                              \
          int kk = e - col * SEQ_KC;                                                         \
          int jj = cb + col;                                                                 \
          int k = k0 + kk;                                                                   \
          tile[kk * SEQ_TILE_STRIDE + col] =                                                 \
              jj < cols && k < hsz ? w[w_off + jj * swj + k * swk] : (T) 0;                  \
        }                                                                                    \
        for (int e = lid; e < SEQ_ROWS * SEQ_KC; e += ls) {                                  \
          int r = e / SEQ_KC;                                                                \
          int k = k0 + e - r * SEQ_KC;                                                       \
          hl[e] = r < rows && k < hsz ? hp[h_off + r * hsz + k] : (T) 0;                     \
        }                                                                                    \
        BARRIER();                                                                           \
        if (j < cols) {                                                                      \
          for (int kk = 0; kk < SEQ_KC; kk++) {                                              \
            T wv = tile[kk * SEQ_TILE_STRIDE + lid];                                         \
            for (int r = 0; r < SEQ_ROWS; r++) acc[r] += hl[r * SEQ_KC + kk] * wv;           \
          }                                                                                  \
        }                                                                                    \
      }                                                                                      \
      if (j < cols) {                                                                        \
        for (int r = 0; r < rows; r++) {                                                     \
          int d = d_off + r * ldd + j;                                                       \
          T base = accumulate ? dst[d] : has_bias ? bias[b_off + j] : (T) 0;                 \
          dst[d] = base + acc[r];                                                            \
        }                                                                                    \
      }                                                                                      \
    }                                                                                        \
  }                                                                                          \
                                                                                             \
  /* The sequence kernels' backward product, one work item per column k of W (its reads of   \
     a row of W are consecutive across the group): for r < rows, dh[dh_off + r hsz + k] =    \
     (keep ? dh[...] : 0) + (has_gout ? gout[g_off + r hsz + k] : 0) + sum_j src[s_off +     \
     r lds + j] w[w_off + j swj + k swk], j < cols. No barrier. */                           \
  DEVICE_FN void ember_seq_product_t_##SUF(GLOBAL T* dh, int dh_off, int keep,               \
      GLOBAL const T* gout, int g_off, int has_gout, GLOBAL const T* src, int s_off,         \
      int lds, GLOBAL const T* w, int w_off, int swj, int swk, int rows, int cols,           \
      int hsz) {                                                                             \
    for (int k = LOCAL_ID(); k < hsz; k += LOCAL_SIZE()) {                                   \
      T acc[SEQ_ROWS];                                                                       \
      for (int r = 0; r < SEQ_ROWS; r++) acc[r] = (T) 0;                                     \
      for (int j = 0; j < cols; j++) {                                                       \
        T wv = w[w_off + j * swj + k * swk];                                                 \
        for (int r = 0; r < SEQ_ROWS; r++) {                                                 \
          if (r < rows) acc[r] += src[s_off + r * lds + j] * wv;                             \
        }                                                                                    \
      }                                                                                      \
      for (int r = 0; r < rows; r++) {                                                       \
        int e = dh_off + r * hsz + k;                                                        \
        T base = keep ? dh[e] : (T) 0;                                                       \
        if (has_gout) base = base + gout[g_off + r * hsz + k];                               \
        dh[e] = base + acc[r];                                                               \
      }                                                                                      \
    }                                                                                        \
  }                                                                                          \
                                                                                             \
  /* Backend.lstmRecurrence: gates (len N, 4H), w = W_hh (4H, H) with strides (swj, swk),    \
     h0, c0, cn (N, H), hs, cs (len N, H); the last step's c goes into cn as well. */        \
  KERNEL lstm_seq_##SUF(GLOBAL T* gates, int g_off, GLOBAL const T* w, int w_off, int swj,   \
      int swk, GLOBAL const T* h0, int h0_off, GLOBAL const T* c0, int c0_off,               \
      GLOBAL T* hs, int hs_off, GLOBAL T* cs, int cs_off, GLOBAL T* cn, int cn_off,          \
      int len, int n, int hsz, int reverse) {                                                \
    LOCAL_ARRAY(T, tile, SEQ_KC * SEQ_TILE_STRIDE);                                          \
    LOCAL_ARRAY(T, hl, SEQ_ROWS * SEQ_KC);                                                   \
    int row0 = GROUP_ID() * SEQ_ROWS;                                                        \
    int rows = n - row0 < SEQ_ROWS ? n - row0 : SEQ_ROWS;                                    \
    int g4 = 4 * hsz;                                                                        \
    for (int s = 0; s < len; s++) {                                                          \
      int t = reverse ? len - 1 - s : s;                                                     \
      int tp = reverse ? t + 1 : t - 1;                                                      \
      GLOBAL const T* hp = s == 0 ? h0 : (GLOBAL const T*) hs;                               \
      int hp_off = (s == 0 ? h0_off : hs_off + tp * n * hsz) + row0 * hsz;                   \
      GLOBAL const T* cp = s == 0 ? c0 : (GLOBAL const T*) cs;                               \
      int cp_off = (s == 0 ? c0_off : cs_off + tp * n * hsz) + row0 * hsz;                   \
      int gt_off = g_off + t * n * g4 + row0 * g4;                                           \
      ember_seq_product_##SUF(gates, gt_off, g4, 1, gates, 0, 0, hp, hp_off, w, w_off,       \
          swj, swk, rows, g4, hsz, tile, hl);                                                \
      BARRIER_GLOBAL();                                                                      \
      int o_off = t * n * hsz + row0 * hsz;                                                  \
      for (int i = LOCAL_ID(); i < rows * hsz; i += LOCAL_SIZE()) {                          \
        int r = i / hsz;                                                                     \
        int j = i - r * hsz;                                                                 \
        T cv = ember_lstm_cell_##SUF(gates, gt_off + r * g4 + j, hsz, cp[cp_off + i], hs,    \
            hs_off + o_off + i);                                                             \
        cs[cs_off + o_off + i] = cv;                                                         \
        if (s == len - 1) cn[cn_off + row0 * hsz + i] = cv;                                  \
      }                                                                                      \
    }                                                                                        \
  }                                                                                          \
                                                                                             \
  /* Backend.lstmRecurrenceBackward: act, dG (len N, 4H), cs, gout (len N, H), c0, dcn,      \
     dh, dc (N, H), w = W_hh (4H, H) with strides (swj, swk). The last step reads its h      \
     gradient from gout and its c gradient from dcn (which may be dc), not dh and dc. */     \
  KERNEL lstm_seq_backward_##SUF(GLOBAL const T* act, int act_off, GLOBAL const T* cs,       \
      int cs_off, GLOBAL const T* c0, int c0_off, GLOBAL const T* w, int w_off, int swj,     \
      int swk, GLOBAL const T* gout, int gout_off, GLOBAL const T* dcn, int dcn_off,         \
      GLOBAL T* dh, int dh_off, GLOBAL T* dc, int dc_off, GLOBAL T* dG, int dG_off,          \
      int len, int n, int hsz, int need_dh0, int reverse) {                                  \
    int row0 = GROUP_ID() * SEQ_ROWS;                                                        \
    int rows = n - row0 < SEQ_ROWS ? n - row0 : SEQ_ROWS;                                    \
    int g4 = 4 * hsz;                                                                        \
    int st_off = row0 * hsz;                                                                 \
    for (int s = len - 1; s >= 0; s--) {                                                     \
      int t = reverse ? len - 1 - s : s;                                                     \
      int tp = reverse ? t + 1 : t - 1;                                                      \
      int gt = t * n * g4 + row0 * g4;                                                       \
      for (int i = LOCAL_ID(); i < rows * hsz; i += LOCAL_SIZE()) {                          \
        int r = i / hsz;                                                                     \
        int j = i - r * hsz;                                                                 \
        int e = st_off + i;                                                                  \
        T cpv = s == 0 ? c0[c0_off + e] : cs[cs_off + tp * n * hsz + e];                     \
        T dhv = s == len - 1 ? gout[gout_off + t * n * hsz + e] : dh[dh_off + e];            \
        T dcv = s == len - 1 ? dcn[dcn_off + e] : dc[dc_off + e];                            \
        dc[dc_off + e] = ember_lstm_cell_backward_##SUF(act, act_off + gt + r * g4 + j,      \
            hsz, cpv, cs[cs_off + t * n * hsz + e], dhv, dcv, dG, dG_off + gt + r * g4 + j); \
      }                                                                                      \
      BARRIER_GLOBAL();                                                                      \
      if (s > 0 || need_dh0) {                                                               \
        ember_seq_product_t_##SUF(dh, dh_off + st_off, 0, gout,                              \
            gout_off + tp * n * hsz + st_off, s > 0, dG, dG_off + gt, g4, w, w_off, swj,     \
            swk, rows, g4, hsz);                                                             \
      }                                                                                      \
      BARRIER_GLOBAL();                                                                      \
    }                                                                                        \
  }                                                                                          \
                                                                                             \
  /* Backend.gruRecurrence: xg (len N, 3H), w = W_hh (3H, H) with strides (swj, swk), bias   \
     b_hh (3H) if has_bias, h0 (N, H), hs (len N, H), saved (len N, 4H). Each step's hg =    \
     hPrev W_hh^T + b_hh goes into saved's first three blocks, which the cell then           \
     rewrites. */                                                                            \
  KERNEL gru_seq_##SUF(GLOBAL const T* xg, int xg_off, GLOBAL const T* w, int w_off,         \
      int swj, int swk, GLOBAL const T* bias, int b_off, int has_bias, GLOBAL const T* h0,   \
      int h0_off, GLOBAL T* hs, int hs_off, GLOBAL T* saved, int sv_off, int len, int n,     \
      int hsz, int reverse) {                                                                \
    LOCAL_ARRAY(T, tile, SEQ_KC * SEQ_TILE_STRIDE);                                          \
    LOCAL_ARRAY(T, hl, SEQ_ROWS * SEQ_KC);                                                   \
    int row0 = GROUP_ID() * SEQ_ROWS;                                                        \
    int rows = n - row0 < SEQ_ROWS ? n - row0 : SEQ_ROWS;                                    \
    for (int s = 0; s < len; s++) {                                                          \
      int t = reverse ? len - 1 - s : s;                                                     \
      int tp = reverse ? t + 1 : t - 1;                                                      \
      GLOBAL const T* hp = s == 0 ? h0 : (GLOBAL const T*) hs;                               \
      int hp_off = (s == 0 ? h0_off : hs_off + tp * n * hsz) + row0 * hsz;                   \
      int st = sv_off + t * n * 4 * hsz + row0 * 4 * hsz;                                    \
      ember_seq_product_##SUF(saved, st, 4 * hsz, 0, bias, b_off, has_bias, hp, hp_off, w,   \
          w_off, swj, swk, rows, 3 * hsz, hsz, tile, hl);                                    \
      BARRIER_GLOBAL();                                                                      \
      int o_off = t * n * hsz + row0 * hsz;                                                  \
      int xt = xg_off + t * n * 3 * hsz + row0 * 3 * hsz;                                    \
      for (int i = LOCAL_ID(); i < rows * hsz; i += LOCAL_SIZE()) {                          \
        int r = i / hsz;                                                                     \
        int j = i - r * hsz;                                                                 \
        hs[hs_off + o_off + i] = ember_gru_cell_##SUF(xg, xt + r * 3 * hsz + j, saved,       \
            st + r * 4 * hsz + j, hp[hp_off + i], hsz, saved, st + r * 4 * hsz + j);         \
      }                                                                                      \
    }                                                                                        \
  }                                                                                          \
                                                                                             \
  /* Backend.gruRecurrenceBackward: saved (len N, 4H), hs, gout (len N, H), h0, dh (N, H),   \
     w = W_hh (3H, H) with strides (swj, swk), dxg, dhg (len N, 3H). The last step reads     \
     its h gradient from gout, not dh. */                                                    \
  KERNEL gru_seq_backward_##SUF(GLOBAL const T* saved, int sv_off, GLOBAL const T* hs,       \
      int hs_off, GLOBAL const T* h0, int h0_off, GLOBAL const T* w, int w_off, int swj,     \
      int swk, GLOBAL const T* gout, int gout_off, GLOBAL T* dh, int dh_off,                 \
      GLOBAL T* dxg, int dxg_off, GLOBAL T* dhg, int dhg_off, int len, int n, int hsz,       \
      int need_dh0, int reverse) {                                                           \
    int row0 = GROUP_ID() * SEQ_ROWS;                                                        \
    int rows = n - row0 < SEQ_ROWS ? n - row0 : SEQ_ROWS;                                    \
    int st_off = row0 * hsz;                                                                 \
    for (int s = len - 1; s >= 0; s--) {                                                     \
      int t = reverse ? len - 1 - s : s;                                                     \
      int tp = reverse ? t + 1 : t - 1;                                                      \
      int g3 = t * n * 3 * hsz + row0 * 3 * hsz;                                             \
      int g4 = sv_off + t * n * 4 * hsz + row0 * 4 * hsz;                                    \
      for (int i = LOCAL_ID(); i < rows * hsz; i += LOCAL_SIZE()) {                          \
        int r = i / hsz;                                                                     \
        int j = i - r * hsz;                                                                 \
        int e = st_off + i;                                                                  \
        T hpv = s == 0 ? h0[h0_off + e] : hs[hs_off + tp * n * hsz + e];                     \
        T dhv = s == len - 1 ? gout[gout_off + t * n * hsz + e] : dh[dh_off + e];            \
        dh[dh_off + e] = ember_gru_cell_backward_##SUF(saved, g4 + r * 4 * hsz + j, hsz,     \
            hpv, dhv, dxg, dxg_off + g3 + r * 3 * hsz + j, dhg,                              \
            dhg_off + g3 + r * 3 * hsz + j);                                                 \
      }                                                                                      \
      BARRIER_GLOBAL();                                                                      \
      if (s > 0 || need_dh0) {                                                               \
        ember_seq_product_t_##SUF(dh, dh_off + st_off, 1, gout,                              \
            gout_off + tp * n * hsz + st_off, s > 0, dhg, dhg_off + g3, 3 * hsz, w, w_off,   \
            swj, swk, rows, 3 * hsz, hsz);                                                   \
      }                                                                                      \
      BARRIER_GLOBAL();                                                                      \
    }                                                                                        \
  }                                                                                          \
                                                                                             \
  /* Backend.rnnRecurrence: pre (len N, H) the input projections with both biases,           \
     rewritten with hPrev W_hh^T added; w = W_hh (H, H) with strides (swj, swk); h0 (N,      \
     H); hs (len N, H) = tanh or relu (elementwise.c's) of pre. */                           \
  KERNEL rnn_seq_##SUF(GLOBAL T* pre, int p_off, GLOBAL const T* w, int w_off, int swj,      \
      int swk, GLOBAL const T* h0, int h0_off, GLOBAL T* hs, int hs_off, int len, int n,     \
      int hsz, int relu, int reverse) {                                                      \
    LOCAL_ARRAY(T, tile, SEQ_KC * SEQ_TILE_STRIDE);                                          \
    LOCAL_ARRAY(T, hl, SEQ_ROWS * SEQ_KC);                                                   \
    int row0 = GROUP_ID() * SEQ_ROWS;                                                        \
    int rows = n - row0 < SEQ_ROWS ? n - row0 : SEQ_ROWS;                                    \
    for (int s = 0; s < len; s++) {                                                          \
      int t = reverse ? len - 1 - s : s;                                                     \
      int tp = reverse ? t + 1 : t - 1;                                                      \
      GLOBAL const T* hp = s == 0 ? h0 : (GLOBAL const T*) hs;                               \
      int hp_off = (s == 0 ? h0_off : hs_off + tp * n * hsz) + row0 * hsz;                   \
      int o_off = t * n * hsz + row0 * hsz;                                                  \
      ember_seq_product_##SUF(pre, p_off + o_off, hsz, 1, pre, 0, 0, hp, hp_off, w, w_off,   \
          swj, swk, rows, hsz, hsz, tile, hl);                                               \
      BARRIER_GLOBAL();                                                                      \
      for (int i = LOCAL_ID(); i < rows * hsz; i += LOCAL_SIZE()) {                          \
        T x = pre[p_off + o_off + i];                                                        \
        hs[hs_off + o_off + i] = relu ? relu_##SUF(x) : tanh_##SUF(x);                       \
      }                                                                                      \
    }                                                                                        \
  }                                                                                          \
                                                                                             \
  /* Backend.rnnRecurrenceBackward: hs, gout, dG (len N, H), dh (N, H), w = W_hh (H, H)      \
     with strides (swj, swk). dG = relu ? (h <= 0 ? 0 : dh) : dh - h h dh, as the CPU's      \
     ops. The last step reads its h gradient from gout, not dh. */                           \
  KERNEL rnn_seq_backward_##SUF(GLOBAL const T* hs, int hs_off, GLOBAL const T* w,           \
      int w_off, int swj, int swk, GLOBAL const T* gout, int gout_off, GLOBAL T* dh,         \
      int dh_off, GLOBAL T* dG, int dG_off, int len, int n, int hsz, int relu,               \
      int need_dh0, int reverse) {                                                           \
    int row0 = GROUP_ID() * SEQ_ROWS;                                                        \
    int rows = n - row0 < SEQ_ROWS ? n - row0 : SEQ_ROWS;                                    \
    int st_off = row0 * hsz;                                                                 \
    for (int s = len - 1; s >= 0; s--) {                                                     \
      int t = reverse ? len - 1 - s : s;                                                     \
      int tp = reverse ? t + 1 : t - 1;                                                      \
      int o_off = t * n * hsz + st_off;                                                      \
      for (int i = LOCAL_ID(); i < rows * hsz; i += LOCAL_SIZE()) {                          \
        T hv = hs[hs_off + o_off + i];                                                       \
        T dv = s == len - 1 ? gout[gout_off + o_off + i] : dh[dh_off + st_off + i];          \
        dG[dG_off + o_off + i] = relu ? (hv <= (T) 0 ? (T) 0 : dv) : dv - hv * hv * dv;      \
      }                                                                                      \
      BARRIER_GLOBAL();                                                                      \
      if (s > 0 || need_dh0) {                                                               \
        ember_seq_product_t_##SUF(dh, dh_off + st_off, 0, gout,                              \
            gout_off + tp * n * hsz + st_off, s > 0, dG, dG_off + o_off, hsz, w, w_off,      \
            swj, swk, rows, hsz, hsz);                                                       \
      }                                                                                      \
      BARRIER_GLOBAL();                                                                      \
    }                                                                                        \
  }

EMBER_RECURRENT(f32, float)
EMBER_RECURRENT(f64, double)
