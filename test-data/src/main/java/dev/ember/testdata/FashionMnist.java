package dev.ember.testdata;

import dev.ember.io.FormatException;
import dev.ember.io.Idx;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Fashion-MNIST (Zalando Research, MIT licence): 28x28 grayscale images of clothing in 10
 * classes, 60,000 for training and 10,000 for testing.
 *
 * <table>
 *   <caption>What each loader returns</caption>
 *   <tr><th>method</th><th>images</th><th>labels</th></tr>
 *   <tr><td>{@link #trainSubset()}</td><td>float32 [6000, 28, 28]</td><td>int64 [6000]</td></tr>
 *   <tr><td>{@link #testSubset()}</td><td>float32 [1000, 28, 28]</td><td>int64 [1000]</td></tr>
 *   <tr><td>{@link #load(Path, boolean) load(dir, true)}</td><td>float32 [60000, 28, 28]</td>
 *       <td>int64 [60000]</td></tr>
 *   <tr><td>{@link #load(Path, boolean) load(dir, false)}</td><td>float32 [10000, 28, 28]</td>
 *       <td>int64 [10000]</td></tr>
 * </table>
 *
 * <p>Pixels are {@code x / 255} in [0, 1] (exactly PyTorch's {@code ToTensor()} values); labels
 * are class indices 0-9 naming {@link #CLASSES}. The subsets are the first 6,000 training and
 * first 1,000 test examples of the full set, bundled with this module; each call reads them
 * afresh (tensors are mutable), in the current scope if one is open.
 */
public final class FashionMnist {
  /** The class names, indexed by label. */
  public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover",
      "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

  /** Image height and width. */
  public static final int SIZE = 28;

  private static final String RESOURCES = "fashion-mnist/";

  private FashionMnist() {}

  /**
   * Examples of one split.
   *
   * @param images float32 {@code [N, 28, 28]}, values in [0, 1]
   * @param labels int64 {@code [N]}, class indices 0-9
   */
  public record Split(Tensor images, Tensor labels) {
    /**
     * Checks the shapes and dtypes.
     *
     * @throws IllegalArgumentException if images are not float32 {@code [N, 28, 28]} or labels
     *     not int64 {@code [N]} for the same N
     */
    public Split {
      if (images.dtype() != DType.FLOAT32 || images.dim() != 3 || images.size(1) != SIZE
          || images.size(2) != SIZE) {
        throw new IllegalArgumentException("images must be float32 [N, 28, 28], got "
            + images.dtype() + Arrays.toString(images.shape()));
      }
      if (labels.dtype() != DType.INT64 || labels.dim() != 1 || labels.size(0) != images.size(0)) {
        throw new IllegalArgumentException("labels must be int64 [" + images.size(0) + "], got "
            + labels.dtype() + Arrays.toString(labels.shape()));
      }
    }

    /** The number of examples N. */
    public int size() {
      return labels.size(0);
    }
  }

  /**
   * The first 6,000 training examples (bundled).
   *
   * @throws UncheckedIOException if the bundled resources are missing or unreadable (a broken
   *     build)
   */
  public static Split trainSubset() {
    return subset("train");
  }

  /**
   * The first 1,000 test examples (bundled).
   *
   * @throws UncheckedIOException if the bundled resources are missing or unreadable (a broken
   *     build)
   */
  public static Split testSubset() {
    return subset("t10k");
  }

  private static Split subset(String prefix) {
    String images = RESOURCES + prefix + "-images-idx3-ubyte.gz";
    String labels = RESOURCES + prefix + "-labels-idx1-ubyte.gz";
    try (InputStream i = open(images); InputStream l = open(labels)) {
      return split(Idx.readImages(i, 1.0 / 255), Idx.readLabels(l), images, labels);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the bundled Fashion-MNIST subset", e);
    }
  }

  private static InputStream open(String resource) throws IOException {
    InputStream in = FashionMnist.class.getResourceAsStream(resource);
    if (in == null) {
      throw new NoSuchFileException("classpath resource dev/ember/testdata/" + resource);
    }
    return in;
  }

  /**
   * Reads the full data set from a directory holding the original files ({@code
   * train-images-idx3-ubyte.gz}, {@code train-labels-idx1-ubyte.gz}, {@code
   * t10k-images-idx3-ubyte.gz}, {@code t10k-labels-idx1-ubyte.gz}; unzipped files without the
   * {@code .gz} suffix are found too).
   *
   * @param train the 60,000 training examples if true, else the 10,000 test examples
   * @throws NoSuchFileException naming the file looked for if it is absent
   * @throws FormatException if a file is not valid IDX, images are not 28x28, or the image and
   *     label counts differ
   * @throws IOException if a file cannot be read
   */
  public static Split load(Path dir, boolean train) throws IOException {
    String prefix = train ? "train" : "t10k";
    Path images = find(dir, prefix + "-images-idx3-ubyte");
    Path labels = find(dir, prefix + "-labels-idx1-ubyte");
    return split(Idx.readImages(images, 1.0 / 255), Idx.readLabels(labels), images.toString(),
        labels.toString());
  }

  private static Path find(Path dir, String name) throws NoSuchFileException {
    Path gz = dir.resolve(name + ".gz");
    if (Files.exists(gz)) {
      return gz;
    }
    Path plain = dir.resolve(name);
    if (Files.exists(plain)) {
      return plain;
    }
    throw new NoSuchFileException(gz.toString(), null, "no Fashion-MNIST file " + name
        + "[.gz] in " + dir);
  }

  private static Split split(Tensor images, Tensor labels, String imagesName, String labelsName)
      throws FormatException {
    if (images.dim() != 3 || images.size(1) != SIZE || images.size(2) != SIZE) {
      throw new FormatException(imagesName + ": images of shape " + Arrays.toString(images.shape())
          + ", expected [N, 28, 28]");
    }
    if (labels.dim() != 1 || labels.size(0) != images.size(0)) {
      throw new FormatException(labelsName + ": labels of shape "
          + Arrays.toString(labels.shape()) + " do not match the " + images.size(0) + " images of "
          + imagesName);
    }
    return new Split(images, labels);
  }
}
