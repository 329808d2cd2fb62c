/**
 * The training workloads W1 (MLP), W2 (CNN) and W3 (LSTM) of {@code ../shared/WORKLOADS.md} on
 * Fashion-MNIST, as a runnable program ({@link dev.ember.benchmarks.workloads.TrainWorkload}) and
 * a reusable loop ({@link dev.ember.benchmarks.workloads.Trainer}).
 */
package dev.ember.benchmarks.workloads;
