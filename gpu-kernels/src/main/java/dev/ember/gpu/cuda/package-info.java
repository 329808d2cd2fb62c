/**
 * The CUDA backend: {@link dev.ember.gpu.cuda.CudaRuntime} (a {@link dev.ember.gpu.GpuRuntime} over
 * the CUDA driver API) under the shared {@link dev.ember.gpu.GpuBackend}, with the driver behind
 * the {@link dev.ember.gpu.cuda.CudaDriver} seam: {@link dev.ember.gpu.cuda.JCudaDriver} is the
 * real one (JCuda), {@link dev.ember.gpu.cuda.FakeCudaDriver} records calls for tests on machines
 * without a GPU. Kernels are the PTX of {@code src/main/kernels/*.c}, kept in {@code
 * dev/ember/gpu/ptx/} and checked against the sources by {@code build-ptx.sh}.
 */
package dev.ember.gpu.cuda;
