package dev.ember.gpu;

import dev.ember.backend.OperandChecks;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;

/**
 * im2col, col2im and max pooling on the kernels of {@code conv.c}: one work item per output
 * element (col2im in gather form, each image element summing the column entries that read it),
 * so every result is deterministic. Operands keep their strides (the convolution passes column
 * matrices as strided 6-D views, and gradients may be broadcast).
 */
final class GpuConv {
  /**
   * Work items max pooling's backward aims for: below it, a plane is split into row bands (each
   * band rescans the plane's indices) to keep the device busy.
   */
  private static final int BACKWARD_ITEMS = 4096;

  private GpuConv() {}

  static void im2col(GpuBackend b, Tensor dst, Tensor src, int[] stride, int[] padding,
      int[] dilation) {
    OperandChecks.columns("im2col", src.shape(), src.dtype(), dst.shape(), dst.dtype());
    OperandChecks.convGeometry("im2col", stride, padding, dilation);
    int total = dst.numel();
    if (total == 0) {
      return;
    }
    int[] meta = geometry(src.shape(), dst.shape(), stride, padding, dilation, src, dst);
    b.launch("conv", "im2col_" + GpuBackend.suffix(dst.dtype()), total, b.slab(dst),
        b.offset(dst), b.slab(src), b.offset(src), total, meta);
  }

  static void col2im(GpuBackend b, Tensor dst, Tensor src, int[] stride, int[] padding,
      int[] dilation) {
    OperandChecks.columns("col2im", dst.shape(), dst.dtype(), src.shape(), src.dtype());
    OperandChecks.convGeometry("col2im", stride, padding, dilation);
    int total = dst.numel();
    if (total == 0) {
      return;
    }
    int[] meta = geometry(dst.shape(), src.shape(), stride, padding, dilation, dst, src);
    b.launch("conv", "col2im_" + GpuBackend.suffix(dst.dtype()), total, b.slab(dst),
        b.offset(dst), b.slab(src), b.offset(src), total, meta);
  }

  static void maxPool2d(GpuBackend b, Tensor dst, Tensor indices, Tensor src, int[] kernel,
      int[] stride, int[] padding, int[] dilation) {
    OperandChecks.maxPool2d(dst.shape(), dst.dtype(), indices.shape(), indices.dtype(),
        src.shape(), src.dtype(), kernel, stride, padding, dilation);
    int[] is = src.shape();
    int[] os = dst.shape();
    int total = dst.numel();
    if (total == 0) {
      return;
    }
    int[] shape = {is[0], is[1], kernel[0], kernel[1], os[2], os[3]};
    int[] meta = geometry(is, shape, stride, padding, dilation, src, dst, indices);
    b.launch("conv", "max_pool_" + GpuBackend.suffix(dst.dtype()), total, b.slab(dst),
        b.offset(dst), b.slab(indices), b.offset(indices), b.slab(src), b.offset(src), total,
        meta);
  }

  /**
   * Scatters grad into dst at the indices. With {@code check}, an index outside its plane is an
   * IndexOutOfBoundsException (the kernel flags it; one read back to the host); without, the
   * indices are maxPool2d's own (Backend.maxPool2dBackwardOwnIndices) and nothing is read back.
   */
  static void maxPool2dBackward(GpuBackend b, Tensor dst, Tensor grad, Tensor indices,
      boolean check) {
    OperandChecks.maxPool2dBackward(dst.shape(), dst.dtype(), grad.shape(), grad.dtype(),
        indices.shape(), indices.dtype());
    int[] is = dst.shape();
    int[] os = grad.shape();
    if (dst.numel() == 0) {
      return;
    }
    int planes = is[0] * is[1];
    int h = is[2];
    int per = Math.max(1, Math.min(h, (BACKWARD_ITEMS + planes - 1) / planes));
    int rows = (h + per - 1) / per;
    per = (h + rows - 1) / rows;
    int items = planes * per;
    int[] meta = new int[20];
    meta[0] = is[0];
    meta[1] = is[1];
    meta[2] = h;
    meta[3] = is[3];
    meta[4] = os[2];
    meta[5] = os[3];
    meta[6] = rows;
    meta[7] = per;
    System.arraycopy(dst.stride(), 0, meta, 8, 4);
    System.arraycopy(grad.stride(), 0, meta, 12, 4);
    System.arraycopy(indices.stride(), 0, meta, 16, 4);
    if (!check) {
      // The kernel writes the flag only for an index outside its plane, which maxPool2d's own
      // indices never are: the backend's never-read flag word takes the place of a fresh one.
      Tensor sink = b.unreadFlag();
      b.launch("conv", "max_pool_backward_" + GpuBackend.suffix(dst.dtype()), items,
          b.slab(dst), b.offset(dst), b.slab(grad), b.offset(grad), b.slab(indices),
          b.offset(indices), b.slab(sink), b.offset(sink), items, meta);
      return;
    }
    try (var scope = Tensor.scope()) {
      Tensor flag = Tensor.zeros(DType.INT32, b.device(), 1);
      b.launch("conv", "max_pool_backward_" + GpuBackend.suffix(dst.dtype()), items,
          b.slab(dst), b.offset(dst), b.slab(grad), b.offset(grad), b.slab(indices),
          b.offset(indices), b.slab(flag), b.offset(flag), items, meta);
      int first = flag.toIntArray()[0];
      if (first != 0) {
        int p = first - 1;
        int x = p % os[3];
        int y = p / os[3] % os[2];
        int c = p / (os[3] * os[2]) % os[1];
        int n = p / (os[3] * os[2] * os[1]);
        long i = indices.select(0, n).select(0, c).select(0, y).select(0, x).itemLong();
        throw new IndexOutOfBoundsException("max_pool2d backward: index " + i + " at (" + n + ", "
            + c + ", " + y + ", " + x + ") is outside the " + h + "x" + is[3] + " plane");
      }
    }
  }

  /**
   * [N, C, H, W, kH, kW, oH, oW, stride, padding, dilation, then the 4 or 6 strides of each
   * tensor] for an image of {@code image} shape and columns of {@code cols} shape.
   */
  private static int[] geometry(int[] image, int[] cols, int[] stride, int[] padding,
      int[] dilation, Tensor... tensors) {
    int size = 14;
    for (Tensor t : tensors) {
      size += t.dim();
    }
    int[] m = new int[size];
    System.arraycopy(image, 0, m, 0, 4);
    System.arraycopy(cols, 2, m, 4, 4);
    m[8] = stride[0];
    m[9] = stride[1];
    m[10] = padding[0];
    m[11] = padding[1];
    m[12] = dilation[0];
    m[13] = dilation[1];
    int at = 14;
    for (Tensor t : tensors) {
      int[] st = t.stride();
      System.arraycopy(st, 0, m, at, st.length);
      at += st.length;
    }
    return m;
  }
}
