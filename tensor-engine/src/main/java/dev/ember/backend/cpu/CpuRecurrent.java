package dev.ember.backend.cpu;

import dev.ember.backend.OperandChecks;
import dev.ember.backend.cpu.CpuLoops.View;
import dev.ember.tensor.DType;

/**
 * Fused recurrent cells on the CPU: the LSTM and GRU cell of one time step, forward and backward,
 * each one pass over the rows of the gates (see {@link dev.ember.backend.Backend#lstmCell} and the
 * methods after it for the math).
 *
 * <p>Operands are contiguous row-major matrices (checked); rows (batch elements) are spread over
 * {@link Parallel}'s threads and every element is computed from its own row alone, so results do
 * not depend on the number of threads. float32 cells copy the gate blocks of a row into scratch
 * rows, take tanh from {@link FloatMath} (SIMD where available, within 0.51 ulp) and sigmoid as
 * {@code 1 / (1 + exp(-x))} from its float exp (within about 2 ulp), combine them in loops that C2
 * vectorizes, and copy the results back; float64 cells compute in double with {@link Math}.
 *
 * <pre>
 * LSTM  c = f cPrev + i g,  h = o tanh(c)
 *       dc~ = dc + dh o (1 - tanh(c)^2)
 *       di = dc~ g i (1 - i)   df = dc~ cPrev f (1 - f)   dg = dc~ i (1 - g^2)
 *       do = dh tanh(c) o (1 - o)   dcPrev = dc~ f
 * GRU   h = n + z (hPrev - n),  n = tanh(xn + r hn)
 *       dn~ = dh (1 - z) (1 - n^2)   dr~ = dn~ hn r (1 - r)   dz~ = dh (hPrev - n) z (1 - z)
 *       dxg = (dr~, dz~, dn~)   dhg = (dr~, dz~, dn~ r)   dhPrev = dh z
 * </pre>
 */
final class CpuRecurrent {
  private CpuRecurrent() {}

  /** Rows per thread at least: a row of an LSTM cell costs about 5H transcendentals. */
  private static int grainRows(int rowWork) {
    return Math.max(1, CpuLoops.GRAIN_HEAVY / Math.max(1, rowWork));
  }

  /** {@code t} as the shared checks see it (null: an absent operand). */
  private static OperandChecks.Operand operand(View t, String name) {
    return t == null ? null
        : new OperandChecks.Operand(name, t.shape(), t.strides(), t.isContiguous(), t.dtype());
  }

  // -----------------------------------------------------------------------------------------------
  // LSTM

