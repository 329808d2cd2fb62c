package dev.ember.backend.cpu;

import static dev.ember.backend.cpu.CpuTesting.forEach;
import static dev.ember.backend.cpu.CpuTesting.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.backend.cpu.CpuLoops.View;
import dev.ember.backend.cpu.CpuTesting.Layout;
import dev.ember.tensor.DType;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Gather, scatter and masked select against scalar references. */
class CpuIndexTest {
  private static Layout anyLayout(Random rnd) {
    return Layout.values()[rnd.nextInt(Layout.values().length)];
  }

  private static View indices(int[] shape, int bound, Random rnd) {
    View index = CpuTesting.view(DType.INT64, shape, anyLayout(rnd), rnd);
    forEach(shape, idx -> CpuTesting.set(index, idx, rnd.nextInt(bound)));
    return index;
  }

  @Test
  void gatherEveryDtypeDimAndLayout() {
    Random rnd = new Random(31);
    int[] srcShape = {4, 5, 6};
    for (DType dt : DType.values()) {
      for (int dim = 0; dim < 3; dim++) {
        for (int trial = 0; trial < 4; trial++) {
          int[] outShape = new int[3];
          for (int d = 0; d < 3; d++) {
            outShape[d] = d == dim ? 1 + rnd.nextInt(8) : 1 + rnd.nextInt(srcShape[d]);
          }
          View src = CpuTesting.view(dt, srcShape, anyLayout(rnd), rnd);
          View index = indices(outShape, srcShape[dim], rnd);
          View dst = CpuTesting.view(dt, outShape, anyLayout(rnd), rnd);
          CpuIndex.gather(dst, src, dim, index);
          int d = dim;
          forEach(outShape, idx -> {
            int[] j = idx.clone();
            j[d] = (int) CpuTesting.getLong(index, idx);
            assertEquals(get(src, j), get(dst, idx), "gather " + dt + " dim " + d);
          });
          assertTrue(CpuTesting.untouchedOutside(dst));
        }
      }
    }
  }

  @Test
  void gatherWithBroadcastIndexAndLargeShape() {
    Random rnd = new Random(32);
    int[] shape = {300, 200};
    View src = CpuTesting.view(DType.FLOAT32, new int[] {300, 50}, Layout.MIXED, rnd);
    View index = CpuTesting.expand(indices(new int[] {200}, 50, rnd), shape);
    View dst = View.allocate(DType.FLOAT32, shape);
    CpuIndex.gather(dst, src, 1, index);
    forEach(shape, idx -> assertEquals(get(src, new int[] {idx[0],
        (int) CpuTesting.getLong(index, idx)}), get(dst, idx)));
  }

