/**
 * The GPU benchmarks of issue 5: FP32 GEMM on a device ({@link
 * dev.ember.benchmarks.gpu.GpuGemmBenchmark}) and the device statistics (synchronize, peak
 * memory) the workload programs report on a GPU ({@link dev.ember.benchmarks.gpu.DeviceStats}).
 * {@code benchmarks/run-gpu-benchmarks.sh} runs them side by side with PyTorch on the same GPU.
 */
package dev.ember.benchmarks.gpu;
