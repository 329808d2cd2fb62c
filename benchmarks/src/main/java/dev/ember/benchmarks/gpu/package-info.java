/**
 * The GPU benchmarks of issue 5: FP32 GEMM on a device ({@link
 * dev.ember.benchmarks.gpu.GpuGemmBenchmark}), the device statistics (synchronize, peak memory)
 * the workload programs report on a GPU ({@link dev.ember.benchmarks.gpu.DeviceStats}), and the
 * launch economy ({@link dev.ember.benchmarks.gpu.LaunchEconomy}). {@code
 * benchmarks/run-gpu-benchmarks.sh} runs GEMM and the workloads side by side with PyTorch on the
 * same GPU.
 */
package dev.ember.benchmarks.gpu;
