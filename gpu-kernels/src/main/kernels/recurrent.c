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

#define EMBER_RECURRENT(SUF, T)                                                              \
  DEVICE_FN T ember_sigmoid_##SUF(T x) {                                                     \
    return (T) 1 / ((T) 1 + exp(-x));                                                        \
  }                                                                                          \
                                                                                             \
  KERNEL lstm_cell_##SUF(GLOBAL T* gates, int gates_off, GLOBAL const T* cPrev,             \
      int cPrev_off, GLOBAL T* h, int h_off, GLOBAL T* c, int c_off, int n, int hs) {        \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int r = i / hs;                                                                          \
    int j = i - r * hs;                                                                      \
    int gb = gates_off + r * 4 * hs + j;                                                     \
    T ig = ember_sigmoid_##SUF(gates[gb]);                                                   \
    T fg = ember_sigmoid_##SUF(gates[gb + hs]);                                              \
    T gg = tanh(gates[gb + 2 * hs]);                                                         \
    T og = ember_sigmoid_##SUF(gates[gb + 3 * hs]);                                          \
    T cc = fg * cPrev[cPrev_off + i] + ig * gg;                                              \
    gates[gb] = ig;                                                                          \
    gates[gb + hs] = fg;                                                                     \
    gates[gb + 2 * hs] = gg;                                                                 \
    gates[gb + 3 * hs] = og;                                                                 \
    c[c_off + i] = cc;                                                                       \
    h[h_off + i] = og * tanh(cc);                                                            \
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
    int ab = act_off + r * 4 * hs + j;                                                       \
    int db = dGates_off + r * 4 * hs + j;                                                    \
    T ig = act[ab];                                                                          \
    T fg = act[ab + hs];                                                                     \
    T gg = act[ab + 2 * hs];                                                                 \
    T og = act[ab + 3 * hs];                                                                 \
    T t = tanh(c[c_off + i]);                                                                \
    T cp = cPrev[cPrev_off + i];                                                             \
    T dhv = has_dh ? dh[dh_off + i] : (T) 0;                                                 \
    T dcv = has_dc ? dc[dc_off + i] : (T) 0;                                                 \
    T d = dcv + dhv * og * ((T) 1 - t * t);                                                  \
    dGates[db] = d * gg * ig * ((T) 1 - ig);                                                 \
    dGates[db + hs] = d * cp * fg * ((T) 1 - fg);                                            \
    dGates[db + 2 * hs] = d * ig * ((T) 1 - gg * gg);                                        \
    dGates[db + 3 * hs] = dhv * t * og * ((T) 1 - og);                                       \
    dcPrev[dcPrev_off + i] = d * fg;                                                         \
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
