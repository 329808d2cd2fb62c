/**
 * Benchmarks: JMH microbenchmarks of the tensor engine's kernels (GEMM, elementwise, reductions)
 * and, in later issues, the training workloads of {@code shared/WORKLOADS.md}. Every figure is
 * reported side by side with its reference measured in the same run ({@code run-cpu-benchmarks.sh}
 * runs NumPy/PyTorch next to JMH and writes the table, {@code run-conv-benchmark.sh} does the same
 * for W2's convolution and pooling layers, {@code run-gpu-benchmarks.sh} runs the workloads and
 * GEMM on a GPU next to PyTorch on the same GPU); nothing here is asserted in tests.
 */
package dev.ember.benchmarks;