  @Test
  void gatherOfWholeRowsAsIndexSelectDoes() {
    // One index per row, broadcast along the contiguous inner dim: the block-copy path.
    Random rnd = new Random(33);
    for (DType dt : DType.values()) {
      int[] shape = {9, 37};
      View src = CpuTesting.view(dt, new int[] {50, 37}, Layout.CONTIGUOUS, rnd);
      View rows = indices(new int[] {9, 1}, 50, rnd);
      View index = CpuTesting.expand(rows, shape);
      View dst = View.allocate(dt, shape);
      CpuIndex.gather(dst, src, 0, index);
      forEach(shape, idx -> assertEquals(
          get(src, new int[] {(int) CpuTesting.getLong(index, idx), idx[1]}), get(dst, idx),
          "row gather " + dt));
    }
    View src = View.allocate(DType.FLOAT32, new int[] {4, 3});
    View bad = View.allocate(DType.INT64, new int[] {2, 1});
    ((long[]) bad.array())[0] = 0;
    ((long[]) bad.array())[1] = 4;
    View index = CpuTesting.expand(bad, new int[] {2, 3});
    IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
        () -> CpuIndex.gather(View.allocate(DType.FLOAT32, new int[] {2, 3}), src, 0, index));
    assertEquals("index 4 is out of bounds for dim 0 with size 4", e.getMessage());
  }

  @Test
  void badIndicesAreRejected() {
    View src = View.allocate(DType.FLOAT32, new int[] {2, 3});
    View dst = View.allocate(DType.FLOAT32, new int[] {2, 1});
    View index = View.allocate(DType.INT64, new int[] {2, 1});
    ((long[]) index.array())[1] = 5;
    IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
        () -> CpuIndex.gather(dst, src, 1, index));
    assertEquals("index 5 is out of bounds for dim 1 with size 3", e.getMessage());
    ((long[]) index.array())[1] = -1;
    assertThrows(IndexOutOfBoundsException.class, () -> CpuIndex.gather(dst, src, 1, index));
    assertThrows(IndexOutOfBoundsException.class,
        () -> CpuIndex.scatter(src, 1, index, dst, false));
  }

  @Test
  void scatterEveryDtypeDimAndMode() {
    Random rnd = new Random(33);
    int[] dstShape = {4, 5, 6};
    for (DType dt : DType.values()) {
      for (boolean accumulate : new boolean[] {false, true}) {
        for (int dim = 0; dim < 3; dim++) {
          int[] shape = new int[3];
          for (int d = 0; d < 3; d++) {
            shape[d] = d == dim ? 1 + rnd.nextInt(9) : 1 + rnd.nextInt(dstShape[d]);
          }
          View dst = CpuTesting.view(dt, dstShape, anyLayout(rnd), rnd);
          View expected = View.allocate(dt, dstShape);
          CpuElementwise.copy(expected, dst);
          View index = indices(shape, dstShape[dim], rnd);
          View src = CpuTesting.view(dt, shape, anyLayout(rnd), rnd);
          CpuIndex.scatter(dst, dim, index, src, accumulate);
          int d = dim;
          // Reference: sequentially in row-major order of index (duplicates: last write wins).
          forEach(shape, idx -> {
            int[] j = idx.clone();
            j[d] = (int) CpuTesting.getLong(index, idx);
            double v = get(src, idx);
            if (accumulate) {
              v = dt == DType.BOOL ? (v != 0 || get(expected, j) != 0 ? 1 : 0)
                  : get(expected, j) + v;
            }
            CpuTesting.set(expected, j, v);
          });
          forEach(dstShape, idx -> CpuTesting.assertClose(dt, get(expected, idx), get(dst, idx),
              "scatter " + dt + " dim " + d + " accumulate " + accumulate));
          assertTrue(CpuTesting.untouchedOutside(dst));
        }
      }
    }
  }

  @Test
  void maskedSelectEveryDtypeAndLayout() {
    Random rnd = new Random(34);
    int[][] shapes = {{}, {0}, {7}, {3, 4}, {2, 3, 5}, {40, 70}};
    for (DType dt : DType.values()) {
      for (int[] shape : shapes) {
        View src = CpuTesting.view(dt, shape, anyLayout(rnd), rnd);
        View mask = CpuTesting.view(DType.BOOL, shape, anyLayout(rnd), rnd);
        double[] expected = new double[CpuTesting.numel(shape)];
        int[] count = {0};
        forEach(shape, idx -> {
          if (get(mask, idx) != 0) {
            expected[count[0]++] = get(src, idx);
          }
        });
        View dst = CpuTesting.view(dt, new int[] {count[0]}, anyLayout(rnd), rnd);
        CpuIndex.maskedSelect(dst, src, mask);
        for (int i = 0; i < count[0]; i++) {
          assertEquals(expected[i], get(dst, new int[] {i}),
              "maskedSelect " + dt + " " + Arrays.toString(shape));
        }
        assertTrue(CpuTesting.untouchedOutside(dst));
        if (count[0] > 0) {
          View shortDst = View.allocate(dt, new int[] {count[0] - 1});
          assertThrows(IllegalArgumentException.class,
              () -> CpuIndex.maskedSelect(shortDst, src, mask));
        }
      }
    }
  }
}
