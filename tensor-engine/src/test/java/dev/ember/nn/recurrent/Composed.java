package dev.ember.nn.recurrent;

import dev.ember.nn.F;
import dev.ember.tensor.Recurrent;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The recurrent cells and layers composed of plain tensor operators, step by step: the reference
 * that the fused operators of {@link Recurrent} are tested against.
 */
final class Composed {
  private Composed() {}

  /** {@code {h, c}} of one LSTM step from the pre-activations (N, 4H), gate order i, f, g, o. */
  static Tensor[] lstmCell(Tensor gates, Tensor cPrev) {
    List<Tensor> g = gates.chunk(4, 1);
    Tensor i = g.get(0).sigmoid();
    Tensor f = g.get(1).sigmoid();
    Tensor gg = g.get(2).tanh();
    Tensor o = g.get(3).sigmoid();
    Tensor c = f.mul(cPrev).add(i.mul(gg));
    return new Tensor[] {o.mul(c.tanh()), c};
  }

  /** h of one GRU step from xg, hg (N, 3H), gate order r, z, n. */
  static Tensor gruCell(Tensor xg, Tensor hg, Tensor hPrev) {
    List<Tensor> x = xg.chunk(3, 1);
    List<Tensor> h = hg.chunk(3, 1);
    Tensor r = x.get(0).add(h.get(0)).sigmoid();
    Tensor z = x.get(1).add(h.get(1)).sigmoid();
    Tensor n = x.get(2).add(r.mul(h.get(2))).tanh();
    return z.neg().add(1).mul(n).add(z.mul(hPrev));
  }

  /**
   * One layer-direction over x (L, N, in) as {@link Recurrent#lstm}/{@code gru}/{@code rnn}:
   * {@code kind} is "lstm", "gru", "tanh" or "relu". Returns {output (L, N, H), hN, cN or null}.
   */
  static Tensor[] layer(String kind, Tensor x, Tensor h0, Tensor c0, Tensor wIh, Tensor wHh,
      Tensor bIh, Tensor bHh, boolean reverse) {
    int len = x.size(0);
    int n = x.size(1);
    int h = wHh.size(1);
    Tensor hPrev = h0 != null ? h0 : Tensor.zeros(x.dtype(), x.device(), n, h);
    Tensor cPrev = c0 != null ? c0 : Tensor.zeros(x.dtype(), x.device(), n, h);
    Tensor[] outs = new Tensor[len];
    for (int s = 0; s < len; s++) {
      int t = reverse ? len - 1 - s : s;
      Tensor xt = x.select(0, t);
      switch (kind) {
        case "lstm" -> {
          Tensor[] hc = lstmCell(F.linear(xt, wIh, bIh).add(F.linear(hPrev, wHh, bHh)), cPrev);
          hPrev = hc[0];
          cPrev = hc[1];
        }
        case "gru" -> hPrev = gruCell(F.linear(xt, wIh, bIh), F.linear(hPrev, wHh, bHh), hPrev);
        case "tanh" -> hPrev = F.linear(xt, wIh, bIh).add(F.linear(hPrev, wHh, bHh)).tanh();
        case "relu" -> hPrev = F.linear(xt, wIh, bIh).add(F.linear(hPrev, wHh, bHh)).relu();
        default -> throw new IllegalArgumentException(kind);
      }
      outs[t] = hPrev;
    }
    List<Tensor> list = new ArrayList<>(List.of(outs));
    return new Tensor[] {Tensor.stack(list, 0), hPrev, kind.equals("lstm") ? cPrev : null};
  }

  /** The fused operator of {@link Recurrent} for {@code kind}, as {output, hN, cN or null}. */
  static Tensor[] fused(String kind, Tensor x, Tensor h0, Tensor c0, Tensor wIh, Tensor wHh,
      Tensor bIh, Tensor bHh, boolean reverse) {
    Recurrent.Sequence s = switch (kind) {
      case "lstm" -> Recurrent.lstm(x, h0, c0, wIh, wHh, bIh, bHh, reverse);
      case "gru" -> Recurrent.gru(x, h0, wIh, wHh, bIh, bHh, reverse);
      case "tanh" -> Recurrent.rnn(x, h0, wIh, wHh, bIh, bHh, false, reverse);
      case "relu" -> Recurrent.rnn(x, h0, wIh, wHh, bIh, bHh, true, reverse);
      default -> throw new IllegalArgumentException(kind);
    };
    return new Tensor[] {s.output(), s.hN(), s.cN()};
  }

  /** The number of gates of {@code kind}. */
  static int gates(String kind) {
    return switch (kind) {
      case "lstm" -> 4;
      case "gru" -> 3;
      default -> 1;
    };
  }
}
