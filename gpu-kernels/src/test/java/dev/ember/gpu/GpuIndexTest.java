package dev.ember.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Gather, scatter and masked select on the OpenCL device against the CPU backend: every dtype,
 * strided operands, sizes over many work groups, duplicate scatter indices, bad indices.
 */
class GpuIndexTest {
  private static final DType[] DTYPES = {
    DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32, DType.BOOL
  };

  @BeforeEach
  void needsOpenCl() {
    GpuTesting.assumeDevice();
  }

  /** A CPU tensor of {@code dtype} with values from {@code rnd} (floats with a fraction). */
  private static Tensor values(DType dtype, Random rnd, int... shape) {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = dtype == DType.BOOL ? rnd.nextInt(2) : rnd.nextInt(2001) - 1000 + rnd.nextDouble();
    }
    return Tensor.of(v, shape).to(dtype);
  }

  /** An int64 CPU tensor of values in [0, bound). */
  private static Tensor indices(Random rnd, int bound, int... shape) {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      v[i] = rnd.nextInt(bound);
    }
    return Tensor.of(v, shape);
  }

  private static void assertSameValues(Tensor expected, Tensor actual) {
    assertEquals(expected.dtype(), actual.dtype());
    assertArrayEquals(expected.shape(), actual.shape());
    switch (expected.dtype()) {
      case FLOAT32 -> assertArrayEquals(expected.toFloatArray(), actual.toFloatArray());
      case FLOAT64 -> assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray());
      case INT64 -> assertArrayEquals(expected.toLongArray(), actual.toLongArray());
      case INT32 -> assertArrayEquals(expected.toIntArray(), actual.toIntArray());
      case BOOL -> assertArrayEquals(expected.toBooleanArray(), actual.toBooleanArray());
    }
  }

  @Test
  void gatherMatchesTheCpuForEveryDtypeDimAndStridedSource() {
    Random rnd = new Random(11);
    for (DType dtype : DTYPES) {
      for (int dim = 0; dim < 3; dim++) {
        try (var scope = Tensor.scope()) {
          // src is a transposed (strided) view; dst has more than 65,536 elements.
          Tensor src = values(dtype, rnd, 40, 30, 70).transpose(0, 2);
          int[] shape = {70, 30, 40};
          int size = shape[dim];
          shape[dim] = dim == 1 ? 60 : size;
          Tensor index = indices(rnd, size, shape);
          Tensor expected = src.gather(dim, index);
          Tensor actual = src.to(GpuTesting.DEVICE).gather(dim, index.to(GpuTesting.DEVICE));
          assertSameValues(expected, actual.to(Device.CPU));
        }
      }
    }
  }

  @Test
  void gatherWithABroadcastIndexSelectsRows() {
    Random rnd = new Random(12);
    try (var scope = Tensor.scope()) {
      Tensor table = values(DType.FLOAT32, rnd, 500, 300);
      Tensor ids = indices(rnd, 500, 400);
      Tensor expected = table.indexSelect(0, ids);
      Tensor actual = table.to(GpuTesting.DEVICE).indexSelect(0, ids.to(GpuTesting.DEVICE));
      assertSameValues(expected, actual.to(Device.CPU));
    }
  }

  @Test
  void scatterWithDuplicatesMatchesTheCpuInBothModes() {
    Random rnd = new Random(13);
    for (DType dtype : DTYPES) {
      for (int dim = 0; dim < 2; dim++) {
        for (boolean accumulate : new boolean[] {false, true}) {
          try (var scope = Tensor.scope()) {
            // 5 distinct targets along dim for 300 sources: every target is hit many times.
            int[] srcShape = dim == 0 ? new int[] {300, 250} : new int[] {250, 300};
            Tensor src = values(dtype, rnd, srcShape[1], srcShape[0]).transpose(0, 1);
            Tensor index = indices(rnd, 5, srcShape);
            int[] dstShape = dim == 0 ? new int[] {5, 260} : new int[] {260, 5};
            Tensor dst = values(dtype, rnd, dstShape);
            Tensor expected = accumulate ? dst.scatterAdd(dim, index, src)
                : dst.scatter(dim, index, src);
            Tensor g = dst.to(GpuTesting.DEVICE);
            Tensor gi = index.to(GpuTesting.DEVICE);
            Tensor gs = src.to(GpuTesting.DEVICE);
            Tensor actual = accumulate ? g.scatterAdd(dim, gi, gs) : g.scatter(dim, gi, gs);
            assertSameValues(expected, actual.to(Device.CPU));
          }
        }
      }
    }
  }

  @Test
  void stridedDestinationsAndIndicesAtTheBackend() {
    Random rnd = new Random(17);
    Backend cpu = Backends.get(Device.CPU);
    Backend gpu = Backends.get(GpuTesting.DEVICE);
    for (DType dtype : DTYPES) {
      try (var scope = Tensor.scope()) {
        // gather into a transposed view of a larger tensor, with a transposed index.
        Tensor src = values(dtype, rnd, 90, 80);
        Tensor index = indices(rnd, 90, 60, 70);
        Tensor cpuDst = values(dtype, rnd, 60, 70);
        Tensor gpuDst = cpuDst.to(GpuTesting.DEVICE);
        cpu.gather(cpuDst.transpose(0, 1), src, 0, index.transpose(0, 1));
        gpu.gather(gpuDst.transpose(0, 1), src.to(GpuTesting.DEVICE), 0,
            index.to(GpuTesting.DEVICE).transpose(0, 1));
        assertSameValues(cpuDst, gpuDst.to(Device.CPU));

        // scatter (both modes) into a narrowed, transposed view with a strided src.
        for (boolean accumulate : new boolean[] {false, true}) {
          Tensor from = values(dtype, rnd, 50, 40).transpose(0, 1);
          Tensor where = indices(rnd, 30, 50, 40);
          Tensor cpuOut = values(dtype, rnd, 60, 45);
          Tensor gpuOut = cpuOut.to(GpuTesting.DEVICE);
          cpu.scatter(cpuOut.transpose(0, 1).narrow(1, 5, 30), 1, where.transpose(0, 1), from,
              accumulate);
          gpu.scatter(gpuOut.transpose(0, 1).narrow(1, 5, 30), 1,
              where.to(GpuTesting.DEVICE).transpose(0, 1), from.to(GpuTesting.DEVICE),
              accumulate);
          assertSameValues(cpuOut, gpuOut.to(Device.CPU));
        }
      }
    }
  }

  @Test
  void largeOneDimensionalScatterAddSumsInRowMajorOrder() {
    Random rnd = new Random(14);
    try (var scope = Tensor.scope()) {
      Tensor src = values(DType.FLOAT32, rnd, 100_000);
      Tensor index = indices(rnd, 1000, 100_000);
      Tensor expected = Tensor.zeros(DType.FLOAT32, Device.CPU, 1000).scatterAdd(0, index, src);
      Tensor actual = Tensor.zeros(DType.FLOAT32, GpuTesting.DEVICE, 1000)
          .scatterAdd(0, index.to(GpuTesting.DEVICE), src.to(GpuTesting.DEVICE));
      assertSameValues(expected, actual.to(Device.CPU));
    }
  }

  @Test
  void badIndicesThrowTheCpuMessage() {
    try (var scope = Tensor.scope()) {
      Tensor src = Tensor.arange(12).to(DType.FLOAT32).reshape(3, 4);
      Tensor index = Tensor.of(new long[] {0, 1, 2, 3, 1, 7, 0, -2}, 2, 4);
      Tensor gpuSrc = src.to(GpuTesting.DEVICE);
      Tensor gpuIndex = index.to(GpuTesting.DEVICE);
      IndexOutOfBoundsException cpu = assertThrows(IndexOutOfBoundsException.class,
          () -> src.gather(0, index));
      IndexOutOfBoundsException gpu = assertThrows(IndexOutOfBoundsException.class,
          () -> gpuSrc.gather(0, gpuIndex));
      assertEquals(cpu.getMessage(), gpu.getMessage());
      assertEquals("index 3 is out of bounds for dim 0 with size 3", gpu.getMessage());

      Tensor values = Tensor.ones(DType.FLOAT32, Device.CPU, 2, 4);
      for (boolean accumulate : new boolean[] {false, true}) {
        IndexOutOfBoundsException cpuScatter = assertThrows(IndexOutOfBoundsException.class,
            () -> scatter(src, 0, index, values, accumulate));
        IndexOutOfBoundsException gpuScatter = assertThrows(IndexOutOfBoundsException.class,
            () -> scatter(gpuSrc, 0, gpuIndex, values.to(GpuTesting.DEVICE), accumulate));
        assertEquals(cpuScatter.getMessage(), gpuScatter.getMessage());
      }
      IndexOutOfBoundsException negative = assertThrows(IndexOutOfBoundsException.class,
          () -> gpuSrc.gather(1, Tensor.of(new long[] {0, -2}, 1, 2).to(GpuTesting.DEVICE)));
      assertEquals("index -2 is out of bounds for dim 1 with size 4", negative.getMessage());
    }
  }

  private static Tensor scatter(Tensor dst, int dim, Tensor index, Tensor src, boolean add) {
    return add ? dst.scatterAdd(dim, index, src) : dst.scatter(dim, index, src);
  }

  @Test
  void maskedSelectMatchesTheCpuForEveryDtypeWithStridedOperands() {
    Random rnd = new Random(15);
    Backend cpu = Backends.get(Device.CPU);
    Backend gpu = Backends.get(GpuTesting.DEVICE);
    for (DType dtype : DTYPES) {
      for (int[] shape : new int[][] {{1, 1}, {7, 3}, {300, 257}}) {
        try (var scope = Tensor.scope()) {
          Tensor src = values(dtype, rnd, shape[1], shape[0]).transpose(0, 1);
          Tensor mask = values(DType.BOOL, rnd, shape[1], shape[0]).transpose(0, 1);
          int count = 0;
          for (boolean m : mask.toBooleanArray()) {
            count += m ? 1 : 0;
          }
          Tensor expected = Tensor.empty(dtype, Device.CPU, count);
          cpu.maskedSelect(expected, src, mask);
          Tensor actual = Tensor.empty(dtype, GpuTesting.DEVICE, count);
          gpu.maskedSelect(actual, src.to(GpuTesting.DEVICE), mask.to(GpuTesting.DEVICE));
          assertSameValues(expected, actual.to(Device.CPU));
        }
      }
    }
  }

  @Test
  void maskedSelectOnATransposedViewOverManyGroups() {
    Random rnd = new Random(16);
    Backend gpu = Backends.get(GpuTesting.DEVICE);
    try (var scope = Tensor.scope()) {
      // 1.1M elements: more chunks than one work group scans at a time (256 x 4096 elements).
      Tensor x = values(DType.INT64, rnd, 1100, 1000);
      Tensor m = values(DType.BOOL, rnd, 1000, 1100);
      Tensor xs = x.transpose(0, 1);
      Tensor expected = xs.maskedSelect(m);
      Tensor gx = x.to(GpuTesting.DEVICE).transpose(0, 1);
      Tensor gm = m.to(GpuTesting.DEVICE);
      Tensor actual = Tensor.empty(DType.INT64, GpuTesting.DEVICE, expected.numel());
      gpu.maskedSelect(actual, gx, gm);
      assertSameValues(expected, actual.to(Device.CPU));

      Tensor tooShort = Tensor.empty(DType.INT64, GpuTesting.DEVICE, expected.numel() - 1);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> gpu.maskedSelect(tooShort, gx, gm));
      assertEquals("maskedSelect: the mask has " + expected.numel()
          + " true elements but dst's length is " + (expected.numel() - 1), e.getMessage());
    }
  }
}
