/**
 * Data loading with PyTorch's {@code torch.utils.data} semantics: datasets, samplers and a
 * {@link dev.ember.data.DataLoader} that batches, shuffles and prefetches on worker threads.
 *
 * <p>{@link dev.ember.data.Dataset} is the indexed source ({@link dev.ember.data.TensorDataset},
 * {@link dev.ember.data.ConcatDataset}, {@link dev.ember.data.Subset}, {@link
 * dev.ember.data.TransformedDataset}, {@link dev.ember.data.Datasets#randomSplit}); a {@link
 * dev.ember.data.Sampler} gives the index order of each epoch; {@link dev.ember.data.BatchSampler}
 * groups indices into batches; {@link dev.ember.data.Collate} turns items into batch tensors.
 *
 * <p>Randomness is reproducible and independent of the number of workers: every random stream is
 * a {@link dev.ember.tensor.Generator} whose seed is derived from (seed, epoch, ...) by {@link
 * dev.ember.data.Seeds}, never the state of a shared generator that threads would race for. Image
 * transforms live in {@link dev.ember.data.transforms}.
 */
package dev.ember.data;
