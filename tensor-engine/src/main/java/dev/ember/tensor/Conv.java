package dev.ember.tensor;

import static dev.ember.autograd.Autograd.record;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.SavedTensor;
import dev.ember.backend.Backend;
import dev.ember.backend.ReduceOp;
import dev.ember.backend.UnaryOp;
import java.util.Arrays;

/**
 * Convolution and pooling, with PyTorch's semantics ({@code torch.nn.functional.conv2d}, {@code
 * max_pool2d}, ...): 1-D and 2-D convolution, 2-D transposed convolution, and 2-D max, average and
 * adaptive average pooling, all differentiable.
 *
 * <p>A convolution is an im2col gather and a matrix product: with the columns of the input laid
 * out as a matrix (row = input channel and kernel tap, column = sample and output position),
 * group {@code k} computes {@code Y_k = W_k @ cols_k} for its weight {@code W_k} of shape {@code
 * (O/g, C/g * kH * kW)}, as one GEMM over the whole batch (or one per sample, for layers with few
 * input channels). The only primitives are im2col and its adjoint col2im ({@link
 * dev.ember.backend.Backend#im2col}, {@link dev.ember.backend.Backend#col2im}), each the other's
 * backward, so every gradient comes from those two and the matrix product's:
 *
 * <pre>
 * dW = dY @ cols^T        dcols = W^T @ dY        dx = col2im(dcols)
 * </pre>
 *
 * (without groups, the bias is one more column of W against a row of ones under the columns, so
 * {@code db}, the sum of dY over N, oH and oW, falls out of the same product as dW). On a GPU a
 * convolution without groups takes another layout, which needs fewer launches: per-sample
 * columns, one batched product writing (N, O, oH, oW) with the bias as its addend, and a hand
 * written backward (see {@code deviceConv}); the CPU keeps the layout above, which suits BLAS.
 * A transposed convolution is the same graph run the other way ({@code y = col2im(W^T @ x)}),
 * average pooling is im2col and a sum, adaptive average pooling two products with averaging
 * matrices, and max pooling is its own primitive, whose backward scatters the gradient to the
 * positions of the maxima. Since all backwards are built from differentiable operators (the
 * device path composes its backward from them when a graph is built), gradients of gradients
 * work too. The columns of a layer ({@code C * kH * kW * N * oH * oW} elements) are kept for the
 * backward of its weight (when the weight requires grad), not recomputed.
 *
 * <p>Shapes ({@code N} may be 0; the unbatched forms drop it and are also accepted):
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>op</th><th>input</th><th>weight</th><th>output</th></tr>
 *   <tr><td>conv1d</td><td>(N, C, L)</td><td>(O, C/g, K)</td><td>(N, O, oL)</td></tr>
 *   <tr><td>conv2d</td><td>(N, C, H, W)</td><td>(O, C/g, kH, kW)</td><td>(N, O, oH, oW)</td></tr>
 *   <tr><td>convTranspose2d</td><td>(N, C, H, W)</td><td>(C, O/g, kH, kW)</td>
 *       <td>(N, O, oH, oW)</td></tr>
 *   <tr><td>pools</td><td>(N, C, H, W)</td><td>—</td><td>(N, C, oH, oW)</td></tr>
 * </table>
 *
 * with {@code oH = floor((H + 2 pH - dH (kH - 1) - 1) / sH) + 1} for convolutions and pools
 * (pools in ceil mode round up, but a last window must start inside the input or its left
 * padding), and {@code oH = (H - 1) sH - 2 pH + dH (kH - 1) + opH + 1} for the transposed
 * convolution. Pair arguments ({@code int[]}) take one value for both spatial dims or one per
 * dim.
 *
 * <p>Inputs, weights and biases must be float32 or float64 of one dtype on one device. Every
 * function throws {@link IllegalArgumentException} naming the shapes or values at fault for a
 * wrong number of dims, channels that do not match the weight and groups, a bias of the wrong
 * shape, a non-positive stride, dilation or kernel, a negative padding, or an output smaller than
 * 1 (a kernel larger than the padded input).
 */
public final class Conv {
  private Conv() {}

  // ---------------------------------------------------------------------------------------------
  // Convolution