  static void lstmCell(View gates, View cPrev, View h, View c) {
    int hs = OperandChecks.lstmCell(operand(gates, "gates"), operand(cPrev, "cPrev"),
        operand(h, "h"), operand(c, "c"));
    int n = gates.shape()[0];
    if (gates.dtype() == DType.FLOAT32) {
      FloatMath fm = FloatMath.get();
      float[] g = (float[]) gates.array();
      float[] cp = (float[]) cPrev.array();
      float[] ha = (float[]) h.array();
      float[] ca = (float[]) c.array();
      Parallel.forRange(n, grainRows(5 * hs), (r0, r1) -> {
        Rows w = new Rows(8, hs);
        float[] i = w.r[0];
        float[] f = w.r[1];
        float[] gg = w.r[2];
        float[] o = w.r[3];
        float[] cpr = w.r[4];
        float[] cr = w.r[5];
        float[] tc = w.r[6];
        float[] hr = w.r[7];
        for (int r = r0; r < r1; r++) {
          int gb = gates.offset() + r * 4 * hs;
          w.load(g, gb, 0, 4);
          System.arraycopy(cp, cPrev.offset() + r * hs, cpr, 0, hs);
          sigmoid(fm, i, hs);
          sigmoid(fm, f, hs);
          fm.tanh(gg, 0, gg, 0, hs);
          sigmoid(fm, o, hs);
          for (int j = 0; j < hs; j++) {
            cr[j] = f[j] * cpr[j] + i[j] * gg[j];
          }
          fm.tanh(cr, 0, tc, 0, hs);
          for (int j = 0; j < hs; j++) {
            hr[j] = o[j] * tc[j];
          }
          w.store(g, gb, 0, 4);
          System.arraycopy(cr, 0, ca, c.offset() + r * hs, hs);
          System.arraycopy(hr, 0, ha, h.offset() + r * hs, hs);
        }
      });
    } else {
      double[] g = (double[]) gates.array();
      double[] cp = (double[]) cPrev.array();
      double[] ha = (double[]) h.array();
      double[] ca = (double[]) c.array();
      Parallel.forRange(n, grainRows(5 * hs), (r0, r1) -> {
        for (int r = r0; r < r1; r++) {
          int gb = gates.offset() + r * 4 * hs;
          int cpb = cPrev.offset() + r * hs;
          int hb = h.offset() + r * hs;
          int cb = c.offset() + r * hs;
          for (int j = 0; j < hs; j++) {
            double i = sigmoid(g[gb + j]);
            double f = sigmoid(g[gb + hs + j]);
            double gg = Math.tanh(g[gb + 2 * hs + j]);
            double o = sigmoid(g[gb + 3 * hs + j]);
            g[gb + j] = i;
            g[gb + hs + j] = f;
            g[gb + 2 * hs + j] = gg;
            g[gb + 3 * hs + j] = o;
            double cc = f * cp[cpb + j] + i * gg;
            ca[cb + j] = cc;
            ha[hb + j] = o * Math.tanh(cc);
          }
        }
      });
    }
  }

