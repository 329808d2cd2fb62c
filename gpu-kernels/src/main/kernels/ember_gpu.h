/*
 * Ember's portability header: every kernel under src/main/kernels is written once against these
 * names and compiles both as CUDA C++ (nvcc -x cu, to PTX, loaded through the CUDA driver API)
 * and as OpenCL C 1.2 (built at run time by the OpenCL driver, launched through Aparapi).
 *
 * Conventions shared by every kernel (and by the Java side that launches them):
 *  - A tensor argument is a pair (GLOBAL T* base, int off): the buffer (a slab of the device's
 *    caching allocator) and the element offset of the tensor's storage in it. Kernels index
 *    base[off + ...]. The OpenCL side so binds only the allocator's few large buffers.
 *  - Launches are 1-D unless a kernel says otherwise; the global size is rounded up to a multiple
 *    of the local size (at most 256: NVIDIA's OpenCL refuses more), so kernels guard on n.
 *  - Shapes and strides of strided tensors travel in a small int array ("meta"); element counts
 *    and offsets fit in int (Ember tensors have at most 2^31 - 1 elements).
 *  - BARRIER() orders local memory within a group; BARRIER_GLOBAL() also the group's global
 *    memory writes (for a kernel whose work items hand results to each other through a buffer;
 *    __syncthreads() does both on CUDA).
 *  - Types: float, double, long (64-bit on both), int, uchar (bool as 0/1); float4 where a
 *    kernel reads four floats of local memory at once (LOAD_LOCAL_FLOAT4, from a 16-byte
 *    aligned address of a LOCAL_ARRAY16).
 */
#ifndef EMBER_GPU_H
#define EMBER_GPU_H

#ifdef __OPENCL_VERSION__
/* ---------------------------------------------------------------- OpenCL C */
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define KERNEL __kernel void
#define DEVICE_FN static inline
#define GLOBAL __global
#define LOCAL __local
#define LOCAL_ARRAY(type, name, n) __local type name[n]
#define LOCAL_ARRAY16(type, name, n) __local type name[n] __attribute__((aligned(16)))
#define LOAD_LOCAL_FLOAT4(p) vload4(0, (p))
#define CONSTANT __constant
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define BARRIER_GLOBAL() barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE)
#define GLOBAL_ID() ((int) get_global_id(0))
#define GLOBAL_ID_Y() ((int) get_global_id(1))
#define LOCAL_ID() ((int) get_local_id(0))
#define LOCAL_ID_Y() ((int) get_local_id(1))
#define GROUP_ID() ((int) get_group_id(0))
#define GROUP_ID_Y() ((int) get_group_id(1))
#define GROUP_ID_Z() ((int) get_group_id(2))
#define LOCAL_SIZE() ((int) get_local_size(0))
#define LOCAL_SIZE_Y() ((int) get_local_size(1))
#define NUM_GROUPS() ((int) get_num_groups(0))
#define GLOBAL_SIZE() ((int) get_global_size(0))
#define FLOAT_AS_INT(x) as_int(x)
#define INT_AS_FLOAT(x) as_float(x)
#define DOUBLE_AS_LONG(x) as_long(x)
#define LONG_AS_DOUBLE(x) as_double(x)
#define UMULHI(a, b) mul_hi((uint) (a), (uint) (b))
#define ATOMIC_ADD_INT(p, v) atomic_add((p), (v))
#define ATOMIC_CAS_INT(p, cmp, v) atomic_cmpxchg((p), (cmp), (v))
#define FMA(a, b, c) fma((a), (b), (c))

#else
/* ---------------------------------------------------------------- CUDA C++ */
typedef unsigned char uchar;
typedef unsigned int uint;
typedef unsigned long ulong;
#define KERNEL extern "C" __global__ void
#define DEVICE_FN static __device__ __forceinline__
#define GLOBAL
#define LOCAL
#define LOCAL_ARRAY(type, name, n) __shared__ type name[n]
#define LOCAL_ARRAY16(type, name, n) __shared__ __align__(16) type name[n]
#define LOAD_LOCAL_FLOAT4(p) (*(const float4*) (p))
#define CONSTANT
#define BARRIER() __syncthreads()
#define BARRIER_GLOBAL() __syncthreads()
#define GLOBAL_ID() ((int) (blockIdx.x * blockDim.x + threadIdx.x))
#define GLOBAL_ID_Y() ((int) (blockIdx.y * blockDim.y + threadIdx.y))
#define LOCAL_ID() ((int) threadIdx.x)
#define LOCAL_ID_Y() ((int) threadIdx.y)
#define GROUP_ID() ((int) blockIdx.x)
#define GROUP_ID_Y() ((int) blockIdx.y)
#define GROUP_ID_Z() ((int) blockIdx.z)
#define LOCAL_SIZE() ((int) blockDim.x)
#define LOCAL_SIZE_Y() ((int) blockDim.y)
#define NUM_GROUPS() ((int) gridDim.x)
#define GLOBAL_SIZE() ((int) (gridDim.x * blockDim.x))
#define FLOAT_AS_INT(x) __float_as_int(x)
#define INT_AS_FLOAT(x) __int_as_float(x)
#define DOUBLE_AS_LONG(x) __double_as_longlong(x)
#define LONG_AS_DOUBLE(x) __longlong_as_double(x)
#define UMULHI(a, b) __umulhi((uint) (a), (uint) (b))
#define ATOMIC_ADD_INT(p, v) atomicAdd((p), (v))
#define ATOMIC_CAS_INT(p, cmp, v) atomicCAS((p), (cmp), (v))
#define FMA(a, b, c) fma((a), (b), (c))
#endif

/*
 * The element offset (relative to the tensor's storage offset) of row-major linear index i of a
 * tensor with nd dims, shape[0..nd) and strides[0..nd) (strides may be 0 or negative).
 */
DEVICE_FN int ember_offset(int i, int nd, GLOBAL const int* shape, GLOBAL const int* strides) {
  int off = 0;
  for (int d = nd - 1; d >= 0; d--) {
    int s = shape[d];
    int q = i / s;
    off += (i - q * s) * strides[d];
    i = q;
  }
  return off;
}

#endif
