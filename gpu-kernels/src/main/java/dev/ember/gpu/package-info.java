/**
 * GPU backends for the tensor engine (not built yet: issue 5).
 *
 * <p>This module will own the kernels written once in C with a portability header under
 * {@code src/main/kernels}, compiled as CUDA C (PTX loaded through JCuda's driver API) and as
 * OpenCL C (built at run time and launched through Aparapi's OpenCL binding); the CUDA and OpenCL
 * implementations of the backend SPI ({@code dev.ember.backend.Backend}), registered with
 * {@link java.util.ServiceLoader}; the per-device caching memory pools; and the fake CUDA driver
 * that lets the host code be tested without a GPU.
 */
package dev.ember.gpu;