  static void lstmCellBackward(
      View act, View cPrev, View c, View dh, View dc, View dGates, View dcPrev) {
    int hs = OperandChecks.lstmCellBackward(operand(act, "act"), operand(cPrev, "cPrev"),
        operand(c, "c"), operand(dh, "dh"), operand(dc, "dc"), operand(dGates, "dGates"),
        operand(dcPrev, "dcPrev"));
    int n = act.shape()[0];
    if (act.dtype() == DType.FLOAT32) {
      FloatMath fm = FloatMath.get();
      float[] a = (float[]) act.array();
      float[] cp = (float[]) cPrev.array();
      float[] ca = (float[]) c.array();
      float[] dha = dh == null ? null : (float[]) dh.array();
      float[] dca = dc == null ? null : (float[]) dc.array();
      float[] dg = (float[]) dGates.array();
      float[] dcp = (float[]) dcPrev.array();
      Parallel.forRange(n, grainRows(3 * hs), (r0, r1) -> {
        Rows w = new Rows(13, hs);
        float[] i = w.r[0];
        float[] f = w.r[1];
        float[] g = w.r[2];
        float[] o = w.r[3];
        float[] di = w.r[4];
        float[] df = w.r[5];
        float[] dgg = w.r[6];
        float[] dout = w.r[7];
        float[] cpr = w.r[8];
        float[] t = w.r[9];
        float[] dhr = w.r[10];
        float[] dct = w.r[11];
        float[] dcpr = w.r[12];
        for (int r = r0; r < r1; r++) {
          w.load(a, act.offset() + r * 4 * hs, 0, 4);
          System.arraycopy(cp, cPrev.offset() + r * hs, cpr, 0, hs);
          fm.tanh(ca, c.offset() + r * hs, t, 0, hs);
          if (dha != null) {
            System.arraycopy(dha, dh.offset() + r * hs, dhr, 0, hs);
          } else {
            java.util.Arrays.fill(dhr, 0f);
          }
          if (dca != null) {
            System.arraycopy(dca, dc.offset() + r * hs, dct, 0, hs);
          } else {
            java.util.Arrays.fill(dct, 0f);
          }
          for (int j = 0; j < hs; j++) {
            float d = dct[j] + dhr[j] * o[j] * (1f - t[j] * t[j]);
            di[j] = d * g[j] * i[j] * (1f - i[j]);
            df[j] = d * cpr[j] * f[j] * (1f - f[j]);
            dgg[j] = d * i[j] * (1f - g[j] * g[j]);
            dout[j] = dhr[j] * t[j] * o[j] * (1f - o[j]);
            dcpr[j] = d * f[j];
          }
          w.store(dg, dGates.offset() + r * 4 * hs, 4, 4);
          System.arraycopy(dcpr, 0, dcp, dcPrev.offset() + r * hs, hs);
        }
      });
    } else {
      double[] a = (double[]) act.array();
      double[] cp = (double[]) cPrev.array();
      double[] ca = (double[]) c.array();
      double[] dha = dh == null ? null : (double[]) dh.array();
      double[] dca = dc == null ? null : (double[]) dc.array();
      double[] dg = (double[]) dGates.array();
      double[] dcp = (double[]) dcPrev.array();
      Parallel.forRange(n, grainRows(3 * hs), (r0, r1) -> {
        for (int r = r0; r < r1; r++) {
          int ab = act.offset() + r * 4 * hs;
          int db = dGates.offset() + r * 4 * hs;
          int cb = c.offset() + r * hs;
          int cpb = cPrev.offset() + r * hs;
          int dhb = dh == null ? 0 : dh.offset() + r * hs;
          int dcb = dc == null ? 0 : dc.offset() + r * hs;
          int dcpb = dcPrev.offset() + r * hs;
          for (int j = 0; j < hs; j++) {
            double i = a[ab + j];
            double f = a[ab + hs + j];
            double g = a[ab + 2 * hs + j];
            double o = a[ab + 3 * hs + j];
            double t = Math.tanh(ca[cb + j]);
            double dhv = dha == null ? 0 : dha[dhb + j];
            double dct = (dca == null ? 0 : dca[dcb + j]) + dhv * o * (1 - t * t);
            dg[db + j] = dct * g * i * (1 - i);
            dg[db + hs + j] = dct * cp[cpb + j] * f * (1 - f);
            dg[db + 2 * hs + j] = dct * i * (1 - g * g);
            dg[db + 3 * hs + j] = dhv * t * o * (1 - o);
            dcp[dcpb + j] = dct * f;
          }
        }
      });
    }
  }

  // -----------------------------------------------------------------------------------------------
  // GRU

