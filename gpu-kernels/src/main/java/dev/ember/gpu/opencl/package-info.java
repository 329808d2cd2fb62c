/**
 * The OpenCL runtime: Aparapi's OpenCL binding, the kernel families built at run time from their
 * C sources, Java arrays as device buffers (see {@link dev.ember.gpu.opencl.OpenClRuntime} for
 * the constraints Aparapi imposes and how they are met).
 */
package dev.ember.gpu.opencl;
