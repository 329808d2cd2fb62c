/**
 * GPU backends for the tensor engine: {@link dev.ember.gpu.GpuBackend} implements the backend
 * SPI once, launching the kernels of {@code src/main/kernels} (C written once against a
 * portability header) through a {@link dev.ember.gpu.GpuRuntime}: OpenCL through Aparapi
 * ({@code dev.ember.gpu.opencl}, the sources built at run time) or CUDA through JCuda's driver
 * API ({@code dev.ember.gpu.cuda}, the kept PTX). Device memory comes from a {@link
 * dev.ember.gpu.CachingAllocator} per device. Both runtimes are registered with {@link
 * java.util.ServiceLoader}.
 */
package dev.ember.gpu;
