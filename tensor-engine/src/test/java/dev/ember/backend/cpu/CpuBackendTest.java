package dev.ember.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.backend.BinaryOp;
import dev.ember.backend.RandomOp;
import dev.ember.backend.ReduceOp;
import dev.ember.backend.Storage;
import dev.ember.backend.UnaryOp;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The CPU backend through the Backend SPI, on tensors built with the public API. */
class CpuBackendTest {
  private final Backend cpu = CpuBackend.INSTANCE;

  @Test
  void isTheCpuBackend() {
    assertSame(cpu, Backends.get(Device.CPU));
    assertEquals(Device.CPU, cpu.device());
  }

  @Test
  void allocateUploadDownloadEveryDtype() {
    Storage s = cpu.allocate(DType.FLOAT64, 3);
    assertEquals(3, ((CpuStorage) s).doubles().length);
    assertEquals(3, s.size());
    Object[] arrays = {new float[] {1.5f, -2}, new double[] {1.5, -2}, new long[] {7, -8},
        new int[] {7, -8}, new boolean[] {true, false}};
    DType[] dtypes = {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32, DType.BOOL};
    for (int i = 0; i < arrays.length; i++) {
      Tensor t = switch (dtypes[i]) {
        case FLOAT32 -> Tensor.of((float[]) arrays[i]);
        case FLOAT64 -> Tensor.of((double[]) arrays[i]);
        case INT64 -> Tensor.of((long[]) arrays[i]);
        case INT32 -> Tensor.of((int[]) arrays[i]);
        case BOOL -> Tensor.of((boolean[]) arrays[i]);
      };
      assertEquals(dtypes[i], t.dtype());
      assertEquals(java.util.Arrays.deepToString(new Object[] {arrays[i]}),
          java.util.Arrays.deepToString(new Object[] {cpu.download(t)}));
    }
    Storage bools = cpu.upload(new boolean[] {true, false, true}, DType.BOOL);
    assertArrayEquals(new byte[] {1, 0, 1}, ((CpuStorage) bools).bools());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> cpu.upload(new float[] {1}, DType.FLOAT64));
    assertTrue(e.getMessage().contains("double[]"), e.getMessage());
  }

  @Test
  void downloadGathersViewsInRowMajorOrder() {
    Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, (float[]) cpu.download(t.transpose(0, 1)));
    assertArrayEquals(new float[] {2, 3, 5, 6}, (float[]) cpu.download(t.narrow(1, 1, 2)));
    assertArrayEquals(new float[] {4, 5, 6}, (float[]) cpu.download(t.select(0, 1)));
    assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3},
        (float[]) cpu.download(t.select(0, 0).expand(2, 3)));
    assertArrayEquals(new boolean[] {true, false, true, false},
        (boolean[]) cpu.download(Tensor.of(new boolean[] {true, false}).expand(2, 2)));
  }

  @Test
  void primitivesOnPublicViews() {
    Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    Tensor at = a.transpose(0, 1);
    Tensor row = Tensor.of(new float[] {10, 20});
    // In place on a transposed view, with a broadcast operand: at[i][j] += row[j].
    cpu.binary(BinaryOp.ADD, at, at, row.expand(3, 2));
    assertArrayEquals(new float[] {11, 12, 13, 24, 25, 26}, (float[]) cpu.download(a));

    Tensor flags = Tensor.empty(DType.BOOL, Device.CPU, 2, 3);
    cpu.binary(BinaryOp.GT, flags, a, Tensor.of(new float[] {12}).expand(2, 3));
    assertArrayEquals(new boolean[] {false, false, true, true, true, true},
        (boolean[]) cpu.download(flags));

    Tensor sums = Tensor.empty(DType.FLOAT32, Device.CPU, 1, 3);
    cpu.reduce(ReduceOp.SUM, sums, a, new int[] {0});
    assertArrayEquals(new float[] {35, 37, 39}, (float[]) cpu.download(sums));

    Tensor neg = Tensor.empty(DType.FLOAT32, Device.CPU, 3, 2);
    cpu.unary(UnaryOp.NEG, neg, at, 0, 0);
    assertArrayEquals(new float[] {-11, -24, -12, -25, -13, -26}, (float[]) cpu.download(neg));

    Tensor prod = Tensor.empty(DType.FLOAT32, Device.CPU, 1, 3, 3);
    cpu.matmul(prod, at.unsqueeze(0), a.unsqueeze(0), 1, 0);
    float[] p = (float[]) cpu.download(prod);
    assertEquals(11 * 11 + 24 * 24, p[0]);
    assertEquals(11 * 13 + 24 * 26, p[2]);

    Tensor r = Tensor.empty(DType.FLOAT64, Device.CPU, 4);
    cpu.random(RandomOp.UNIFORM, r, 1, 0, 0, 1);
    for (double x : (double[]) cpu.download(r)) {
      assertTrue(x >= 0 && x < 1);
    }
  }

  @Test
  void shapeAndDtypeMismatchesFailClearly() {
    Tensor a = Tensor.zeros(2, 3);
    Tensor b = Tensor.zeros(3, 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> cpu.binary(BinaryOp.ADD, a, a, b));
    assertTrue(e.getMessage().contains("[3, 2]") && e.getMessage().contains("[2, 3]"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> cpu.unary(UnaryOp.ISNAN, a, a, 0, 0));
    assertThrows(IllegalArgumentException.class,
        () -> cpu.reduce(ReduceOp.SUM, a, a, new int[] {0}));
  }

  @Test
  void operatorsEndToEnd() {
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    assertArrayEquals(new float[] {6, 5, 4, 3, 2, 1}, x.flip(0, 1).toFloatArray(), 0);
    assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, x.t().contiguous().toFloatArray(), 0);
    assertEquals(21, x.sum().item(), 0);
    float[] sm = x.softmax(1).toFloatArray();
    assertEquals(1, sm[0] + sm[1] + sm[2], 1e-6);
  }
}
