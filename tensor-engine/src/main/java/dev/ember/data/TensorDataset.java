package dev.ember.data;

import dev.ember.tensor.Tensor;
import java.util.Arrays;

/**
 * A dataset of rows of tensors that share their first dim, like PyTorch's {@code TensorDataset}:
 * item {@code i} is {@code {t0[i], t1[i], ...}} (views, no copy).
 *
 * <p>Batches come from {@link #getBatch(int[])}: one {@code indexSelect(0, indices)} per tensor,
 * so a training loop never stacks per-row slices.
 *
 * <pre>{@code
 * var ds = new TensorDataset(images, labels);   // (N, 784) float32, (N) int64
 * Tensor[] item = ds.get(3);                     // {(784), ()}
 * Tensor[] batch = ds.getBatch(new int[] {3, 1}); // {(2, 784), (2)}
 * }</pre>
 */
public final class TensorDataset implements Dataset<Tensor[]> {
  private final Tensor[] tensors;
  private final int size;

  /**
   * A dataset over {@code tensors}.
   *
   * @throws IllegalArgumentException if no tensor is given, a tensor is 0-d, or the first dims
   *     differ
   */
  public TensorDataset(Tensor... tensors) {
    if (tensors.length == 0) {
      throw new IllegalArgumentException("TensorDataset needs at least one tensor");
    }
    for (int k = 0; k < tensors.length; k++) {
      if (tensors[k].dim() == 0) {
        throw new IllegalArgumentException(
            "TensorDataset: tensor " + k + " is 0-d; every tensor needs a first (row) dim");
      }
      if (tensors[k].size(0) != tensors[0].size(0)) {
        throw new IllegalArgumentException(
            "Size mismatch between tensors: tensor 0 has shape "
                + Arrays.toString(tensors[0].shape())
                + " but tensor " + k + " has shape " + Arrays.toString(tensors[k].shape()));
      }
    }
    this.tensors = tensors.clone();
    this.size = tensors[0].size(0);
  }

  /** The tensors, in the order given. */
  public Tensor[] tensors() {
    return tensors.clone();
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public Tensor[] get(int index) {
    Dataset.checkIndex(index, size);
    Tensor[] item = new Tensor[tensors.length];
    for (int k = 0; k < tensors.length; k++) {
      item[k] = tensors[k].select(0, index);
    }
    return item;
  }

  @Override
  public boolean supportsBatchFetch() {
    return true;
  }

  @Override
  public Tensor[] getBatch(int[] indices) {
    long[] idx = new long[indices.length];
    for (int i = 0; i < indices.length; i++) {
      Dataset.checkIndex(indices[i], size);
      idx[i] = indices[i];
    }
    Tensor[] batch = new Tensor[tensors.length];
    Tensor index = null;
    for (int k = 0; k < tensors.length; k++) {
      if (index == null || !index.device().equals(tensors[k].device())) {
        index = Tensor.of(idx).to(tensors[k].device());
      }
      batch[k] = tensors[k].indexSelect(0, index);
    }
    return batch;
  }
}