  /**
   * 1-D convolution ({@code torch.nn.functional.conv1d}): {@code out[n, o, l] = bias[o] + sum over
   * c in o's group and k of weight[o, c, k] * input[n, c, l * stride - padding + k * dilation]}.
   *
   * @param input (N, C, L) or unbatched (C, L)
   * @param weight (O, C / groups, K)
   * @param bias (O), or null for none
   * @param stride step between windows, >= 1
   * @param padding zeros added on both sides, >= 0
   * @param dilation spacing of the kernel taps, >= 1
   * @param groups number of channel groups, dividing C and O
   * @return (N, O, oL), or (O, oL) for an unbatched input
   * @throws IllegalArgumentException on bad shapes or arguments (see the class comment)
   */
  public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int stride, int padding,
      int dilation, int groups) {
    String op = "conv1d";
    Geometry g = checkConv(op, 1, input, weight, bias, new int[] {stride}, new int[] {padding},
        new int[] {dilation}, groups, false, new int[] {0});
    Tensor x = g.batched ? input : input.unsqueeze(0);
    Tensor out = conv(x.unsqueeze(2), weight.unsqueeze(2), bias, g, groups).squeeze(2);
    return g.batched ? out : out.squeeze(0);
  }

  /**
   * 2-D convolution ({@code torch.nn.functional.conv2d}): {@code out[n, o, y, x] = bias[o] + sum
   * over c in o's group, i, j of weight[o, c, i, j] * input[n, c, y sH - pH + i dH, x sW - pW + j
   * dW]} (zeros outside the input).
   *
   * @param input (N, C, H, W) or unbatched (C, H, W)
   * @param weight (O, C / groups, kH, kW)
   * @param bias (O), or null for none
   * @param stride {sH, sW} (or one value for both), >= 1
   * @param padding {pH, pW} zeros added on both sides, >= 0
   * @param dilation {dH, dW} spacing of the kernel taps, >= 1
   * @param groups number of channel groups, dividing C and O
   * @return (N, O, oH, oW), or (O, oH, oW) for an unbatched input
   * @throws IllegalArgumentException on bad shapes or arguments (see the class comment)
   */
  public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride,
      int[] padding, int[] dilation, int groups) {
    Geometry g = checkConv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups,
        false, new int[] {0});
    Tensor x = g.batched ? input : input.unsqueeze(0);
    Tensor out = conv(x, weight, bias, g, groups);
    return g.batched ? out : out.squeeze(0);
  }

  /**
   * {@link #conv2d(Tensor, Tensor, Tensor, int[], int[], int[], int)} with the same stride,
   * padding and dilation along both spatial dims.
   *
   * @throws IllegalArgumentException on bad shapes or arguments (see the class comment)
   */
  public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding,
      int dilation, int groups) {
    return conv2d(input, weight, bias, new int[] {stride}, new int[] {padding},
        new int[] {dilation}, groups);
  }

  /**
   * {@code relu(conv2d(...))} (arguments as {@link #conv2d(Tensor, Tensor, Tensor, int[], int[],
   * int[], int)}) with the same values and gradients: on a GPU, without groups, the ReLU is
   * applied as the product stores its tiles and its gradient is taken in the convolution's
   * backward, one launch fewer; elsewhere the two operators. Public as {@link
   * Layers#conv2dRelu}.
   *
   * @throws IllegalArgumentException on bad shapes or arguments (see the class comment)
   */
  static Tensor conv2dRelu(Tensor input, Tensor weight, Tensor bias, int[] stride,
      int[] padding, int[] dilation, int groups) {
    Geometry g = checkConv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups,
        false, new int[] {0});
    Tensor x = g.batched ? input : input.unsqueeze(0);
    Tensor out = deviceLayout(input, groups) ? deviceConv(x, weight, bias, g, true)
        : Elementwise.relu(conv(x, weight, bias, g, groups));
    return g.batched ? out : out.squeeze(0);
  }

  /**
   * 2-D transposed convolution ({@code torch.nn.functional.conv_transpose2d}), the adjoint of
   * {@code conv2d} with respect to its input: every input element adds its value times the kernel
   * to the output window it would be read from. {@code outputPadding} adds rows and columns at
   * the bottom and right, to pick one of the output sizes that a strided {@code conv2d} maps to
   * the same input size.
   *
   * @param input (N, C, H, W) or unbatched (C, H, W)
   * @param weight (C, O / groups, kH, kW)
   * @param bias (O), or null for none
   * @param stride {sH, sW} (or one value for both), >= 1
   * @param padding {pH, pW}, removed from both sides of the output, >= 0
   * @param outputPadding {opH, opW}, >= 0 and smaller than the stride or the dilation
   * @param groups number of channel groups, dividing C and O
   * @param dilation {dH, dW}, >= 1
   * @return (N, O, oH, oW), or (O, oH, oW) for an unbatched input
   * @throws IllegalArgumentException on bad shapes or arguments (see the class comment)
   */
  public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int[] stride,
      int[] padding, int[] outputPadding, int groups, int[] dilation) {
    Geometry g = checkConv("conv_transpose2d", 2, input, weight, bias, stride, padding, dilation,
        groups, true, outputPadding);
    Tensor x = g.batched ? input : input.unsqueeze(0);
    int[] xs = x.shapeRef();
    int n = xs[0];
    int c = xs[1];
    int og = weight.shapeRef()[1];
    int o = og * groups;
    int kk = g.kh * g.kw;
    // x as (g, C/g, N*H*W): the columns of conv2d's input gradient, one GEMM per group.
    Tensor xm = x.permute(1, 0, 2, 3).reshape(groups, c / groups, n * g.inH * g.inW);
    Tensor w = weight.reshape(groups, c / groups, og * kk).mT();
    Tensor cols = w.matmul(xm).view(o * kk, n * g.inH * g.inW);
    Tensor out = col2im(cols, false, new int[] {n, o, g.outH, g.outW}, g.kh, g.kw, g.inH, g.inW,
        g.stride, g.padding, g.dilation);
    if (bias != null) {
      out = out.add(bias.view(1, o, 1, 1));
    }
    return g.batched ? out : out.squeeze(0);
  }

  /**
   * Up to this many rows of columns (input channels times kernel taps, plus one for a bias), a
   * convolution multiplies per sample; above, as one wide product for the whole batch.
   */
  private static final int PER_SAMPLE_MAX_ROWS = 64;

  /**
   * conv2d of a batched input whose arguments were checked. Without groups the bias rides in the
   * product as an extra column of the weight against a row of ones under the columns, so its
   * gradient is a by-product of the weight's. With few rows of columns (a first layer on 1 or 3
   * channels), the product is memory-bound whatever its shape: it runs per sample, (O, K) @ (K, oH
   * oW) over the batch, and writes (N, O, oH, oW) directly. With more rows it runs as one wide
   * (O, K) @ (K, N oH oW) product, for BLAS's best speed, followed by one permuting copy.
   */
  private static Tensor conv(Tensor x, Tensor weight, Tensor bias, Geometry g, int groups) {
    if (deviceLayout(x, groups)) {
      return deviceConv(x, weight, bias, g, false);
    }
    int[] ws = weight.shapeRef();
    int n = x.shapeRef()[0];
    int o = ws[0];
    int k = ws[1] * g.kh * g.kw;
    int l = g.outH * g.outW;
    Tensor y;
    if (groups == 1) {
      boolean ones = bias != null;
      Tensor w = weight.reshape(o, k);
      if (ones) {
        w = Tensor.cat(1, w, bias.view(o, 1));
      }
      int rows = k + (ones ? 1 : 0);
      if (rows <= PER_SAMPLE_MAX_ROWS) {
        Tensor im = im2col(x, g.kh, g.kw, g.outH, g.outW, g.stride, g.padding, g.dilation, ones,
            true);
        return w.expand(n, o, rows).bmm(im).view(n, o, g.outH, g.outW);
      }
      Tensor im = im2col(x, g.kh, g.kw, g.outH, g.outW, g.stride, g.padding, g.dilation, ones,
          false);
      // The weight enters transposed and contiguous, so the input gradient's product W^T @ dY
      // reads it row-major (OpenBLAS is ~15% faster on that than on a transposed operand).
      y = w.t().contiguous().t().mm(im);
    } else {
      Tensor im = im2col(x, g.kh, g.kw, g.outH, g.outW, g.stride, g.padding, g.dilation, false,
          false);
      y = weight.reshape(groups, o / groups, k).bmm(im.view(groups, k, n * l));
    }
    // y is (O, N * oH * oW): one permuting copy (fused with a grouped bias) makes it (N, O, oH,
    // oW).
    Tensor out = y.view(o, n, g.outH, g.outW).permute(1, 0, 2, 3);
    return bias != null && groups > 1 ? out.add(bias.view(1, o, 1, 1)) : out.contiguous();
  }

  /**
   * conv2d without groups on a GPU, in as few launches as the product allows: the columns per
   * sample (N, K, L) with K = C kH kW and L = oH oW, then one batched product {@code Y_n = W @
   * cols_n} (the weight's batch stride 0) that writes (N, O, oH, oW) in place, with the bias as
   * its addend (broadcast, added as the tiles are stored): 2 launches, where the CPU's layout
   * (the bias as a joined column of W, a row of ones, a wide product and a permuting copy, which
   * suit BLAS) takes 5 to 7. Backward, from dY as (N, O, L): {@code dW_n = dY_n @ cols_n^T} and
   * {@code dcols_n = W^T @ dY_n} in one {@link dev.ember.backend.Backend#matmulPair}, the dW_n
   * summed over the batch, the bias gradient a sum over (N, L), and {@code dx = col2im(dcols)}:
   * 4 launches with dx, and separate gradients for W and b that become their {@code .grad}s
   * without a copy. A backward that builds a graph (gradients of gradients) composes the same
   * formulas from differentiable operators instead. With {@code relu} the product applies a ReLU
   * as it stores its tiles, and the backward starts with its gradient (which also makes dY
   * contiguous).
   */
  private static Tensor deviceConv(Tensor x, Tensor weight, Tensor bias, Geometry g,
      boolean relu) {
    int[] xs = x.shapeRef().clone();
    int[] ws = weight.shapeRef().clone();
    int n = xs[0];
    int c = xs[1];
    int o = ws[0];
    int k = c * g.kh * g.kw;
    int l = g.outH * g.outW;
    DType dt = x.dtype();
    Device dev = x.device();
    Tensor cols = Tensor.allocate(dt, dev, new int[] {n, k, l});
    if (cols.numel() > 0) {
      x.backend().im2col(columns(cols, true, n, c, g.kh, g.kw, g.outH, g.outW), x, g.stride,
          g.padding, g.dilation);
    }
    Tensor out = Tensor.allocate(dt, dev, new int[] {n, o, g.outH, g.outW});
    if (out.numel() > 0) {
      Tensor w = weightMatrix(weight, o, k);
      Tensor w3 = w.viewAs(new int[] {n, o, k}, new int[] {0, w.stridesRef()[0], 1},
          w.storageOffset());
      Tensor out3 = out.viewAs(new int[] {n, o, l}, new int[] {o * l, l, 1}, out.storageOffset());
      Tensor addend = bias == null ? null : bias.viewAs(new int[] {n, o, l},
          new int[] {0, bias.stridesRef()[0], 0}, bias.storageOffset());
      if (relu) {
        out.backend().matmulAddActivation(out3, w3, cols, bias == null ? out3 : addend, 1,
            bias == null ? 0 : 1, UnaryOp.RELU);
      } else if (bias == null) {
        out.backend().matmul(out3, w3, cols, 1, 0);
      } else {
        out.backend().matmulAdd(out3, w3, cols, addend, 1, 1);
      }
    }
    SavedTensor sx = SavedTensor.of(x);
    SavedTensor sw = SavedTensor.of(weight);
    boolean hasBias = bias != null;
    // The columns are kept for the weight's gradient only.
    Tensor kept = Autograd.needsGrad(weight) ? cols : null;
    SavedTensor sy = relu ? SavedTensor.of(out) : null;
    record(relu ? "ConvolutionReluBackward" : "ConvolutionBackward", out, (g0, need) -> {
      // The ReLU's gradient first (passed where the output is not <= 0, NaN included, as
      // relu's): a new contiguous tensor.
      Tensor gr = relu ? Elementwise.reluGrad(g0, sy.get()) : g0;
      if (Autograd.isGradEnabled()) {
        return composedConvGrads(gr, sx.get(), sw.get(), hasBias, g, need);
      }
      // dY as (N, O, L): a view, or a contiguous copy.
      Tensor g3;
      if (gr.isContiguous()) {
        g3 = gr.viewAs(new int[] {n, o, l}, new int[] {o * l, l, 1}, gr.storageOffset());
      } else {
        g3 = Tensor.allocate(dt, dev, new int[] {n, o, l});
        if (g3.numel() > 0) {
          gr.backend().copy(g3.viewAs(gr.shapeRef(), new int[] {o * l, l, g.outW, 1}, 0), gr);
        }
      }
      Tensor dx = need[0] ? Tensor.allocate(dt, dev, xs) : null;
      Tensor dw = need[1] ? Tensor.allocate(dt, dev, ws) : null;
      Tensor db = need[2] ? Tensor.allocate(dt, dev, new int[] {o}) : null;
      // dW_n into dW itself for a batch of one, else into parts that are summed.
      Tensor parts = !need[1] ? null : n == 1 ? dw.viewAs(new int[] {1, o, k}, new int[] {o * k,
          k, 1}, 0) : Tensor.allocate(dt, dev, new int[] {n, o, k});
      Tensor dcols = need[0] ? Tensor.allocate(dt, dev, new int[] {n, k, l}) : null;
      Tensor colsT = !need[1] ? null
          : kept.viewAs(new int[] {n, l, k}, new int[] {k * l, 1, l}, 0);
      Tensor w = need[0] ? weightMatrix(sw.get(), o, k) : null;
      Tensor wT3 = !need[0] ? null : w.viewAs(new int[] {n, k, o},
          new int[] {0, 1, w.stridesRef()[0]}, w.storageOffset());
      Backend be = gr.backend();
      boolean product = n > 0 && l > 0 && k > 0 && o > 0;
      if (product && need[0] && need[1]) {
        be.matmulPair(parts, g3, colsT, dcols, wT3, g3);
      } else if (product && need[1]) {
        be.matmul(parts, g3, colsT, 1, 0);
      } else if (product && need[0]) {
        be.matmul(dcols, wT3, g3, 1, 0);
      }
      if (need[1] && dw.numel() > 0) {
        if (!product) {
          be.fill(dw, 0);
        } else if (n > 1) {
          be.reduce(ReduceOp.SUM, dw.viewAs(new int[] {1, o, k}, new int[] {o * k, k, 1}, 0),
              parts, new int[] {0});
        }
      }
      if (need[2] && o > 0) {
        if (n == 0 || l == 0) {
          be.fill(db, 0);
        } else {
          be.reduce(ReduceOp.SUM, db.viewAs(new int[] {1, o, 1}, new int[] {o, 1, 1}, 0), g3,
              new int[] {0, 2});
        }
      }
      if (need[0] && dx.numel() > 0) {
        if (product) {
          be.col2im(dx, columns(dcols, true, n, c, g.kh, g.kw, g.outH, g.outW), g.stride,
              g.padding, g.dilation);
        } else {
          be.fill(dx, 0);
        }
      }
      return new Tensor[] {dx, dw, db};
    }, x, weight, bias);
    return out;
  }

  /**
   * Whether GPUs run convolutions without groups in {@link #deviceConv}'s layout (default), or in
   * the CPU's ({@code -Dember.conv.deviceLayout=false}): the layout was chosen by its launches
   * (W2: 28 per step against 40) and memory, not yet by a time on a GPU, so a GPU can time both.
   */
  private static final boolean DEVICE_LAYOUT = parseFlag("ember.conv.deviceLayout");

  private static boolean parseFlag(String name) {
    String v = System.getProperty(name);
    if (v == null || v.isEmpty() || v.equals("true")) {
      return true;
    }
    if (v.equals("false")) {
      return false;
    }
    throw new IllegalArgumentException(name + " must be true or false, not '" + v + "'");
  }

  /** Whether a convolution of {@code x} with {@code groups} takes {@link #deviceConv}. */
  private static boolean deviceLayout(Tensor x, int groups) {
    return DEVICE_LAYOUT && groups == 1 && !x.device().isCpu();
  }

  /** The (O, K) matrix of a weight (O, C, kH, kW) outside autograd: a view, or a copy. */
  private static Tensor weightMatrix(Tensor weight, int o, int k) {
    Tensor w = weight;
    if (!weight.isContiguous()) {
      w = Tensor.allocate(weight.dtype(), weight.device(), weight.shapeRef());
      if (w.numel() > 0) {
        w.backend().copy(w, weight);
      }
    }
    return w.viewAs(new int[] {o, k}, new int[] {k, 1}, w.storageOffset());
  }

  /**
   * {@link #deviceConv}'s gradients as differentiable operators, for a backward that builds a
   * graph: {@code dx = col2im(W^T @ dY_n)}, {@code dW = sum_n dY_n @ cols_n^T}, {@code db = dY}
   * summed over (N, oH, oW).
   */
  private static Tensor[] composedConvGrads(Tensor gr, Tensor x, Tensor weight, boolean hasBias,
      Geometry g, boolean[] need) {
    int[] xs = x.shapeRef();
    int[] ws = weight.shapeRef();
    int n = xs[0];
    int o = ws[0];
    int k = xs[1] * g.kh * g.kw;
    int l = g.outH * g.outW;
    Tensor g3 = gr.reshape(n, o, l);
    Tensor dx = null;
    Tensor dw = null;
    if (need[0]) {
      Tensor dcols = weight.reshape(o, k).t().expand(n, k, o).bmm(g3);
      dx = col2im(dcols, true, xs.clone(), g.kh, g.kw, g.outH, g.outW, g.stride, g.padding,
          g.dilation);
    }
    if (need[1]) {
      Tensor cols = im2col(x, g.kh, g.kw, g.outH, g.outW, g.stride, g.padding, g.dilation, false,
          true);
      dw = g3.bmm(cols.mT()).sum(0).reshape(ws);
    }
    Tensor db = need[2] && hasBias ? gr.sum(new int[] {0, 2, 3}, false) : null;
    return new Tensor[] {dx, dw, db};
  }

  /** Sizes of a checked convolution or pooling, with pair arguments expanded. */
  private static final class Geometry {
    boolean batched;
    int inH;
    int inW;
    int kh;
    int kw;
    int outH;
    int outW;
    int[] stride;
    int[] padding;
    int[] dilation;
  }

  private static String dimNames(int spatial) {
    return spatial == 1 ? "L" : "H, W";
  }

  /** Checks a convolution's arguments; spatial sizes of a 1-D op are read as (1, L). */
  private static Geometry checkConv(String op, int spatial, Tensor input, Tensor weight,
      Tensor bias, int[] stride, int[] padding, int[] dilation, int groups, boolean transposed,
      int[] outputPadding) {
    if (input == null || weight == null) {
      throw new IllegalArgumentException(op + ": input and weight must not be null");
    }
    int nd = spatial + 2;
    String names = dimNames(spatial);
    if (input.dim() != nd && input.dim() != nd - 1) {
      throw new IllegalArgumentException(op + ": expected input with " + nd + " dims (N, C, "
          + names + ") or " + (nd - 1) + " dims (C, " + names + "), got " + input.describe());
    }
    String wNames = (transposed ? "(in_channels, out_channels / groups, "
        : "(out_channels, in_channels / groups, ") + (spatial == 1 ? "K)" : "kH, kW)");
    if (weight.dim() != nd) {
      throw new IllegalArgumentException(op + ": expected weight with " + nd + " dims " + wNames
          + ", got " + weight.describe());
    }
    checkFloats(op, input, weight, bias);
    if (groups < 1) {
      throw new IllegalArgumentException(op + ": groups must be positive, got " + groups);
    }
    Geometry g = new Geometry();
    g.batched = input.dim() == nd;
    int[] is = input.shapeRef();
    int[] ws = weight.shapeRef();
    int c = is[g.batched ? 1 : 0];
    int o;
    if (transposed) {
      if (ws[0] != c) {
        throw new IllegalArgumentException(op + ": given groups=" + groups + ", weight "
            + weight.describe() + " expects input with " + ws[0] + " channels, but input "
            + input.describe() + " has " + c);
      }
      if (c % groups != 0) {
        throw new IllegalArgumentException(op + ": in_channels " + c + " (weight "
            + weight.describe() + " dim 0) must be divisible by groups=" + groups);
      }
      o = ws[1] * groups;
    } else {
      o = ws[0];
      if (o % groups != 0) {
        throw new IllegalArgumentException(op + ": out_channels " + o + " (weight "
            + weight.describe() + " dim 0) must be divisible by groups=" + groups);
      }
      if ((long) ws[1] * groups != c) {
        throw new IllegalArgumentException(op + ": given groups=" + groups + ", weight "
            + weight.describe() + " expects input with " + (long) ws[1] * groups
            + " channels, but input " + input.describe() + " has " + c);
      }
    }
    if (bias != null && (bias.dim() != 1 || bias.shapeRef()[0] != o)) {
      throw new IllegalArgumentException(op + ": expected bias of shape [" + o
          + "] (out_channels), got " + bias.describe());
    }
    int[] s = pair(op, "stride", stride, spatial);
    int[] p = pair(op, "padding", padding, spatial);
    int[] d = pair(op, "dilation", dilation, spatial);
    int[] op2 = pair(op, "output_padding", outputPadding, spatial);
    for (int i = 0; i < 2; i++) {
      if (s[i] < 1) {
        throw new IllegalArgumentException(op + ": stride must be positive, got "
            + Arrays.toString(stride));
      }
      if (p[i] < 0) {
        throw new IllegalArgumentException(op + ": padding must be non-negative, got "
            + Arrays.toString(padding));
      }
      if (d[i] < 1) {
        throw new IllegalArgumentException(op + ": dilation must be positive, got "
            + Arrays.toString(dilation));
      }
      if (op2[i] < 0 || (transposed && op2[i] >= Math.max(s[i], d[i]))) {
        throw new IllegalArgumentException(op + ": output_padding " + Arrays.toString(outputPadding)
            + " must be non-negative and smaller than either the stride " + Arrays.toString(stride)
            + " or the dilation " + Arrays.toString(dilation));
      }
    }
    g.stride = s;
    g.padding = p;
    g.dilation = d;
    g.inH = spatial == 1 ? 1 : is[is.length - 2];
    g.inW = is[is.length - 1];
    g.kh = spatial == 1 ? 1 : ws[nd - 2];
    g.kw = ws[nd - 1];
    if (g.kh < 1 || g.kw < 1) {
      throw new IllegalArgumentException(op + ": the kernel of weight " + weight.describe()
          + " must have positive sizes");
    }
    long eh = (long) d[0] * (g.kh - 1) + 1;
    long ew = (long) d[1] * (g.kw - 1) + 1;
    long oh;
    long ow;
    if (transposed) {
      oh = (long) (g.inH - 1) * s[0] - 2L * p[0] + eh + op2[0];
      ow = (long) (g.inW - 1) * s[1] - 2L * p[1] + ew + op2[1];
    } else {
      long ph = g.inH + 2L * p[0];
      long pw = g.inW + 2L * p[1];
      oh = ph < eh ? 0 : (ph - eh) / s[0] + 1;
      ow = pw < ew ? 0 : (pw - ew) / s[1] + 1;
      if (oh < 1 || ow < 1) {
        throw new IllegalArgumentException(op + ": output size " + size(spatial, oh, ow)
            + " is too small: the padded input " + size(spatial, ph, pw)
            + " is smaller than the dilated kernel " + size(spatial, eh, ew) + " (input "
            + input.describe() + ", weight " + weight.describe() + ", padding "
            + Arrays.toString(padding) + ", dilation " + Arrays.toString(dilation) + ")");
      }
    }
    if (oh < 1 || ow < 1 || oh > Integer.MAX_VALUE || ow > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(op + ": calculated output size " + size(spatial, oh, ow)
          + " is invalid for input " + input.describe() + " and weight " + weight.describe()
          + " (stride " + Arrays.toString(stride) + ", padding " + Arrays.toString(padding)
          + ", output_padding " + Arrays.toString(outputPadding) + ", dilation "
          + Arrays.toString(dilation) + ")");
    }
    g.outH = (int) oh;
    g.outW = (int) ow;
    return g;
  }

  private static String size(int spatial, long h, long w) {
    return spatial == 1 ? "(" + w + ")" : "(" + h + " x " + w + ")";
  }

  private static void checkFloats(String op, Tensor input, Tensor weight, Tensor bias) {
    DType dt = input.dtype();
    if (dt != DType.FLOAT32 && dt != DType.FLOAT64) {
      throw new IllegalArgumentException(op + ": expected a float32 or float64 input, got "
          + input.describe());
    }
    if (weight.dtype() != dt || (bias != null && bias.dtype() != dt)) {
      throw new IllegalArgumentException(op + ": expected input, weight and bias of one dtype, got "
          + input.describe() + ", " + weight.describe() + " and "
          + (bias == null ? "no bias" : bias.describe()));
    }
    Elementwise.sameDevice(op, input, weight);
    if (bias != null) {
      Elementwise.sameDevice(op, input, bias);
    }
  }

  /**
   * A pair argument for 2 spatial dims: one value for both, or two; for 1 spatial dim one value,
   * returned as {H: neutral, W: value} ({@code 1} for stride/dilation, {@code 0} otherwise).
   */
  private static int[] pair(String op, String name, int[] v, int spatial) {
    if (v == null || v.length < 1 || v.length > spatial) {
      throw new IllegalArgumentException(op + ": " + name + " must have "
          + (spatial == 1 ? "1 value" : "1 or 2 values") + ", got "
          + (v == null ? "null" : Arrays.toString(v)));
    }
    if (spatial == 1) {
      int neutral = name.equals("stride") || name.equals("dilation") ? 1 : 0;
      return new int[] {neutral, v[0]};
    }
    return v.length == 1 ? new int[] {v[0], v[0]} : v.clone();
  }

  // ---------------------------------------------------------------------------------------------
  // im2col / col2im as differentiable operators, each the other's backward

  /**
   * The columns of x (N, C, H, W): entry (row (c, i, j), column (n, oh, ow)) holds {@code x[n, c,
   * oh sH - pH + i dH, ow sW - pW + j dW]} (0 in the padding). Laid out wide, as one (C * kH * kW,
   * N * oH * oW) matrix, or per sample, as (N, C * kH * kW, oH * oW) matrices; with {@code
   * onesRow}, a last row of ones follows (for a bias).
   */
  static Tensor im2col(Tensor x, int kh, int kw, int oh, int ow, int[] stride, int[] padding,
      int[] dilation, boolean onesRow, boolean perSample) {
    int[] xs = x.shapeRef();
    int n = xs[0];
    int c = xs[1];
    int l = oh * ow;
    int rows = c * kh * kw + (onesRow ? 1 : 0);
    Tensor cols = Tensor.allocate(x.dtype(), x.device(),
        perSample ? new int[] {n, rows, l} : new int[] {rows, n * l});
    if (cols.numel() > 0) {
      cols.backend().im2col(columns(cols, perSample, n, c, kh, kw, oh, ow), x, stride, padding,
          dilation);
      if (onesRow) {
        int[] st = cols.stridesRef();
        Tensor ones = perSample
            ? cols.viewAs(new int[] {n, l}, new int[] {st[0], 1}, (rows - 1) * l)
            : cols.viewAs(new int[] {n * l}, new int[] {1}, (rows - 1) * n * l);
        cols.backend().fill(ones, 1);
      }
    }
    int[] inShape = xs.clone();
    record("Im2ColBackward", cols, (g, need) -> new Tensor[] {
        col2im(onesRow ? g.narrow(perSample ? 1 : 0, 0, rows - 1) : g, perSample, inShape, kh, kw,
            oh, ow, stride, padding, dilation)}, x);
    return cols;
  }

  /**
   * The adjoint of {@link #im2col}: an image of {@code shape} (N, C, H, W) in which every element
   * is the sum of the entries of cols (wide or per sample, without a row of ones) that im2col
   * reads from it.
   */
  static Tensor col2im(Tensor cols, boolean perSample, int[] shape, int kh, int kw, int oh, int ow,
      int[] stride, int[] padding, int[] dilation) {
    Tensor out = Tensor.allocate(cols.dtype(), cols.device(), shape);
    if (out.numel() > 0) {
      out.backend().col2im(out, columns(cols, perSample, shape[0], shape[1], kh, kw, oh, ow),
          stride, padding, dilation);
    }
    record("Col2ImBackward", out, (g, need) -> new Tensor[] {
        im2col(g, kh, kw, oh, ow, stride, padding, dilation, false, perSample)}, cols);
    return out;
  }

  /**
   * Columns of any strides, a wide (C * kH * kW, N * oH * oW) matrix or per-sample (N, C * kH * kW,
   * oH * oW) matrices, seen as (N, C, kH, kW, oH, oW).
   */
  private static Tensor columns(Tensor m, boolean perSample, int n, int c, int kh, int kw, int oh,
      int ow) {
    int[] st = m.stridesRef();
    int sn = perSample ? st[0] : oh * ow * st[1];
    int rs = perSample ? st[1] : st[0];
    int cs = perSample ? st[2] : st[1];
    int[] shape = {n, c, kh, kw, oh, ow};
    int[] strides = {sn, kh * kw * rs, kw * rs, rs, ow * cs, cs};
    return m.viewAs(shape, strides, m.storageOffset());
  }

  // ---------------------------------------------------------------------------------------------
  // Pooling

  /**
   * 2-D max pooling ({@code torch.nn.functional.max_pool2d}): the maximum of each window of
   * {@code kernel} taps spaced by {@code dilation}, windows {@code stride} apart over the input
   * padded with {@code padding} (padding never wins). NaN propagates; gradients go to the first
   * maximum of a window.
   *
   * @param input (N, C, H, W) or unbatched (C, H, W)
   * @param kernel {kH, kW} (or one value for both), >= 1
   * @param stride {sH, sW}, >= 1; null or empty for the kernel size (PyTorch's default)
   * @param padding {pH, pW}, at most half the kernel
   * @param dilation {dH, dW}, >= 1
   * @param ceilMode round the output size up instead of down
   * @return (N, C, oH, oW), or (C, oH, oW) for an unbatched input
   * @throws IllegalArgumentException on bad shapes or arguments (see the class comment)
   */
  public static Tensor maxPool2d(Tensor input, int[] kernel, int[] stride, int[] padding,
      int[] dilation, boolean ceilMode) {
    return maxPool("max_pool2d", input, kernel, stride, padding, dilation, ceilMode).values();
  }

  /**
   * {@link #maxPool2d} that also returns where each maximum is ({@code return_indices=True}): the
   * int64 index {@code h * W + w} of its position in its (H, W) input plane.
   *
   * @return the values and the int64 indices, both of the output's shape
   * @throws IllegalArgumentException on bad shapes or arguments (see the class comment)
   */
  public static ValuesIndices maxPool2dWithIndices(Tensor input, int[] kernel, int[] stride,
      int[] padding, int[] dilation, boolean ceilMode) {
    return maxPool("max_pool2d_with_indices", input, kernel, stride, padding, dilation, ceilMode);
  }

  private static ValuesIndices maxPool(String op, Tensor input, int[] kernel, int[] stride,
      int[] padding, int[] dilation, boolean ceilMode) {
    Geometry g = checkPool(op, input, kernel, stride, padding, dilation, ceilMode);
    Tensor x = g.batched ? input : input.unsqueeze(0);
    int[] xs = x.shapeRef().clone();
    int[] os = {xs[0], xs[1], g.outH, g.outW};
    Tensor out = Tensor.allocate(x.dtype(), x.device(), os);
    Tensor idx = Tensor.allocate(DType.INT64, x.device(), os);
    if (out.numel() > 0) {
      out.backend().maxPool2d(out, idx, x, new int[] {g.kh, g.kw}, g.stride, g.padding,
          g.dilation);
    }
    SavedTensor si = SavedTensor.of(idx);
    record("MaxPool2DWithIndicesBackward", out, (gr, need) -> new Tensor[] {
        maxUnpool(gr, si.get(), xs)}, x);
    return g.batched ? new ValuesIndices(out, idx)
        : new ValuesIndices(out.squeeze(0), idx.squeeze(0));
  }

  /**
   * Max pooling's backward as an operator: zeros of {@code shape} (N, C, H, W) with each element
   * of g (N, C, oH, oW) added at its index; its own backward gathers at the same indices.
   */
  private static Tensor maxUnpool(Tensor g, Tensor idx, int[] shape) {
    Tensor out = Tensor.allocate(g.dtype(), g.device(), shape);
    if (out.numel() > 0) {
      // idx is maxPool2d's own, through a version-checked SavedTensor.
      out.backend().maxPool2dBackwardOwnIndices(out, g, idx);
    }
    int[] gs = g.shapeRef().clone();
    int[] planes = {shape[0], shape[1], shape[2] * shape[3]};
    record("MaxPool2DWithIndicesBackwardBackward", out, (gg, need) -> new Tensor[] {
        gg.reshape(planes).gather(2, idx.reshape(gs[0], gs[1], gs[2] * gs[3])).reshape(gs)}, g);
    return out;
  }

  /**
   * 2-D average pooling ({@code torch.nn.functional.avg_pool2d}): the mean of each window. The
   * divisor is {@code divisorOverride} when nonzero, else the window's size clipped to the padded
   * input ({@code countIncludePad}) or to the input itself.
   *
   * @param input (N, C, H, W) or unbatched (C, H, W)
   * @param kernel {kH, kW} (or one value for both), >= 1
   * @param stride {sH, sW}, >= 1; null or empty for the kernel size (PyTorch's default)
   * @param padding {pH, pW} zeros, at most half the kernel
   * @param ceilMode round the output size up instead of down
   * @param countIncludePad whether the zeros of the padding count in the divisor
   * @param divisorOverride the divisor of every window, or 0 for the window's size
   * @return (N, C, oH, oW), or (C, oH, oW) for an unbatched input
   * @throws IllegalArgumentException on bad shapes or arguments (see the class comment), and for a
   *     negative divisorOverride
   */
  public static Tensor avgPool2d(Tensor input, int[] kernel, int[] stride, int[] padding,
      boolean ceilMode, boolean countIncludePad, int divisorOverride) {
    String op = "avg_pool2d";
    Geometry g = checkPool(op, input, kernel, stride, padding, new int[] {1}, ceilMode);
    if (divisorOverride < 0) {
      throw new IllegalArgumentException(op + ": divisorOverride must be positive (or 0 for none),"
          + " got " + divisorOverride);
    }
    Tensor x = g.batched ? input : input.unsqueeze(0);
    int[] xs = x.shapeRef();
    int n = xs[0];
    int c = xs[1];
    // Every (n, c) plane as an image of one channel: its columns are (kH * kW, N * C * oH * oW).
    Tensor cols = im2col(x.reshape(n * c, 1, g.inH, g.inW), g.kh, g.kw, g.outH, g.outW, g.stride,
        g.padding, g.dilation, false, false);
    Tensor out = cols.sum(0).view(n, c, g.outH, g.outW);
    out = divisorOverride != 0 ? out.div(divisorOverride)
        : out.div(avgDivisors(g, countIncludePad, x.dtype(), x.device()));
    return g.batched ? out : out.squeeze(0);
  }

  /** PyTorch's divisor of each window (oH, oW) of avg_pool2d. */
  private static Tensor avgDivisors(Geometry g, boolean countIncludePad, DType dtype,
      Device device) {
    double[] d = new double[g.outH * g.outW];
    for (int y = 0; y < g.outH; y++) {
      int h0 = y * g.stride[0] - g.padding[0];
      int h1 = Math.min(h0 + g.kh, g.inH + g.padding[0]);
      int ph = h1 - h0;
      h0 = Math.max(h0, 0);
      h1 = Math.min(h1, g.inH);
      for (int x = 0; x < g.outW; x++) {
        int w0 = x * g.stride[1] - g.padding[1];
        int w1 = Math.min(w0 + g.kw, g.inW + g.padding[1]);
        int pw = w1 - w0;
        w0 = Math.max(w0, 0);
        w1 = Math.min(w1, g.inW);
        d[y * g.outW + x] = countIncludePad ? (double) ph * pw : (double) (h1 - h0) * (w1 - w0);
      }
    }
    return Tensor.of(d, g.outH, g.outW).to(dtype).to(device);
  }

  /**
   * 2-D adaptive average pooling ({@code torch.nn.functional.adaptive_avg_pool2d}): output row
   * {@code i} averages input rows {@code floor(i H / oH)} to {@code ceil((i + 1) H / oH) - 1},
   * and likewise for columns; computed as {@code A_H @ x @ A_W^T} with averaging matrices.
   *
   * @param input (N, C, H, W) or unbatched (C, H, W), with H, W >= 1
   * @param outputSize {oH, oW} (or one value for both), >= 1
   * @return (N, C, oH, oW), or (C, oH, oW) for an unbatched input
   * @throws IllegalArgumentException on a wrong number of dims, an empty plane or a bad output
   *     size
   */
  public static Tensor adaptiveAvgPool2d(Tensor input, int[] outputSize) {
    String op = "adaptive_avg_pool2d";
    checkPoolInput(op, input);
    if (outputSize == null || outputSize.length < 1 || outputSize.length > 2
        || Arrays.stream(outputSize).anyMatch(v -> v < 1)) {
      throw new IllegalArgumentException(op + ": outputSize must be 1 or 2 positive sizes, got "
          + (outputSize == null ? "null" : Arrays.toString(outputSize)));
    }
    int[] os = pair(op, "outputSize", outputSize, 2);
    boolean batched = input.dim() == 4;
    Tensor x = batched ? input : input.unsqueeze(0);
    int[] xs = x.shapeRef();
    int n = xs[0];
    int c = xs[1];
    int h = xs[2];
    int w = xs[3];
    Tensor ah = averaging(os[0], h, input.dtype(), input.device());
    Tensor aw = averaging(os[1], w, input.dtype(), input.device());
    // Columns first, as one GEMM over all rows of the batch; then rows, batched over the planes.
    Tensor cols = x.reshape(n * c * h, w).mm(aw.t()).view(n * c, h, os[1]);
    Tensor out = ah.matmul(cols).view(n, c, os[0], os[1]);
    return batched ? out : out.squeeze(0);
  }

  /** The (out, in) matrix whose row i averages PyTorch's adaptive window i. */
  private static Tensor averaging(int out, int in, DType dtype, Device device) {
    double[] a = new double[out * in];
    for (int i = 0; i < out; i++) {
      int start = (int) ((long) i * in / out);
      int end = (int) (((long) (i + 1) * in + out - 1) / out);
      for (int j = start; j < end; j++) {
        a[i * in + j] = 1.0 / (end - start);
      }
    }
    return Tensor.of(a, out, in).to(dtype).to(device);
  }

  private static void checkPoolInput(String op, Tensor input) {
    if (input == null) {
      throw new IllegalArgumentException(op + ": input must not be null");
    }
    int nd = input.dim();
    if (nd != 3 && nd != 4) {
      throw new IllegalArgumentException(op + ": expected input with 4 dims (N, C, H, W) or 3 dims"
          + " (C, H, W), got " + input.describe());
    }
    int[] s = input.shapeRef();
    for (int i = nd - 3; i < nd; i++) {
      if (s[i] == 0) {
        throw new IllegalArgumentException(op + ": expected an input with non-zero C, H and W,"
            + " got " + input.describe());
      }
    }
    DType dt = input.dtype();
    if (dt != DType.FLOAT32 && dt != DType.FLOAT64) {
      throw new IllegalArgumentException(op + ": expected a float32 or float64 input, got "
          + input.describe());
    }
  }

  private static Geometry checkPool(String op, Tensor input, int[] kernel, int[] stride,
      int[] padding, int[] dilation, boolean ceilMode) {
    checkPoolInput(op, input);
    int[] k = pair(op, "kernel", kernel, 2);
    int[] s = stride == null || stride.length == 0 ? k : pair(op, "stride", stride, 2);
    int[] p = pair(op, "padding", padding, 2);
    int[] d = pair(op, "dilation", dilation, 2);
    for (int i = 0; i < 2; i++) {
      if (k[i] < 1 || s[i] < 1 || d[i] < 1) {
        throw new IllegalArgumentException(op + ": kernel, stride and dilation must be positive,"
            + " got kernel " + Arrays.toString(kernel) + ", stride " + Arrays.toString(stride)
            + ", dilation " + Arrays.toString(dilation));
      }
      if (p[i] < 0 || p[i] > k[i] / 2) {
        throw new IllegalArgumentException(op + ": padding " + Arrays.toString(padding)
            + " must be non-negative and at most half of the kernel " + Arrays.toString(kernel));
      }
    }
    Geometry g = new Geometry();
    g.batched = input.dim() == 4;
    int[] is = input.shapeRef();
    g.inH = is[is.length - 2];
    g.inW = is[is.length - 1];
    g.kh = k[0];
    g.kw = k[1];
    g.stride = s;
    g.padding = p;
    g.dilation = d;
    g.outH = poolOut(g.inH, k[0], p[0], s[0], d[0], ceilMode);
    g.outW = poolOut(g.inW, k[1], p[1], s[1], d[1], ceilMode);
    if (g.outH < 1 || g.outW < 1) {
      throw new IllegalArgumentException(op + ": output size (" + g.outH + " x " + g.outW
          + ") is too small for input " + input.describe() + " (kernel " + Arrays.toString(kernel)
          + ", stride " + Arrays.toString(s) + ", padding " + Arrays.toString(padding)
          + ", dilation " + Arrays.toString(dilation) + ")");
    }
    return g;
  }

  /** PyTorch's pooling_output_shape. */
  private static int poolOut(int in, int k, int pad, int stride, int dil, boolean ceil) {
    long num = (long) in + 2L * pad - (long) dil * (k - 1) - 1 + (ceil ? stride - 1 : 0);
    long out = Math.floorDiv(num, (long) stride) + 1;
    if (ceil && (out - 1) * stride >= (long) in + pad) {
      out--;
    }
    return (int) Math.max(Math.min(out, Integer.MAX_VALUE), Integer.MIN_VALUE);
  }
}
