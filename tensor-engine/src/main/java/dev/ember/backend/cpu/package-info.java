/**
 * The CPU backend: the reference implementation of {@link dev.ember.backend.Backend} that every
 * other backend is tested against.
 *
 * <p>A storage is one Java array ({@link dev.ember.backend.cpu.CpuStorage}). Primitives run as
 * plain counted loops over those arrays, which the JIT compiles to SIMD code: {@code CpuLoops}
 * reduces any strided operands to 1-D runs and feeds them, directly or through small per-thread
 * tiles, to one contiguous kernel per op and compute type. Matrix products go to {@link
 * dev.ember.backend.cpu.Gemm}. Work is split over the threads of {@link
 * dev.ember.backend.cpu.Parallel}, whose count is set with the system property {@code
 * ember.cpu.threads} or {@link dev.ember.backend.cpu.Parallel#setNumThreads(int)}; results do not
 * depend on it.
 */
package dev.ember.backend.cpu;
