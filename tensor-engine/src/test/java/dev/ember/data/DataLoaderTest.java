package dev.ember.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.data.transforms.Compose;
import dev.ember.data.transforms.Interpolation;
import dev.ember.data.transforms.PaddingMode;
import dev.ember.data.transforms.RandomCrop;
import dev.ember.data.transforms.RandomErasing;
import dev.ember.data.transforms.RandomHorizontalFlip;
import dev.ember.data.transforms.RandomRotation;
import dev.ember.data.transforms.Transform;
import dev.ember.tensor.DType;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DataLoaderTest {
  /** Rows whose first feature is 10 * row index (see DatasetTest.rows). */
  private static TensorDataset rows(int n) {
    return DatasetTest.rows(n);
  }

  /** The row indices of a batch, read back from the first feature. */
  private static int[] rowsOf(Tensor[] batch) {
    float[] x = batch[0].select(1, 0).toFloatArray();
    int[] r = new int[x.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = Math.round(x[i] / 10);
    }
    return r;
  }

  private static List<int[]> epochRows(DataLoader<Tensor[], Tensor[]> loader) {
    List<int[]> out = new ArrayList<>();
    for (Tensor[] b : loader) {
      out.add(rowsOf(b));
    }
    return out;
  }

  private static List<float[]> epochValues(DataLoader<?, Tensor[]> loader) {
    List<float[]> out = new ArrayList<>();
    for (Tensor[] b : loader) {
      for (Tensor t : b) {
        out.add(t.to(DType.FLOAT32).contiguous().toFloatArray());
      }
    }
    return out;
  }

  private static void assertSameBatches(List<float[]> a, List<float[]> b) {
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.get(i), b.get(i), 0f, "batch component " + i);
    }
  }

  private static long liveWorkers(DataLoader<?, ?> loader) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(loader.threadPrefix()))
        .count();
  }

  // ---------------------------------------------------------------------------------------------
  // Batching and shuffling

  @Test
  void batchesInOrderWithDefaultCollate() {
    DataLoader<Tensor[], Tensor[]> loader = DataLoader.builder(rows(10)).batchSize(4).build();
    assertEquals(3, loader.numBatches());
    assertEquals(3, loader.len());
    List<Tensor[]> batches = new ArrayList<>();
    loader.forEach(batches::add);
    assertEquals(3, batches.size());
    assertArrayEquals(new int[] {4, 3}, batches.get(0)[0].shape());
    assertArrayEquals(new int[] {4}, batches.get(0)[1].shape());
    assertEquals(DType.INT64, batches.get(0)[1].dtype());
    assertArrayEquals(new int[] {2, 3}, batches.get(2)[0].shape());
    assertArrayEquals(new int[] {8, 9}, rowsOf(batches.get(2)));
    assertArrayEquals(new long[] {2, 0}, batches.get(2)[1].toLongArray());
    DataLoader<Tensor[], Tensor[]> drop = DataLoader.builder(rows(10)).batchSize(4).dropLast(true).build();
    assertEquals(2, drop.numBatches());
    assertEquals(2, epochRows(drop).size());
    assertEquals(10, DataLoader.builder(rows(10)).build().numBatches(), "PyTorch's default batch size 1");
  }

  @Test
  void shuffleReshufflesEveryEpochAndRepeatsOnARerun() {
    DataLoader<Tensor[], Tensor[]> a = DataLoader.builder(rows(20)).batchSize(6).shuffle(true).seed(1).build();
    DataLoader<Tensor[], Tensor[]> b = DataLoader.builder(rows(20)).batchSize(6).shuffle(true).seed(1).build();
    List<List<int[]>> runA = new ArrayList<>();
    List<List<int[]>> runB = new ArrayList<>();
    for (int e = 0; e < 3; e++) {
      runA.add(epochRows(a));
      runB.add(epochRows(b));
    }
    for (int e = 0; e < 3; e++) {
      int[] flat = runA.get(e).stream().flatMapToInt(Arrays::stream).toArray();
      int[] sorted = flat.clone();
      Arrays.sort(sorted);
      assertArrayEquals(java.util.stream.IntStream.range(0, 20).toArray(), sorted, "every row once per epoch");
      for (int k = 0; k < runA.get(e).size(); k++) {
        assertArrayEquals(runA.get(e).get(k), runB.get(e).get(k), "same seed, same sequence of orders");
      }
    }
    assertFalse(Arrays.equals(runA.get(0).get(0), runA.get(1).get(0)) && Arrays.equals(runA.get(1).get(0), runA.get(2).get(0)),
        "a new order each epoch");
    int[] flat0 = runA.get(0).stream().flatMapToInt(Arrays::stream).toArray();
    int[] flat1 = runA.get(1).stream().flatMapToInt(Arrays::stream).toArray();
    assertFalse(Arrays.equals(flat0, flat1));
    DataLoader<Tensor[], Tensor[]> c = DataLoader.builder(rows(20)).batchSize(6).shuffle(true).seed(2).build();
    assertFalse(Arrays.equals(flat0, epochRows(c).stream().flatMapToInt(Arrays::stream).toArray()));
    // setEpoch resumes: epoch 1 of a fresh loader is epoch 1 of the first run.
    DataLoader<Tensor[], Tensor[]> resumed = DataLoader.builder(rows(20)).batchSize(6).shuffle(true).seed(1).build();
    resumed.setEpoch(1);
    assertArrayEquals(flat1, epochRows(resumed).stream().flatMapToInt(Arrays::stream).toArray());
    assertEquals(2, resumed.nextEpoch());
  }

  @Test
  void unseededLoadersFollowTheDefaultGenerator() {
    Generator.manualSeed(5);
    DataLoader<Tensor[], Tensor[]> a = DataLoader.builder(rows(20)).batchSize(20).shuffle(true).build();
    Generator.manualSeed(5);
    DataLoader<Tensor[], Tensor[]> b = DataLoader.builder(rows(20)).batchSize(20).shuffle(true).build();
    assertEquals(a.seed(), b.seed());
    assertArrayEquals(epochRows(a).get(0), epochRows(b).get(0));
  }

  @Test
  void samplersAndBatchSamplers() {
    DataLoader<Tensor[], Tensor[]> sub = DataLoader.builder(rows(10))
        .sampler(new SubsetRandomSampler(new int[] {1, 3, 5}, 4)).batchSize(2).build();
    int[] seen = epochRows(sub).stream().flatMapToInt(Arrays::stream).sorted().toArray();
    assertArrayEquals(new int[] {1, 3, 5}, seen);
    DataLoader<Tensor[], Tensor[]> bs = DataLoader.builder(rows(10))
        .batchSampler(new BatchSampler(new SequentialSampler(10), 5, true)).build();
    assertEquals(2, bs.numBatches());
    assertArrayEquals(new int[] {5, 6, 7, 8, 9}, epochRows(bs).get(1));
    WeightedRandomSampler w = new WeightedRandomSampler(new double[] {0, 0, 1, 0, 0, 0, 0, 0, 0, 0}, 6, true, 1);
    for (int[] b : epochRows(DataLoader.builder(rows(10)).sampler(w).batchSize(3).build())) {
      assertArrayEquals(new int[] {2, 2, 2}, b);
    }
  }

  @Test
  void builderRejectsConflictingOptions() {
    BatchSampler bs = new BatchSampler(new SequentialSampler(10), 2, false);
    assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(rows(10)).batchSampler(bs).shuffle(true).build());
    assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(rows(10)).batchSampler(bs).batchSize(4).build());
    assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(rows(10)).batchSampler(bs).dropLast(true).build());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DataLoader.builder(rows(10)).sampler(new SequentialSampler(10)).shuffle(true).build());
    assertTrue(e.getMessage().contains("mutually exclusive with shuffle"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(rows(10)).batchSize(0));
    assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(rows(10)).numWorkers(-1));
    assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(rows(10)).prefetchFactor(4).build());
    assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(rows(10)).numWorkers(1).prefetchFactor(0));
  }

  // ---------------------------------------------------------------------------------------------
  // Collation

  /** A dataset of Java objects: (tensor of 2 floats, Integer label, Double weight). */
  private static Dataset<Object[]> objects(int n) {
    return new Dataset<>() {
      @Override
      public int size() {
        return n;
      }

      @Override
      public Object[] get(int i) {
        Dataset.checkIndex(i, n);
        return new Object[] {Tensor.of(new float[] {i, -i}), i % 4, i * 0.5};
      }
    };
  }

  @Test
  void defaultCollateStacksTensorsAndTurnsNumbersIntoTensors() {
    DataLoader<Object[], Tensor[]> loader = DataLoader.builder(objects(5)).batchSize(3).build();
    List<Tensor[]> batches = new ArrayList<>();
    loader.forEach(batches::add);
    Tensor[] b = batches.get(0);
    assertEquals(3, b.length);
    assertArrayEquals(new float[] {0, 0, 1, -1, 2, -2}, b[0].toFloatArray(), 0);
    assertEquals(DType.INT64, b[1].dtype());
    assertArrayEquals(new long[] {0, 1, 2}, b[1].toLongArray());
    assertEquals(DType.FLOAT64, b[2].dtype());
    assertArrayEquals(new double[] {0, 0.5, 1.0}, b[2].toDoubleArray(), 0);
    assertArrayEquals(new long[] {3, 0}, batches.get(1)[1].toLongArray());
    // Plain numbers and plain tensors are one-component batches.
    assertArrayEquals(new long[] {7, 8}, Collate.defaultCollate(List.of(7, 8L))[0].toLongArray());
    assertArrayEquals(new float[] {1.5f, 2f}, Collate.defaultCollate(List.of(1.5f, 2f))[0].toFloatArray(), 0);
    assertArrayEquals(new int[] {2, 1, 2}, Collate.defaultCollate(List.of(Tensor.zeros(1, 2), Tensor.ones(1, 2)))[0].shape());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Collate.defaultCollate(List.of("a", "b")));
    assertTrue(e.getMessage().contains("collate function"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Collate.defaultCollate(List.of(Tensor.zeros(2), Tensor.zeros(3))));
    assertThrows(IllegalArgumentException.class, () -> Collate.defaultCollate(List.of(1, 2.0)));
  }

  @Test
  void customCollateReceivesTheItems() {
    DataLoader<Object[], String> loader = DataLoader.builder(objects(5)).batchSize(2)
        .collate(items -> items.stream().map(o -> String.valueOf(o[1])).collect(Collectors.joining(",")))
        .numWorkers(2)
        .build();
    List<String> out = new ArrayList<>();
    loader.forEach(out::add);
    assertEquals(List.of("0,1", "2,3", "0"), out);
  }

  // ---------------------------------------------------------------------------------------------
  // Workers

  /** A dataset without a batch fetch whose items carry per-sample randomness. */
  private static Dataset<Tensor[]> noisy(int n) {
    return rows(n).map(Transform.onComponent(0, (x, gen) -> x.add(Tensor.rand(gen, DType.FLOAT32, x.device(), x.shape()))));
  }

  @Test
  void workersDeliverTheSameBatchesInOrder() {
    for (Dataset<Tensor[]> ds : List.of(rows(103), noisy(103))) {
      List<List<float[]>> runs = new ArrayList<>();
      for (int workers : new int[] {0, 1, 4}) {
        var b = DataLoader.builder(ds).batchSize(8).shuffle(true).seed(9).numWorkers(workers);
        DataLoader<Tensor[], Tensor[]> loader = workers > 0 ? b.prefetchFactor(3).build() : b.build();
        List<float[]> two = new ArrayList<>(epochValues(loader));
        two.addAll(epochValues(loader));
        runs.add(two);
        assertEquals(0, liveWorkers(loader), "an exhausted epoch stops its workers");
      }
      assertSameBatches(runs.get(0), runs.get(1));
      assertSameBatches(runs.get(0), runs.get(2));
    }
  }

  @Test
  void augmentationsDoNotDependOnTheNumberOfWorkers() {
    int n = 24;
    Tensor images = Tensor.arange(n * 64).to(DType.FLOAT32).div(n * 64).reshape(n, 1, 8, 8);
    TensorDataset base = new TensorDataset(images, Tensor.arange(n));
    Compose<Tensor> aug = Compose.of(
        new RandomCrop(8, 8, new int[] {2}, false, 0, PaddingMode.REFLECT),
        new RandomHorizontalFlip(),
        new RandomRotation(-15, 15, Interpolation.BILINEAR, false, null, new double[] {0}),
        new RandomErasing());
    Dataset<Tensor[]> ds = base.map(Transform.onComponent(0, aug));
    List<float[]> zero = null;
    for (int workers : new int[] {0, 3}) {
      DataLoader<Tensor[], Tensor[]> loader = DataLoader.builder(ds).batchSize(5).shuffle(true).seed(3).numWorkers(workers).build();
      List<float[]> two = new ArrayList<>(epochValues(loader));
      two.addAll(epochValues(loader));
      if (zero == null) {
        zero = two;
      } else {
        assertSameBatches(zero, two);
      }
    }
    // The per-sample generator depends on the epoch: item 0 is augmented differently in epoch 1.
    DataLoader<Tensor[], Tensor[]> seq = DataLoader.builder(ds).batchSize(n).seed(3).build();
    Tensor e0 = seq.iterator().next()[0];
    Tensor e1 = seq.iterator().next()[0];
    assertFalse(e0.allClose(e1, 0, 0));
    // And it is the documented one: Seeds.forSample(seed, epoch, index).
    Tensor item5 = ds.get(5, Seeds.forSample(3, 0, 5))[0];
    assertTrue(item5.allClose(e0.select(0, 5), 0, 0));
  }

  /** A dataset that fails on one index. */
  private static Dataset<Tensor[]> failingAt(int bad) {
    TensorDataset rows = rows(40);
    return new Dataset<>() {
      @Override
      public int size() {
        return rows.size();
      }

      @Override
      public Tensor[] get(int i) {
        if (i == bad) {
          throw new IllegalStateException("corrupt record " + i);
        }
        return rows.get(i);
      }
    };
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 2})
  void aFailureNamesTheBatchAndIsRethrownToTheConsumer(int workers) {
    DataLoader<Tensor[], Tensor[]> loader = DataLoader.builder(failingAt(13)).batchSize(4).numWorkers(workers).build();
    DataLoader.BatchIterator<Tensor[]> it = loader.iterator();
    for (int b = 0; b < 3; b++) {
      assertArrayEquals(new int[] {4 * b, 4 * b + 1, 4 * b + 2, 4 * b + 3}, rowsOf(it.next()));
    }
    DataLoaderException e = assertThrows(DataLoaderException.class, it::next);
    String m = e.getMessage();
    assertTrue(m.contains("batch 3 of epoch 0") && m.contains("[12, 13, 14, 15]"), m);
    assertTrue(m.contains("corrupt record 13"), m);
    assertTrue(m.contains(workers == 0 ? Thread.currentThread().getName() : loader.threadPrefix()), m);
    assertInstanceOf(IllegalStateException.class, e.getCause());
    assertFalse(it.hasNext(), "a failed epoch is over");
    assertThrows(NoSuchElementException.class, it::next);
    assertEquals(0, liveWorkers(loader));
  }

  @Test
  void closingAnIteratorStopsItsWorkers() {
    DataLoader<Tensor[], Tensor[]> loader = DataLoader.builder(noisy(200)).batchSize(2).numWorkers(3).build();
    try (DataLoader.BatchIterator<Tensor[]> it = loader.iterator()) {
      it.next();
      assertEquals(3, liveWorkers(loader));
    }
    assertEquals(0, liveWorkers(loader), "close() returns after the threads have ended");
    // for-each with break, then an explicit close, and the next epoch works.
    DataLoader.BatchIterator<Tensor[]> it = loader.iterator();
    assertEquals(1, it.epoch());
    it.next();
    it.close();
    it.close();
    assertFalse(it.hasNext());
    assertEquals(0, liveWorkers(loader));
    assertEquals(100, epochValues(loader).size() / 2);
    assertEquals(0, liveWorkers(loader));
  }

  private static void startAndAbandon(DataLoader<Tensor[], Tensor[]> loader) {
    for (Tensor[] b : loader) {
      assertTrue(b.length == 2);
      break;
    }
  }

  @Test
  void abandonedIteratorsStopTheirWorkersWhenCollected() throws InterruptedException {
    DataLoader<Tensor[], Tensor[]> loader = DataLoader.builder(noisy(400)).batchSize(2).numWorkers(2).build();
    startAndAbandon(loader);
    startAndAbandon(loader);
    // The cleaner runs after a collection; give the collector a bounded number of chances.
    for (int attempt = 0; attempt < 200 && liveWorkers(loader) > 0; attempt++) {
      System.gc();
      Thread.sleep(50);
    }
    assertEquals(0, liveWorkers(loader));
  }

  @Test
  void prefetchIsBounded() throws InterruptedException {
    AtomicInteger fetched = new AtomicInteger();
    TensorDataset rows = rows(400);
    Dataset<Tensor[]> counting = new Dataset<>() {
      @Override
      public int size() {
        return rows.size();
      }

      @Override
      public Tensor[] get(int i) {
        fetched.incrementAndGet();
        return rows.get(i);
      }
    };
    DataLoader<Tensor[], Tensor[]> loader = DataLoader.builder(counting).batchSize(2).numWorkers(2).prefetchFactor(3).build();
    try (DataLoader.BatchIterator<Tensor[]> it = loader.iterator()) {
      it.next();
      // One batch consumed: at most 1 + numWorkers * prefetchFactor = 7 batches (14 items) made.
      int expected = 14;
      for (int attempt = 0; attempt < 600 && fetched.get() < expected; attempt++) {
        Thread.sleep(10);
      }
      assertEquals(expected, fetched.get());
      Thread.sleep(200);
      assertEquals(expected, fetched.get(), "workers wait for the consumer");
      it.next();
      for (int attempt = 0; attempt < 600 && fetched.get() < expected + 2; attempt++) {
        Thread.sleep(10);
      }
      assertEquals(expected + 2, fetched.get());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 2})
  void batchesBelongToTheConsumersScopeOnlyWithoutWorkers(int workers) {
    DataLoader<Tensor[], Tensor[]> loader = DataLoader.builder(rows(8)).batchSize(4).numWorkers(workers).build();
    Tensor[] batch;
    try (DataLoader.BatchIterator<Tensor[]> it = loader.iterator(); Scope s = Tensor.scope()) {
      batch = it.next();
    }
    // Made on this thread: released with the scope; made by a worker: left to the collector.
    assertEquals(workers == 0, batch[0].isReleased());
    assertEquals(workers == 0, batch[1].isReleased());
  }

  @Test
  void exhaustedIteratorsThrowNoSuchElement() {
    DataLoader<Tensor[], Tensor[]> loader = DataLoader.builder(rows(3)).batchSize(2).numWorkers(1).build();
    DataLoader.BatchIterator<Tensor[]> it = loader.iterator();
    assertEquals(2, it.size());
    it.next();
    it.next();
    assertFalse(it.hasNext());
    NoSuchElementException e = assertThrows(NoSuchElementException.class, it::next);
    assertTrue(e.getMessage().contains("no more batches"), e.getMessage());
    DataLoader<Tensor[], Tensor[]> empty = DataLoader.builder(new TensorDataset(Tensor.zeros(0, 2))).batchSize(2).numWorkers(2).build();
    assertEquals(0, empty.numBatches());
    assertFalse(empty.iterator().hasNext());
  }
}
