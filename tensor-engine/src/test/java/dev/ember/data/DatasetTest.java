package dev.ember.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.data.transforms.Transform;
import dev.ember.tensor.DType;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DatasetTest {
  /** n rows of 3 features (row r = 10r, 10r+1, 10r+2) and int64 labels r % 3. */
  static TensorDataset rows(int n) {
    Tensor x = Tensor.arange(n * 3).to(DType.FLOAT32).reshape(n, 3);
    x = x.add(Tensor.arange(n).to(DType.FLOAT32).mul(7).unsqueeze(1));
    long[] labels = new long[n];
    for (int r = 0; r < n; r++) {
      labels[r] = r % 3;
    }
    Tensor y = Tensor.of(labels);
    return new TensorDataset(x, y);
  }

  @Test
  void tensorDatasetItemsAreRowSlices() {
    TensorDataset ds = rows(10);
    assertEquals(10, ds.size());
    Tensor[] item = ds.get(4);
    assertEquals(2, item.length);
    assertArrayEquals(new int[] {3}, item[0].shape());
    assertArrayEquals(new int[0], item[1].shape());
    assertArrayEquals(new float[] {40, 41, 42}, item[0].toFloatArray(), 0);
    assertEquals(1, item[1].itemLong());
    IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> ds.get(10));
    assertTrue(e.getMessage().contains("index 10") && e.getMessage().contains("size 10"), e.getMessage());
  }

  @Test
  void tensorDatasetBatchFetchEqualsStackedItems() {
    TensorDataset ds = rows(10);
    int[] idx = {7, 2, 2, 9};
    Tensor[] batch = ds.getBatch(idx);
    List<Tensor[]> items = new ArrayList<>();
    for (int i : idx) {
      items.add(ds.get(i));
    }
    Tensor[] stacked = Collate.defaultCollate(items);
    assertTrue(ds.supportsBatchFetch());
    for (int k = 0; k < 2; k++) {
      assertArrayEquals(stacked[k].shape(), batch[k].shape());
      assertEquals(stacked[k].dtype(), batch[k].dtype());
      assertTrue(stacked[k].allClose(batch[k], 0, 0));
    }
    assertThrows(IndexOutOfBoundsException.class, () -> ds.getBatch(new int[] {1, -1}));
  }

  @Test
  void tensorDatasetRejectsMismatchedRows() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TensorDataset(Tensor.zeros(4, 2), Tensor.zeros(5)));
    assertTrue(e.getMessage().contains("[4, 2]") && e.getMessage().contains("[5]"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new TensorDataset());
    assertThrows(IllegalArgumentException.class, () -> new TensorDataset(Tensor.scalar(1.0)));
  }

  @Test
  void concatDatasetMapsIndicesAcrossParts() {
    TensorDataset a = rows(3);
    TensorDataset b = new TensorDataset(Tensor.full(new int[] {4, 3}, -1.0, DType.FLOAT32, a.tensors()[0].device()),
        Tensor.arange(4));
    ConcatDataset<Tensor[]> c = ConcatDataset.of(a, new Subset<>(a, new int[] {}), b);
    assertEquals(7, c.size());
    assertArrayEquals(new int[] {3, 3, 7}, c.cumulativeSizes());
    assertArrayEquals(new float[] {20, 21, 22}, c.get(2)[0].toFloatArray(), 0);
    assertEquals(0, c.get(3)[1].itemLong());
    assertEquals(3, c.get(6)[1].itemLong());
    assertThrows(IndexOutOfBoundsException.class, () -> c.get(7));
    // A batch across the parts comes back in the requested order.
    assertTrue(c.supportsBatchFetch());
    Tensor[] batch = c.getBatch(new int[] {5, 0, 6, 2});
    assertArrayEquals(new long[] {2, 0, 3, 2}, batch[1].toLongArray());
    assertArrayEquals(new float[] {-1, -1, -1, 0, 1, 2, -1, -1, -1, 20, 21, 22}, batch[0].toFloatArray(), 0);
    assertThrows(IllegalArgumentException.class, () -> new ConcatDataset<Tensor[]>(List.of()));
  }

  @Test
  void subsetViewsTheGivenIndices() {
    TensorDataset ds = rows(10);
    Subset<Tensor[]> s = new Subset<>(ds, new int[] {9, 0, 4});
    assertEquals(3, s.size());
    assertArrayEquals(new float[] {90, 91, 92}, s.get(0)[0].toFloatArray(), 0);
    assertArrayEquals(new long[] {1, 0}, s.getBatch(new int[] {2, 1})[1].toLongArray());
    assertThrows(IndexOutOfBoundsException.class, () -> new Subset<>(ds, new int[] {10}));
    assertThrows(IndexOutOfBoundsException.class, () -> s.get(3));
  }

  @Test
  void randomSplitWithLengthsPartitionsTheDataset() {
    TensorDataset ds = rows(10);
    List<Subset<Tensor[]>> parts = Datasets.randomSplit(ds, new int[] {3, 7}, new Generator(42));
    assertEquals(3, parts.get(0).size());
    assertEquals(7, parts.get(1).size());
    Set<Integer> all = new HashSet<>();
    for (Subset<Tensor[]> p : parts) {
      for (int i : p.indices()) {
        assertTrue(all.add(i), "index " + i + " in two splits");
      }
    }
    assertEquals(10, all.size());
    // torch semantics: the split is randperm(n, generator) cut into consecutive pieces.
    long[] perm = Tensor.randperm(10, new Generator(42)).toLongArray();
    int[] first = Arrays.stream(Arrays.copyOfRange(perm, 0, 3)).mapToInt(v -> (int) v).toArray();
    assertArrayEquals(first, parts.get(0).indices());
    // Same generator seed, same split; another seed, another split.
    assertArrayEquals(parts.get(1).indices(), Datasets.randomSplit(ds, new int[] {3, 7}, new Generator(42)).get(1).indices());
    assertFalse(Arrays.equals(parts.get(1).indices(), Datasets.randomSplit(ds, new int[] {3, 7}, new Generator(43)).get(1).indices()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Datasets.randomSplit(ds, new int[] {3, 6}, new Generator(1)));
    assertTrue(e.getMessage().contains("Sum of input lengths"), e.getMessage());
  }

  @Test
  void randomSplitWithFractionsHandsOutTheRemainderRoundRobin() {
    // floor(11 / 3) = 3 each, remainder 2 goes to splits 0 and 1.
    assertArrayEquals(new int[] {4, 4, 3}, Datasets.lengthsOf(11, new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3}));
    // floor(10 * 0.3) = 3 (0.3 * 10 is 3.0000000000000004), floor(10 * 0.7) = 7 (6.999...: 6 + 1).
    assertArrayEquals(new int[] {3, 7}, Datasets.lengthsOf(10, new double[] {0.3, 0.7}));
    // floor(5 * 0.1) = 0, floor(5 * 0.2) = 1, floor(5 * 0.7) = 3; remainder 1 goes to split 0.
    assertArrayEquals(new int[] {1, 1, 3}, Datasets.lengthsOf(5, new double[] {0.1, 0.2, 0.7}));
    assertArrayEquals(new int[] {0, 0}, Datasets.lengthsOf(0, new double[] {0.5, 0.5}));
    List<Subset<Tensor[]>> parts = Datasets.randomSplit(rows(11), new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3}, new Generator(1));
    assertEquals(List.of(4, 4, 3), parts.stream().map(Subset::size).toList());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Datasets.lengthsOf(10, new double[] {0.5, 0.6}));
    assertTrue(e.getMessage().contains("sum to"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Datasets.lengthsOf(10, new double[] {1.5, -0.5}));
  }

  @Test
  void mapAppliesTheTransformWithTheGivenGenerator() {
    TensorDataset ds = rows(4);
    Transform<Tensor[], Tensor[]> noise = Transform.onComponent(0, (x, gen) -> x.add(Tensor.rand(gen, DType.FLOAT32, x.device(), x.shape())));
    TransformedDataset<Tensor[], Tensor[]> mapped = ds.map(noise);
    assertEquals(4, mapped.size());
    assertFalse(mapped.supportsBatchFetch(), "per-item randomness: no batch fetch");
    Tensor a = mapped.get(1, new Generator(5))[0];
    Tensor b = mapped.get(1, new Generator(5))[0];
    Tensor c = mapped.get(1, new Generator(6))[0];
    assertTrue(a.allClose(b, 0, 0));
    assertFalse(a.allClose(c, 0, 0));
    Tensor diff = a.sub(ds.get(1)[0]);
    assertTrue(diff.min().item() >= 0 && diff.max().item() < 1);
    // The default batch fetch collates transformed items.
    Tensor[] batch = ds.map(Transform.onComponent(0, (x, gen) -> x.mul(2))).getBatch(new int[] {0, 3});
    assertArrayEquals(new float[] {0, 2, 4, 60, 62, 64}, batch[0].toFloatArray(), 0);
    assertNotEquals(null, mapped.source());
  }
}
