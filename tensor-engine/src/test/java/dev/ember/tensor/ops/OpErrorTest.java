package dev.ember.tensor.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.tensor.Conv;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad inputs fail at once with the exception type the API documents and a message that names
 * what is wrong: the shapes, dims, dtypes or indices involved (each case lists the fragments
 * its message must contain).
 */
class OpErrorTest {

  /** One bad call, the exception it must throw, and what its message must mention. */
  private record Bad(String label, Class<? extends Throwable> type, Executable call, String... fragments) {
    DynamicTest test() {
      return DynamicTest.dynamicTest(label, () -> {
        Throwable e = assertThrows(type, call, label);
        String m = String.valueOf(e.getMessage());
        for (String f : fragments) {
          assertTrue(m.contains(f), () -> label + ": message \"" + m + "\" does not mention \"" + f + "\"");
        }
      });
    }
  }

  private static final Class<IllegalArgumentException> ARG = IllegalArgumentException.class;
  private static final Class<IndexOutOfBoundsException> INDEX = IndexOutOfBoundsException.class;

  private static Tensor m(int... shape) {
    return Tensor.zeros(shape);
  }

  private static Tensor m64(int... shape) {
    return Tensor.zeros(DType.FLOAT64, shape);
  }

  private static Tensor idx(long... v) {
    return Tensor.of(v);
  }

