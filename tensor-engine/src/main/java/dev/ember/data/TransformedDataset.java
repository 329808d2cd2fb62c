package dev.ember.data;

import dev.ember.data.transforms.Transform;
import dev.ember.tensor.Generator;

/**
 * A dataset whose items are a transform of another dataset's items (what {@link
 * Dataset#map(Transform)} returns; torchvision datasets' {@code transform} argument).
 *
 * <p>Random transforms draw from the generator passed to {@link #get(int, Generator)}; a {@link
 * DataLoader} passes one derived from (seed, epoch, index), so augmentations are reproducible and
 * do not depend on the number of workers. {@link #get(int)} alone draws from {@link
 * Generator#getDefault()}, as torchvision draws from the global generator.
 *
 * @param <T> the source item type
 * @param <R> the transformed item type
 */
public final class TransformedDataset<T, R> implements Dataset<R> {
  private final Dataset<T> source;
  private final Transform<? super T, ? extends R> transform;

  /** {@code transform} applied to the items of {@code source}. */
  public TransformedDataset(Dataset<T> source, Transform<? super T, ? extends R> transform) {
    this.source = source;
    this.transform = transform;
  }

  /** The source dataset. */
  public Dataset<T> source() {
    return source;
  }

  @Override
  public int size() {
    return source.size();
  }

  @Override
  public R get(int index) {
    return get(index, Generator.getDefault());
  }

  @Override
  public R get(int index, Generator gen) {
    return transform.apply(source.get(index, gen), gen);
  }
}
