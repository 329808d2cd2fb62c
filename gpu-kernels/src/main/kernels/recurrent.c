/*
 * Fused recurrent cells (Backend.lstmCell / lstmCellBackward / gruCell / gruCellBackward): one
 * work item per (row r, hidden unit j), i = r * H + j, over n = N * H items; every operand is a
 * contiguous row-major matrix given as (buffer, element offset). One kernel per dtype (f32, f64).
 *
 *   LSTM  gates (i, f, g, o) = (sigmoid, sigmoid, tanh, sigmoid) of the pre-activations
 *         c = f cPrev + i g,  h = o tanh(c)
 *         dc~ = dc + dh o (1 - tanh(c)^2)
 *         di = dc~ g i (1 - i)   df = dc~ cPrev f (1 - f)   dg = dc~ i (1 - g^2)
 *         do = dh tanh(c) o (1 - o)   dcPrev = dc~ f
 *   GRU   r = sigmoid(xr + hr)  z = sigmoid(xz + hz)  n = tanh(xn + r hn)  h = (hPrev - n) z + n
 *         saved = (r, z, n, hn)
 *         dn~ = dh (1 - z) (1 - n^2)   dr~ = dn~ hn r (1 - r)   dz~ = dh (hPrev - n) z (1 - z)
 *         dxg = (dr~, dz~, dn~)   dhg = (dr~, dz~, dn~ r)   dhPrev = dh z
 *
 * The formulas and the order of operations are the CPU backend's (CpuRecurrent), with sigmoid
 * as 1 / (1 + exp(-x)). A work item reads every element it needs before it writes any, and the
 * elements it writes are read by no other work item, so an output may alias the input of the
 * same shape that the Javadoc allows (dcPrev = dc, dhPrev = dh) and gates is rewritten in place.
 * A null dh or dc (has_dh / has_dc 0) is zero; its buffer argument is then any buffer of the
 * dtype and is not read.
 */
#include "ember_gpu.h"

#ifdef __OPENCL_VERSION__
#pragma OPENCL FP_CONTRACT OFF
#endif

/*
 * The whole recurrence of an LSTM layer-direction in one launch (Backend.lstmRecurrence and
 * lstmRecurrenceBackward; the CPU's default runs a GEMM and a cell per step). The recurrence
 * never mixes batch rows, so each group owns LSTM_ROWS rows for all steps and the groups need no
 * grid-wide synchronization, only barriers within the group between the phases of a step, whose
 * global fence hands one work item's writes of h, c, dG and dh to the others.
 *  forward, per step:  gates_t += hPrev W_hh^T for the group's rows, W_hh staged through local
 *                      memory in tiles of LSTM_KC k x LOCAL_SIZE gate columns (read along k,
 *                      W_hh's rows, so consecutive work items read neighbouring elements); then
 *                      the cell of lstm_cell.
 *  backward, per step: the cell of lstm_cell_backward; then dh = gout_tp + dG_t W_hh.
 * The groups' size is at most LSTM_TILE_STRIDE - 1 (the backend's 1-D local size, at most 256).
 */
#define LSTM_ROWS 4
#define LSTM_KC 16
#define LSTM_TILE_STRIDE 257

