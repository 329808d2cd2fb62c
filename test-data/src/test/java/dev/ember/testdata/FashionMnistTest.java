package dev.ember.testdata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {

  /** Class counts of the subsets, as make_subset.py printed them (README.md). */
  private static final long[] TRAIN_COUNTS = {560, 643, 608, 612, 584, 594, 590, 617, 590, 602};
  private static final long[] TEST_COUNTS = {107, 105, 111, 93, 115, 87, 97, 95, 95, 95};

  /**
   * The full data set: -Dember.fashionMnist.dir, else $EMBER_FASHION_MNIST, else the shared data
   * folder or Debian's dataset-fashion-mnist package; null if none is there.
   */
  private static Path fullDir() {
    String prop = System.getProperty("ember.fashionMnist.dir");
    String env = System.getenv("EMBER_FASHION_MNIST");
    return Stream.of(prop, env, "/work/shared/data/fashion-mnist", "/usr/share/datasets/fashion-mnist")
        .filter(s -> s != null && !s.isEmpty())
        .map(Path::of)
        .filter(p -> Files.exists(p.resolve("train-labels-idx1-ubyte.gz"))
            || Files.exists(p.resolve("train-labels-idx1-ubyte")))
        .findFirst().orElse(null);
  }

  private static void checkSplit(FashionMnist.Split s, int n) {
    assertEquals(n, s.size());
    assertEquals(DType.FLOAT32, s.images().dtype());
    assertArrayEquals(new int[] {n, 28, 28}, s.images().shape());
    assertEquals(DType.INT64, s.labels().dtype());
    assertArrayEquals(new int[] {n}, s.labels().shape());
    float[] px = s.images().toFloatArray();
    float max = 0;
    for (int i = 0; i < px.length; i++) {
      float v = px[i];
      int k = Math.round(v * 255);
      assertTrue(k >= 0 && k <= 255 && v == k / 255f, "pixel " + i + " = " + v + " is not x/255");
      max = Math.max(max, v);
    }
    assertEquals(1f, max, "some pixel is white");
  }

  private static long[] counts(Tensor labels) {
    long[] c = new long[10];
    for (long l : labels.toLongArray()) {
      assertTrue(l >= 0 && l < 10, "label " + l + " out of 0-9");
      c[(int) l]++;
    }
    return c;
  }

  @Test
  void trainSubsetHas6000ImagesInAllClasses() {
    FashionMnist.Split s = FashionMnist.trainSubset();
    checkSplit(s, 6000);
    assertArrayEquals(TRAIN_COUNTS, counts(s.labels()));
  }

  @Test
  void testSubsetHas1000ImagesInAllClasses() {
    FashionMnist.Split s = FashionMnist.testSubset();
    checkSplit(s, 1000);
    assertArrayEquals(TEST_COUNTS, counts(s.labels()));
  }

  @Test
  void classNames() {
    assertEquals(10, FashionMnist.CLASSES.size());
    assertEquals("T-shirt/top", FashionMnist.CLASSES.get(0));
    assertEquals("Ankle boot", FashionMnist.CLASSES.get(9));
  }

  @Test
  void subsetsAreTheFirstExamplesOfTheFullSet() throws IOException {
    Path dir = fullDir();
    assumeTrue(dir != null, "full Fashion-MNIST not found (set -Dember.fashionMnist.dir or "
        + "EMBER_FASHION_MNIST); skipping the comparison with the bundled subset");
    FashionMnist.Split train = FashionMnist.load(dir, true);
    assertEquals(60000, train.size());
    FashionMnist.Split sub = FashionMnist.trainSubset();
    assertEquals(sub.images(), train.images().narrow(0, 0, 6000));
    assertEquals(sub.labels(), train.labels().narrow(0, 0, 6000));

    FashionMnist.Split test = FashionMnist.load(dir, false);
    checkSplit(test, 10000);
    FashionMnist.Split testSub = FashionMnist.testSubset();
    assertEquals(testSub.images(), test.images().narrow(0, 0, 1000));
    assertEquals(testSub.labels(), test.labels().narrow(0, 0, 1000));
  }

  @Test
  void missingFilesAreNamed(@TempDir Path empty) {
    NoSuchFileException e = assertThrows(NoSuchFileException.class,
        () -> FashionMnist.load(empty, false));
    assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte"), e.getMessage());
  }

  @Test
  void splitChecksShapes() {
    assertThrows(IllegalArgumentException.class,
        () -> new FashionMnist.Split(Tensor.zeros(2, 28, 28), Tensor.zeros(DType.INT64, 3)));
    assertThrows(IllegalArgumentException.class,
        () -> new FashionMnist.Split(Tensor.zeros(2, 28, 27), Tensor.zeros(DType.INT64, 2)));
    assertThrows(IllegalArgumentException.class,
        () -> new FashionMnist.Split(Tensor.zeros(2, 28, 28), Tensor.zeros(DType.INT32, 2)));
  }
}