  @TestFactory
  Stream<DynamicTest> errors() {
    return Stream.of(
        // Shapes that do not broadcast, in every kind of binary op.
        new Bad("add [2,3] + [4]", ARG, () -> m(2, 3).add(m(4)), "[2, 3]", "[4]"),
        new Bad("sub [2,3] - [3,2]", ARG, () -> m(2, 3).sub(m(3, 2)), "[2, 3]", "[3, 2]"),
        new Bad("mul [5] * [4]", ARG, () -> m(5).mul(m(4)), "[5]", "[4]"),
        new Bad("div [2,1,3] / [4,2]", ARG, () -> m(2, 1, 3).div(m(4, 2)), "[2, 1, 3]", "[4, 2]"),
        new Bad("maximum [3] vs [2]", ARG, () -> m(3).maximum(m(2)), "[3]", "[2]"),
        new Bad("eq [3] vs [2]", ARG, () -> m(3).eq(m(2)), "[3]", "[2]"),
        new Bad("where with three shapes that do not broadcast", ARG,
            () -> Tensor.where(Tensor.zeros(DType.BOOL, 2), m(3), m(2)), "[2]", "[3]"),
        // Matrix products.
        new Bad("matmul [2,3] @ [4,5]", ARG, () -> m(2, 3).matmul(m(4, 5)), "[2, 3]", "[4, 5]", "3 != 4"),
        new Bad("matmul batched [2,2,3] @ [2,4,2]", ARG,
            () -> m(2, 2, 3).matmul(m(2, 4, 2)), "[2, 2, 3]", "[2, 4, 2]"),
        new Bad("matmul batch dims that do not broadcast", ARG,
            () -> m(2, 2, 3).matmul(m(3, 3, 2)), "[2]", "[3]"),
        new Bad("matmul of a 0-d tensor", ARG, () -> m().matmul(m(3)), "float32[]"),
        new Bad("mm [2,3] @ [2,3]", ARG, () -> m(2, 3).mm(m(2, 3)), "[2, 3]", "3 != 2"),
        new Bad("mm of a 1-D tensor", ARG, () -> m(3).mm(m(3, 2)), "float32[3]"),
        new Bad("bmm batch sizes differ", ARG, () -> m(2, 2, 3).bmm(m(3, 3, 2)), "[2, 2, 3]", "[3, 3, 2]"),
        new Bad("bmm of 2-D tensors", ARG, () -> m(2, 3).bmm(m(3, 2)), "float32[2, 3]"),
        new Bad("dot of different lengths", ARG, () -> m(3).dot(m(4)), "float32[3]", "float32[4]"),
        new Bad("addmm input not broadcastable to the product", ARG,
            () -> m(3, 3).addmm(m(2, 4), m(4, 3)), "[3, 3]", "[2, 3]"),
        // Dtypes.
        new Bad("matmul float32 @ float64", ARG, () -> m(2, 3).matmul(m64(3, 2)), "float32", "float64"),
        new Bad("mm float64 @ float32", ARG, () -> m64(2, 3).mm(m(3, 2)), "float64", "float32"),
        new Bad("where with a float condition", ARG,
            () -> Tensor.where(m(3), m(3), m(3)), "bool", "float32[3]"),
        new Bad("maskedFill with a float mask", ARG, () -> m(3).maskedFill(m(3), 1.0), "bool", "float32[3]"),
        new Bad("maskedFill_ with an int mask", ARG,
            () -> m(3).maskedFill_(Tensor.zeros(DType.INT64, 3), 1.0), "bool", "int64[3]"),
        new Bad("maskedSelect with an int mask", ARG,
            () -> m(3).maskedSelect(Tensor.zeros(DType.INT32, 3)), "bool", "int32[3]"),
        new Bad("gather with a float index", ARG, () -> m(3).gather(0, m(2)), "float32[2]"),
        new Bad("scatter with a src of another dtype", ARG,
            () -> m(3).scatter(0, idx(0), m64(1)), "float32", "float64"),
        new Bad("mean of an int tensor", ARG, () -> Tensor.zeros(DType.INT64, 3).mean(), "int64[3]"),
        new Bad("oneHot of a float tensor", ARG, () -> m(3).oneHot(4), "float32[3]"),
        new Bad("int tensor add_ of a float", ARG, () -> Tensor.zeros(DType.INT64, 3).add_(m(3)),
            "float32", "int64"),
        new Bad("int tensor mul_ of a float scalar", ARG, () -> Tensor.zeros(DType.INT32, 3).mul_(1.5),
            "float32", "int32"),
        // Dims out of range.
        new Bad("sum(3) of a 2-D tensor", INDEX, () -> m(2, 3).sum(3), "dim 3", "[2, 3]"),
        new Bad("mean(-3) of a 2-D tensor", INDEX, () -> m(2, 3).mean(-3), "dim -3", "[2, 3]"),
        new Bad("amax over dims [0, 2] of a 2-D tensor", INDEX,
            () -> m(2, 3).amax(new int[] {0, 2}, false), "dim 2", "[2, 3]"),
        new Bad("max(dim=2) of a 2-D tensor", INDEX, () -> m(2, 3).max(2, false), "dim 2", "[2, 3]"),
        new Bad("argmax(dim=5)", INDEX, () -> m(2, 3).argmax(5, false), "dim 5"),
        new Bad("softmax(2) of a 2-D tensor", INDEX, () -> m(2, 3).softmax(2), "dim 2", "[2, 3]"),
        new Bad("logSoftmax(-3) of a 2-D tensor", INDEX, () -> m(2, 3).logSoftmax(-3), "dim -3"),
        new Bad("cumsum(1) of a 1-D tensor", INDEX, () -> m(4).cumsum(1), "dim 1", "[4]"),
        new Bad("transpose(0, 3) of a 3-D tensor", INDEX,
            () -> m(2, 3, 4).transpose(0, 3), "dim 3", "[2, 3, 4]"),
        new Bad("unsqueeze(3) of a 1-D tensor", INDEX, () -> m(4).unsqueeze(3), "dim 3"),
        new Bad("cat along dim 2 of 2-D tensors", INDEX,
            () -> Tensor.cat(List.of(m(2, 3), m(2, 3)), 2), "dim 2"),
        new Bad("repeated dim in a reduction", ARG, () -> m(2, 3).sum(new int[] {1, -1}, false), "1"),
        new Bad("permute with the wrong number of dims", ARG, () -> m(2, 3).permute(0), "[2, 3]"),
        // Indices out of range.
        new Bad("select(1, 3) of [2,3]", INDEX, () -> m(2, 3).select(1, 3), "index 3", "size 3"),
        new Bad("select(0, -3) of [2,3]", INDEX, () -> m(2, 3).select(0, -3), "index -3", "size 2"),
        new Bad("narrow(1, 2, 2) of [2,3]", INDEX,
            () -> m(2, 3).narrow(1, 2, 2), "start 2", "length 2", "size 3"),
        new Bad("indexSelect with index 5 of a dim of size 3", INDEX,
            () -> m(2, 3).indexSelect(1, idx(0, 5)), "5", "3"),
        new Bad("gather with index 4 along a dim of size 2", INDEX,
            () -> m(2, 3).gather(0, Tensor.of(new long[][] {{0, 4, 1}})), "4", "2"),
        new Bad("gather with a negative index", INDEX, () -> m(3).gather(0, idx(-1)), "-1", "3"),
        new Bad("scatter with index 7 along a dim of size 3", INDEX,
            () -> m(3).scatter(0, idx(7), m(1)), "7", "3"),
        new Bad("scatterAdd with index 9", INDEX,
            () -> m(2, 2).scatterAdd(1, Tensor.of(new long[][] {{9}}), m(1, 1)), "9", "2"),
        new Bad("take with index 6 of 6 elements", INDEX, () -> m(2, 3).take(idx(0, 6)), "6"),
        new Bad("take with index -7 of 6 elements", INDEX, () -> m(2, 3).take(idx(-7)), "-7"),
        new Bad("oneHot class out of range", ARG, () -> idx(0, 5).oneHot(3), "5", "3"),
        // Views.
        new Bad("view of a transposed tensor", ARG, () -> m(2, 3).t().view(6), "[6]", "[3, 2]"),
        new Bad("view with the wrong number of elements", ARG, () -> m(2, 3).view(4, 2), "[4, 2]", "6"),
        new Bad("reshape with two -1", ARG, () -> m(2, 3).reshape(-1, -1), "[-1, -1]"),
        new Bad("unflatten sizes that do not multiply to the dim", ARG,
            () -> m(2, 6).unflatten(1, 4, 2), "[4, 2]"),
        new Bad("expand [2,3] to [4,3]", ARG, () -> m(2, 3).expand(4, 3), "[4, 3]", "[2, 3]"),
        new Bad("expand to fewer dims", ARG, () -> m(2, 3).expand(3), "2"),
        new Bad("broadcastTo an incompatible shape", ARG, () -> m(3).broadcastTo(2, 4), "[2, 4]", "[3]"),
        // Joining.
        new Bad("cat of [2,3] and [2,4] along dim 0", ARG, () -> Tensor.cat(List.of(m(2, 3), m(2, 4)), 0),
            "dimension 0", "3", "4"),
        new Bad("cat of tensors with different numbers of dims", ARG,
            () -> Tensor.cat(List.of(m(2, 3), m(3)), 0), "[3]"),
        new Bad("cat of nothing", ARG, () -> Tensor.cat(List.of(), 0), "non-empty"),
        new Bad("stack of [2,3] and [3,2]", ARG,
            () -> Tensor.stack(List.of(m(2, 3), m(3, 2)), 0), "[2, 3]", "[3, 2]"),
        new Bad("split sizes that do not sum to the dim", ARG,
            () -> m(5).split(new int[] {2, 2}, 0), "[2, 2]", "5"),
        // In place.
        new Bad("add_ whose broadcast result does not fit", ARG, () -> m(3).add_(m(2, 3)), "[3]", "[2, 3]"),
        new Bad("mul_ whose broadcast result does not fit", ARG,
            () -> m(2, 1).mul_(m(2, 3)), "[2, 1]", "[2, 3]"),
        new Bad("copy_ from a shape that does not broadcast", ARG,
            () -> m(2, 3).copy_(m(4)), "[4]", "[2, 3]"),
        new Bad("in-place write to an expanded tensor", IllegalStateException.class,
            () -> m(1, 3).expand(2, 3).add_(1.0), "float32[2, 3]"),
        new Bad("in-place op on a leaf that requires grad", IllegalStateException.class,
            () -> m64(3).requiresGrad(true).exp_(), "float64[3]"),
        // Autograd.
        new Bad("backward() of a non-scalar", ARG, () -> m64(2, 3).requiresGrad(true).mul(2).backward(),
            "scalar", "[2, 3]"),
        new Bad("backward with a gradient of another shape", ARG,
            () -> m64(2, 3).requiresGrad(true).mul(2).backward(m64(3)), "[3]", "[2, 3]"),
        new Bad("requiresGrad on an int tensor", ARG,
            () -> Tensor.zeros(DType.INT64, 2).requiresGrad(true), "int64[2]"),
        // Convolution and pooling.
        new Bad("conv2d of a 2-D input", ARG, () -> Conv.conv2d(m(28, 28), m(4, 1, 3, 3), null, 1, 0, 1, 1),
            "conv2d", "4 dims (N, C, H, W)", "float32[28, 28]"),
        new Bad("conv2d with a 3-D weight", ARG, () -> Conv.conv2d(m(1, 1, 8, 8), m(4, 1, 3), null, 1, 0, 1, 1),
            "weight", "float32[4, 1, 3]"),
        new Bad("conv2d input channels that do not match the weight", ARG,
            () -> Conv.conv2d(m(2, 3, 8, 8), m(4, 2, 3, 3), null, 1, 0, 1, 1),
            "groups=1", "[4, 2, 3, 3]", "2 channels", "[2, 3, 8, 8]"),
        new Bad("conv2d input channels that do not match weight and groups", ARG,
            () -> Conv.conv2d(m(2, 3, 8, 8), m(4, 2, 3, 3), null, 1, 0, 1, 2),
            "groups=2", "4 channels", "[2, 3, 8, 8]"),
        new Bad("conv2d out_channels not divisible by groups", ARG,
            () -> Conv.conv2d(m(1, 2, 8, 8), m(5, 1, 3, 3), null, 1, 0, 1, 2),
            "out_channels 5", "groups=2"),
        new Bad("conv2d with groups 0", ARG, () -> Conv.conv2d(m(1, 2, 8, 8), m(2, 2, 3, 3), null, 1, 0, 1, 0),
            "groups", "0"),
        new Bad("conv2d bias of the wrong size", ARG,
            () -> Conv.conv2d(m(1, 2, 8, 8), m(4, 2, 3, 3), m(3), 1, 0, 1, 1), "[4]", "float32[3]"),
        new Bad("conv2d float32 input, float64 weight", ARG,
            () -> Conv.conv2d(m(1, 2, 8, 8), m64(4, 2, 3, 3), null, 1, 0, 1, 1), "float32", "float64"),
        new Bad("conv2d of an int input", ARG,
            () -> Conv.conv2d(Tensor.zeros(DType.INT64, 1, 2, 8, 8), m(4, 2, 3, 3), null, 1, 0, 1, 1),
            "int64[1, 2, 8, 8]"),
        new Bad("conv2d with stride 0", ARG,
            () -> Conv.conv2d(m(1, 2, 8, 8), m(4, 2, 3, 3), null, new int[] {1, 0}, new int[] {0},
                new int[] {1}, 1), "stride", "[1, 0]"),
        new Bad("conv2d with a negative padding", ARG,
            () -> Conv.conv2d(m(1, 2, 8, 8), m(4, 2, 3, 3), null, 1, -1, 1, 1), "padding", "[-1]"),
        new Bad("conv2d with three strides", ARG,
            () -> Conv.conv2d(m(1, 2, 8, 8), m(4, 2, 3, 3), null, new int[] {1, 1, 1}, new int[] {0},
                new int[] {1}, 1), "stride", "[1, 1, 1]"),
        new Bad("conv2d kernel larger than the padded input", ARG,
            () -> Conv.conv2d(m(1, 1, 2, 2), m(1, 1, 3, 3), null, 1, 0, 1, 1),
            "output size (0 x 0)", "too small", "float32[1, 1, 2, 2]", "float32[1, 1, 3, 3]"),
        new Bad("conv2d dilated kernel larger than the input", ARG,
            () -> Conv.conv2d(m(1, 1, 4, 4), m(1, 1, 3, 3), null, 1, 0, 2, 1), "(5 x 5)", "(4 x 4)"),
        new Bad("conv1d of a 4-D input", ARG,
            () -> Conv.conv1d(m(1, 2, 8, 8), m(4, 2, 3), null, 1, 0, 1, 1), "conv1d", "3 dims (N, C, L)",
            "float32[1, 2, 8, 8]"),
        new Bad("conv1d kernel longer than the input", ARG,
            () -> Conv.conv1d(m(1, 2, 2), m(4, 2, 3), null, 1, 0, 1, 1), "conv1d", "output size (0)"),
        new Bad("convTranspose2d input channels that do not match the weight", ARG,
            () -> Conv.convTranspose2d(m(1, 3, 4, 4), m(2, 2, 3, 3), null, new int[] {1}, new int[] {0},
                new int[] {0}, 1, new int[] {1}), "conv_transpose2d", "2 channels", "[1, 3, 4, 4]"),
        new Bad("convTranspose2d output padding not below stride or dilation", ARG,
            () -> Conv.convTranspose2d(m(1, 2, 4, 4), m(2, 2, 3, 3), null, new int[] {1}, new int[] {0},
                new int[] {1}, 1, new int[] {1}), "output_padding [1]", "stride [1]", "dilation [1]"),
        new Bad("convTranspose2d output size below 1", ARG,
            () -> Conv.convTranspose2d(m(1, 2, 1, 1), m(2, 2, 1, 1), null, new int[] {1}, new int[] {1},
                new int[] {0}, 1, new int[] {1}), "output size (-1 x -1)", "float32[1, 2, 1, 1]"),
        new Bad("maxPool2d of a 2-D input", ARG,
            () -> Conv.maxPool2d(m(8, 8), new int[] {2}, null, new int[] {0}, new int[] {1}, false),
            "max_pool2d", "4 dims", "float32[8, 8]"),
        new Bad("maxPool2d padding above half the kernel", ARG,
            () -> Conv.maxPool2d(m(1, 1, 8, 8), new int[] {3}, null, new int[] {2}, new int[] {1}, false),
            "padding [2]", "kernel [3]"),
        new Bad("maxPool2d kernel of size 0", ARG,
            () -> Conv.maxPool2d(m(1, 1, 8, 8), new int[] {0, 2}, null, new int[] {0}, new int[] {1}, false),
            "kernel [0, 2]"),
        new Bad("maxPool2d window larger than the input", ARG,
            () -> Conv.maxPool2d(m(1, 1, 1, 1), new int[] {2}, null, new int[] {0}, new int[] {1}, false),
            "output size (0 x 0)", "float32[1, 1, 1, 1]"),
        new Bad("maxPool2dWithIndices of an empty plane", ARG,
            () -> Conv.maxPool2dWithIndices(m(1, 1, 0, 4), new int[] {2}, null, new int[] {0},
                new int[] {1}, false), "non-zero", "float32[1, 1, 0, 4]"),
        new Bad("avgPool2d with a negative divisor override", ARG,
            () -> Conv.avgPool2d(m(1, 1, 4, 4), new int[] {2}, null, new int[] {0}, false, true, -1),
            "divisorOverride", "-1"),
        new Bad("avgPool2d of an int input", ARG,
            () -> Conv.avgPool2d(Tensor.zeros(DType.INT32, 1, 1, 4, 4), new int[] {2}, null,
                new int[] {0}, false, true, 0), "int32[1, 1, 4, 4]"),
        new Bad("adaptiveAvgPool2d to size 0", ARG,
            () -> Conv.adaptiveAvgPool2d(m(1, 1, 4, 4), new int[] {0, 2}), "outputSize", "[0, 2]"),
        new Bad("adaptiveAvgPool2d of a 5-D input", ARG,
            () -> Conv.adaptiveAvgPool2d(m(1, 1, 1, 4, 4), new int[] {2}), "float32[1, 1, 1, 4, 4]")
    ).map(Bad::test);
  }
}
