/**
 * Serializable specs of what a training run builds: a {@link dev.ember.spec.Network} (a sequential
 * stack of standard layers), a {@link dev.ember.spec.LossSpec}, an {@link
 * dev.ember.spec.OptimizerSpec} and a {@link dev.ember.spec.ScheduleSpec} (built into a {@link
 * dev.ember.spec.Schedule}). Each is written with PyTorch's names, argument order and defaults,
 * held as a JSON string (a Spark ML string param, settable from any Spark language), and turned
 * into live engine objects where the training runs.
 *
 * <p>Reading is strict: an unknown type or key, a value of the wrong type, a size that is not
 * positive or an unsupported {@code formatVersion} is an {@link java.lang.IllegalArgumentException}
 * naming where it is (the layer index and type, the key) and listing what is accepted.
 */
package dev.ember.spec;