#define EMBER_RECURRENT(SUF, T)                                                              \
  DEVICE_FN T ember_sigmoid_##SUF(T x) {                                                     \
    return (T) 1 / ((T) 1 + exp(-x));                                                        \
  }                                                                                          \
                                                                                             \
  /* One LSTM cell element: the gates of (row, unit) at gates[gb + q hs], q = i, f, g, o, are  \
     rewritten as activations; returns c, writes h. */                                        \
  DEVICE_FN T ember_lstm_cell_##SUF(GLOBAL T* gates, int gb, int hs, T cp, GLOBAL T* h,       \
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
  /* One LSTM cell element's backward from the activations at act[ab + q hs], cPrev cp, c cc  \
     and the gradients dhv, dcv: writes dGates[db + q hs], returns dcPrev. */                 \
  DEVICE_FN T ember_lstm_cell_backward_##SUF(GLOBAL const T* act, int ab, int hs, T cp, T cc,  \
      T dhv, T dcv, GLOBAL T* dGates, int db) {                                              \
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
  KERNEL lstm_cell_##SUF(GLOBAL T* gates, int gates_off, GLOBAL const T* cPrev,             \
      int cPrev_off, GLOBAL T* h, int h_off, GLOBAL T* c, int c_off, int n, int hs) {        \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int r = i / hs;                                                                          \
    int j = i - r * hs;                                                                      \
    c[c_off + i] = ember_lstm_cell_##SUF(gates, gates_off + r * 4 * hs + j, hs,              \
        cPrev[cPrev_off + i], h, h_off + i);                                                 \
  }                                                                                          \
                                                                                             \
  KERNEL lstm_cell_backward_##SUF(GLOBAL const T* act, int act_off, GLOBAL const T* cPrev,  \
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
  /* Backend.lstmRecurrence: group g owns batch rows g R .. g R + R - 1 for all len steps     \
     (see the file's comment); gates (len N, 4H), w = W_hh (4H, H) with strides (swj, swk),  \
     h0, c0 (N, H), hs, cs (len N, H). */                                                     \
  KERNEL lstm_seq_##SUF(GLOBAL T* gates, int g_off, GLOBAL const T* w, int w_off, int swj,  \
      int swk, GLOBAL const T* h0, int h0_off, GLOBAL const T* c0, int c0_off, GLOBAL T* hs,  \
      int hs_off, GLOBAL T* cs, int cs_off, int len, int n, int hsz, int reverse) {           \
    LOCAL_ARRAY(T, tile, LSTM_KC * LSTM_TILE_STRIDE);                                         \
    LOCAL_ARRAY(T, hl, LSTM_ROWS * LSTM_KC);                                                  \
    int lid = LOCAL_ID();                                                                    \
    int ls = LOCAL_SIZE();                                                                   \
    int row0 = GROUP_ID() * LSTM_ROWS;                                                       \
    int rows = n - row0 < LSTM_ROWS ? n - row0 : LSTM_ROWS;                                  \
    int g4 = 4 * hsz;                                                                        \
    for (int s = 0; s < len; s++) {                                                          \
      int t = reverse ? len - 1 - s : s;                                                     \
      int tp = reverse ? t + 1 : t - 1;                                                      \
      GLOBAL const T* hp = s == 0 ? h0 : (GLOBAL const T*) hs;                               \
      int hp_off = s == 0 ? h0_off : hs_off + tp * n * hsz;                                  \
      GLOBAL const T* cp = s == 0 ? c0 : (GLOBAL const T*) cs;                               \
      int cp_off = s == 0 ? c0_off : cs_off + tp * n * hsz;                                  \
      int gt_off = g_off + t * n * g4;                                                       \
      /* gates_t[rows] += hPrev[rows] W_hh^T, LOCAL_SIZE gate columns at a time */            \
      for (int cb = 0; cb < g4; cb += ls) {                                                  \
        int j = cb + lid;                                                                    \
        T acc[LSTM_ROWS];                                                                    \
        for (int r = 0; r < LSTM_ROWS; r++) acc[r] = (T) 0;                                  \
        for (int k0 = 0; k0 < hsz; k0 += LSTM_KC) {                                          \
          /* the previous tile is used up, the previous step's h and c are written */        \
          BARRIER_GLOBAL();                                                                  \
          for (int e = lid; e < ls * LSTM_KC; e += ls) {                                     \
            int col = e / LSTM_KC;                                                           \
            int kk = e - col * LSTM_KC;                                                      \
            int jj = cb + col;                                                               \
            int k = k0 + kk;                                                                 \
            tile[kk * LSTM_TILE_STRIDE + col] =                                              \
                jj < g4 && k < hsz ? w[w_off + jj * swj + k * swk] : (T) 0;                  \
          }                                                                                  \
          for (int e = lid; e < LSTM_ROWS * LSTM_KC; e += ls) {                              \
            int r = e / LSTM_KC;                                                             \
            int k = k0 + e - r * LSTM_KC;                                                    \
            hl[e] = r < rows && k < hsz ? hp[hp_off + (row0 + r) * hsz + k] : (T) 0;         \
          }                                                                                  \
          BARRIER();                                                                         \
          if (j < g4) {                                                                      \
            for (int kk = 0; kk < LSTM_KC; kk++) {                                           \
              T wv = tile[kk * LSTM_TILE_STRIDE + lid];                                      \
              for (int r = 0; r < LSTM_ROWS; r++) acc[r] += hl[r * LSTM_KC + kk] * wv;       \
            }                                                                                \
          }                                                                                  \
        }                                                                                    \
        if (j < g4) {                                                                        \
          for (int r = 0; r < rows; r++) gates[gt_off + (row0 + r) * g4 + j] += acc[r];      \
        }                                                                                    \
      }                                                                                      \
      BARRIER_GLOBAL();                                                                      \
      /* the cells of the group's rows */                                                    \
      for (int i = lid; i < rows * hsz; i += ls) {                                           \
        int r = i / hsz;                                                                     \
        int e = (row0 + r) * hsz + i - r * hsz;                                              \
        cs[cs_off + t * n * hsz + e] = ember_lstm_cell_##SUF(gates,                          \
            gt_off + (row0 + r) * g4 + i - r * hsz, hsz, cp[cp_off + e], hs,                 \
            hs_off + t * n * hsz + e);                                                       \
      }                                                                                      \
    }                                                                                        \
  }                                                                                          \
                                                                                             \
  /* Backend.lstmRecurrenceBackward, groups as lstm_seq's: act (len N, 4H), cs (len N, H), c0, \
     dh, dc (N, H), w = W_hh (4H, H) with strides (swj, swk), gout (len N, H), dG (len N, 4H). \
     dh = gout_tp + dG_t W_hh: one work item per column k of W_hh, whose reads of a row of     \
     W_hh are consecutive across the group. */                                               \
  KERNEL lstm_seq_backward_##SUF(GLOBAL const T* act, int act_off, GLOBAL const T* cs,        \
      int cs_off, GLOBAL const T* c0, int c0_off, GLOBAL const T* w, int w_off, int swj,      \
      int swk, GLOBAL const T* gout, int gout_off, GLOBAL T* dh, int dh_off, GLOBAL T* dc,    \
      int dc_off, GLOBAL T* dG, int dG_off, int len, int n, int hsz, int need_dh0,            \
      int reverse) {                                                                         \
    int lid = LOCAL_ID();                                                                    \
    int ls = LOCAL_SIZE();                                                                   \
    int row0 = GROUP_ID() * LSTM_ROWS;                                                       \
    int rows = n - row0 < LSTM_ROWS ? n - row0 : LSTM_ROWS;                                  \
    int g4 = 4 * hsz;                                                                        \
    for (int s = len - 1; s >= 0; s--) {                                                     \
      int t = reverse ? len - 1 - s : s;                                                     \
      int tp = reverse ? t + 1 : t - 1;                                                      \
      for (int i = lid; i < rows * hsz; i += ls) {                                           \
        int r = i / hsz;                                                                     \
        int e = (row0 + r) * hsz + i - r * hsz;                                              \
        int gb = t * n * g4 + (row0 + r) * g4 + i - r * hsz;                                 \
        T cpv = s == 0 ? c0[c0_off + e] : cs[cs_off + tp * n * hsz + e];                    \
        dc[dc_off + e] = ember_lstm_cell_backward_##SUF(act, act_off + gb, hsz, cpv,         \
            cs[cs_off + t * n * hsz + e], dh[dh_off + e], dc[dc_off + e], dG, dG_off + gb);  \
      }                                                                                      \
      BARRIER_GLOBAL();                                                                      \
      if (s > 0 || need_dh0) {                                                               \
        int dgt = dG_off + t * n * g4 + row0 * g4;                                           \
        for (int k = lid; k < hsz; k += ls) {                                                \
          T acc[LSTM_ROWS];                                                                  \
          for (int r = 0; r < LSTM_ROWS; r++) acc[r] = (T) 0;                                \
          for (int j = 0; j < g4; j++) {                                                     \
            T wv = w[w_off + j * swj + k * swk];                                             \
            for (int r = 0; r < LSTM_ROWS; r++) {                                            \
              if (r < rows) acc[r] += dG[dgt + r * g4 + j] * wv;                             \
            }                                                                                \
          }                                                                                  \
          for (int r = 0; r < rows; r++) {                                                   \
            int e = (row0 + r) * hsz + k;                                                    \
            dh[dh_off + e] = (s > 0 ? gout[gout_off + tp * n * hsz + e] : (T) 0) + acc[r];   \
          }                                                                                  \
        }                                                                                    \
      }                                                                                      \
      BARRIER_GLOBAL();                                                                      \
    }                                                                                        \
  }                                                                                          \
                                                                                             \
  KERNEL gru_cell_##SUF(GLOBAL const T* xg, int xg_off, GLOBAL const T* hg, int hg_off,     \
      GLOBAL const T* hPrev, int hPrev_off, GLOBAL T* h, int h_off, GLOBAL T* saved,         \
      int saved_off, int n, int hs) {                                                        \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int r = i / hs;                                                                          \
    int j = i - r * hs;                                                                      \
    int xb = xg_off + r * 3 * hs + j;                                                        \
    int hb = hg_off + r * 3 * hs + j;                                                        \
    int sb = saved_off + r * 4 * hs + j;                                                     \
    T rg = ember_sigmoid_##SUF(hg[hb] + xg[xb]);                                             \
    T zg = ember_sigmoid_##SUF(hg[hb + hs] + xg[xb + hs]);                                   \
    T hn = hg[hb + 2 * hs];                                                                  \
    T ng = tanh(xg[xb + 2 * hs] + rg * hn);                                                  \
    T hp = hPrev[hPrev_off + i];                                                             \
    saved[sb] = rg;                                                                          \
    saved[sb + hs] = zg;                                                                     \
    saved[sb + 2 * hs] = ng;                                                                 \
    saved[sb + 3 * hs] = hn;                                                                 \
    h[h_off + i] = (hp - ng) * zg + ng;                                                      \
  }                                                                                          \
                                                                                             \
  KERNEL gru_cell_backward_##SUF(GLOBAL const T* saved, int saved_off, GLOBAL const T* hPrev,\
      int hPrev_off, GLOBAL const T* dh, int dh_off, GLOBAL T* dxg, int dxg_off,             \
      GLOBAL T* dhg, int dhg_off, GLOBAL T* dhPrev, int dhPrev_off, int n, int hs) {         \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int r = i / hs;                                                                          \
    int j = i - r * hs;                                                                      \
    int sb = saved_off + r * 4 * hs + j;                                                     \
    int xb = dxg_off + r * 3 * hs + j;                                                       \
    int hb = dhg_off + r * 3 * hs + j;                                                       \
    T rg = saved[sb];                                                                        \
    T zg = saved[sb + hs];                                                                   \
    T ng = saved[sb + 2 * hs];                                                               \
    T hn = saved[sb + 3 * hs];                                                               \
    T dv = dh[dh_off + i];                                                                   \
    T hp = hPrev[hPrev_off + i];                                                             \
    T dn = dv * ((T) 1 - zg) * ((T) 1 - ng * ng);                                            \
    T dr = dn * hn * rg * ((T) 1 - rg);                                                      \
    T dz = dv * (hp - ng) * zg * ((T) 1 - zg);                                               \
    dxg[xb] = dr;                                                                            \
    dxg[xb + hs] = dz;                                                                       \
    dxg[xb + 2 * hs] = dn;                                                                   \
    dhg[hb] = dr;                                                                            \
    dhg[hb + hs] = dz;                                                                       \
    dhg[hb + 2 * hs] = dn * rg;                                                              \
    dhPrev[dhPrev_off + i] = dv * zg;                                                        \
  }

EMBER_RECURRENT(f32, float)
EMBER_RECURRENT(f64, double)
