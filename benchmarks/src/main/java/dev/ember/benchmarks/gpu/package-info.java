/** GPU figures: launch economy on the fake CUDA driver, GEMM and workload programs for GPUs. */
package dev.ember.benchmarks.gpu;