  static void gruCell(View xg, View hg, View hPrev, View h, View saved) {
    int hs = OperandChecks.gruCell(operand(xg, "xg"), operand(hg, "hg"), operand(hPrev, "hPrev"),
        operand(h, "h"), operand(saved, "saved"));
    int n = xg.shape()[0];
    if (xg.dtype() == DType.FLOAT32) {
      FloatMath fm = FloatMath.get();
      float[] x = (float[]) xg.array();
      float[] hh = (float[]) hg.array();
      float[] hp = (float[]) hPrev.array();
      float[] ha = (float[]) h.array();
      float[] s = (float[]) saved.array();
      Parallel.forRange(n, grainRows(4 * hs), (r0, r1) -> {
        // Rows 0-3 are what gruCellBackward needs (r, z, n, hn), in saved's order.
        Rows w = new Rows(9, hs);
        float[] rr = w.r[0];
        float[] z = w.r[1];
        float[] nn = w.r[2];
        float[] hn = w.r[3];
        float[] xr = w.r[4];
        float[] xz = w.r[5];
        float[] xn = w.r[6];
        float[] hpr = w.r[7];
        float[] hr = w.r[8];
        for (int r = r0; r < r1; r++) {
          w.load(x, xg.offset() + r * 3 * hs, 4, 3);
          w.load(hh, hg.offset() + r * 3 * hs, 0, 2);
          System.arraycopy(hh, hg.offset() + r * 3 * hs + 2 * hs, hn, 0, hs);
          System.arraycopy(hp, hPrev.offset() + r * hs, hpr, 0, hs);
          for (int j = 0; j < hs; j++) {
            rr[j] += xr[j];
            z[j] += xz[j];
          }
          sigmoid(fm, rr, hs);
          sigmoid(fm, z, hs);
          for (int j = 0; j < hs; j++) {
            nn[j] = xn[j] + rr[j] * hn[j];
          }
          fm.tanh(nn, 0, nn, 0, hs);
          for (int j = 0; j < hs; j++) {
            hr[j] = (hpr[j] - nn[j]) * z[j] + nn[j];
          }
          w.store(s, saved.offset() + r * 4 * hs, 0, 4);
          System.arraycopy(hr, 0, ha, h.offset() + r * hs, hs);
        }
      });
    } else {
      double[] x = (double[]) xg.array();
      double[] hh = (double[]) hg.array();
      double[] hp = (double[]) hPrev.array();
      double[] ha = (double[]) h.array();
      double[] s = (double[]) saved.array();
      Parallel.forRange(n, grainRows(4 * hs), (r0, r1) -> {
        for (int r = r0; r < r1; r++) {
          int xb = xg.offset() + r * 3 * hs;
          int hgb = hg.offset() + r * 3 * hs;
          int sb = saved.offset() + r * 4 * hs;
          int hpb = hPrev.offset() + r * hs;
          int hb = h.offset() + r * hs;
          for (int j = 0; j < hs; j++) {
            double rr = sigmoid(x[xb + j] + hh[hgb + j]);
            double z = sigmoid(x[xb + hs + j] + hh[hgb + hs + j]);
            double hn = hh[hgb + 2 * hs + j];
            double nn = Math.tanh(x[xb + 2 * hs + j] + rr * hn);
            s[sb + j] = rr;
            s[sb + hs + j] = z;
            s[sb + 2 * hs + j] = nn;
            s[sb + 3 * hs + j] = hn;
            ha[hb + j] = (hp[hpb + j] - nn) * z + nn;
          }
        }
      });
    }
  }

