package dev.ember.data;

import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * The items of a dataset at given indices, like PyTorch's {@code Subset}: item {@code i} is {@code
 * dataset.get(indices[i])}.
 *
 * @param <T> the item type
 */
public final class Subset<T> implements Dataset<T> {
  private final Dataset<T> dataset;
  private final int[] indices;

  /**
   * A subset of {@code dataset}.
   *
   * @throws IndexOutOfBoundsException if an index is out of the dataset's range
   */
  public Subset(Dataset<T> dataset, int[] indices) {
    for (int i : indices) {
      Dataset.checkIndex(i, dataset.size());
    }
    this.dataset = dataset;
    this.indices = indices.clone();
  }

  /** The underlying dataset. */
  public Dataset<T> dataset() {
    return dataset;
  }

  /** The indices into the underlying dataset. */
  public int[] indices() {
    return indices.clone();
  }

  @Override
  public int size() {
    return indices.length;
  }

  @Override
  public T get(int index) {
    Dataset.checkIndex(index, indices.length);
    return dataset.get(indices[index]);
  }

  @Override
  public T get(int index, Generator gen) {
    Dataset.checkIndex(index, indices.length);
    return dataset.get(indices[index], gen);
  }

  @Override
  public boolean supportsBatchFetch() {
    return dataset.supportsBatchFetch();
  }

  @Override
  public Tensor[] getBatch(int[] batch) {
    int[] mapped = new int[batch.length];
    for (int i = 0; i < batch.length; i++) {
      Dataset.checkIndex(batch[i], indices.length);
      mapped[i] = indices[batch[i]];
    }
    return dataset.getBatch(mapped);
  }
}