  static void gruCellBackward(View saved, View hPrev, View dh, View dxg, View dhg, View dhPrev) {
    int hs = OperandChecks.gruCellBackward(operand(saved, "saved"), operand(hPrev, "hPrev"),
        operand(dh, "dh"), operand(dxg, "dxg"), operand(dhg, "dhg"), operand(dhPrev, "dhPrev"));
    int n = saved.shape()[0];
    if (saved.dtype() == DType.FLOAT32) {
      float[] s = (float[]) saved.array();
      float[] hp = (float[]) hPrev.array();
      float[] d = (float[]) dh.array();
      float[] dx = (float[]) dxg.array();
      float[] dhh = (float[]) dhg.array();
      float[] dp = (float[]) dhPrev.array();
      Parallel.forRange(n, grainRows(2 * hs), (r0, r1) -> {
        // Rows 4-6 are dxg's blocks (r, z, n); dhg is rows 4, 5 and 7.
        Rows w = new Rows(11, hs);
        float[] rr = w.r[0];
        float[] z = w.r[1];
        float[] nn = w.r[2];
        float[] hn = w.r[3];
        float[] dr = w.r[4];
        float[] dz = w.r[5];
        float[] dn = w.r[6];
        float[] dnr = w.r[7];
        float[] hpr = w.r[8];
        float[] dv = w.r[9];
        float[] dpr = w.r[10];
        for (int r = r0; r < r1; r++) {
          w.load(s, saved.offset() + r * 4 * hs, 0, 4);
          System.arraycopy(hp, hPrev.offset() + r * hs, hpr, 0, hs);
          System.arraycopy(d, dh.offset() + r * hs, dv, 0, hs);
          for (int j = 0; j < hs; j++) {
            float dnj = dv[j] * (1f - z[j]) * (1f - nn[j] * nn[j]);
            dn[j] = dnj;
            dr[j] = dnj * hn[j] * rr[j] * (1f - rr[j]);
            dz[j] = dv[j] * (hpr[j] - nn[j]) * z[j] * (1f - z[j]);
            dnr[j] = dnj * rr[j];
            dpr[j] = dv[j] * z[j];
          }
          int xb = dxg.offset() + r * 3 * hs;
          int hb = dhg.offset() + r * 3 * hs;
          w.store(dx, xb, 4, 3);
          w.store(dhh, hb, 4, 2);
          System.arraycopy(dnr, 0, dhh, hb + 2 * hs, hs);
          System.arraycopy(dpr, 0, dp, dhPrev.offset() + r * hs, hs);
        }
      });
    } else {
      double[] s = (double[]) saved.array();
      double[] hp = (double[]) hPrev.array();
      double[] d = (double[]) dh.array();
      double[] dx = (double[]) dxg.array();
      double[] dhh = (double[]) dhg.array();
      double[] dp = (double[]) dhPrev.array();
      Parallel.forRange(n, grainRows(2 * hs), (r0, r1) -> {
        for (int r = r0; r < r1; r++) {
          int sb = saved.offset() + r * 4 * hs;
          int hpb = hPrev.offset() + r * hs;
          int db = dh.offset() + r * hs;
          int xb = dxg.offset() + r * 3 * hs;
          int hb = dhg.offset() + r * 3 * hs;
          int pb = dhPrev.offset() + r * hs;
          for (int j = 0; j < hs; j++) {
            double rr = s[sb + j];
            double z = s[sb + hs + j];
            double nn = s[sb + 2 * hs + j];
            double hn = s[sb + 3 * hs + j];
            double dv = d[db + j];
            double dn = dv * (1 - z) * (1 - nn * nn);
            double dr = dn * hn * rr * (1 - rr);
            double dz = dv * (hp[hpb + j] - nn) * z * (1 - z);
            dx[xb + j] = dr;
            dx[xb + hs + j] = dz;
            dx[xb + 2 * hs + j] = dn;
            dhh[hb + j] = dr;
            dhh[hb + hs + j] = dz;
            dhh[hb + 2 * hs + j] = dn * rr;
            dp[pb + j] = dv * z;
          }
        }
      });
    }
  }

  /**
   * {@code a[0 .. n) = 1 / (1 + e^-a)} in float from {@link FloatMath#exp}, within about 2 ulp
   * (FloatMath's own sigmoid rounds once from double, which costs four times as much and buys
   * nothing a recurrent cell could use).
   */
  private static void sigmoid(FloatMath fm, float[] a, int n) {
    for (int j = 0; j < n; j++) {
      a[j] = -a[j];
    }
    fm.exp(a, 0, a, 0, n);
    for (int j = 0; j < n; j++) {
      a[j] = 1f / (1f + a[j]);
    }
  }

  /**
   * Per-thread scratch rows of H floats. The float32 cells copy the blocks of a row into these,
   * compute with loops that index every array alike (which C2 vectorizes; with a different offset
   * per array it cannot rule out overlap and runs them scalar, 5-7 times slower) and copy back.
   */
  private static final class Rows {
    final float[][] r;
    private final int hs;

    Rows(int count, int hs) {
      this.hs = hs;
      r = new float[count][hs];
    }

    /** Blocks {@code 0 .. count) of H floats from {@code src[off ..]} into rows {@code first ..}. */
    void load(float[] src, int off, int first, int count) {
      for (int k = 0; k < count; k++) {
        System.arraycopy(src, off + k * hs, r[first + k], 0, hs);
      }
    }

    /** Rows {@code first .. first + count) into consecutive blocks of {@code dst[off ..]}. */
    void store(float[] dst, int off, int first, int count) {
      for (int k = 0; k < count; k++) {
        System.arraycopy(r[first + k], 0, dst, off + k * hs, hs);
      }
    }
  }

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }
}
