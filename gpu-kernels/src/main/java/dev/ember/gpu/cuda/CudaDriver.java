package dev.ember.gpu.cuda;

import java.nio.ByteBuffer;

/**
 * The CUDA driver API calls the runtime needs, in Java types: devices are ordinals, contexts,
 * modules, functions, streams and events are opaque {@code long} handles, device memory is its
 * device address, pinned host memory is a direct {@link ByteBuffer} in native order. This is the
 * seam where the hardware enters: {@link JCudaDriver} calls the real driver, {@link
 * FakeCudaDriver} records calls so the allocator, argument packing, module cache and error paths
 * are tested on machines without a GPU.
 *
 * <p>Every method either succeeds or throws a {@link CudaException} naming the call, the kernel
 * or resource where relevant, and the CUDA error name.
 */
public interface CudaDriver {
  /** {@code CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK}. */
  int ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
  /** {@code CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR}. */
  int ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
  /** {@code CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR}. */
  int ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;

  /** {@code cuInit(0)}; calling it again is harmless. */
  void init();

  /** {@code cuDeviceGetCount}. */
  int deviceCount();

  /** {@code cuDeviceGetName}. */
  String deviceName(int ordinal);

  /** {@code cuDeviceTotalMem}: bytes. */
  long deviceTotalMem(int ordinal);

  /** {@code cuDeviceGetAttribute}, with an {@code ATTRIBUTE_*} constant. */
  int deviceAttribute(int attribute, int ordinal);

  /** {@code cuDevicePrimaryCtxRetain}: the device's primary context. */
  long primaryCtxRetain(int ordinal);

  /** {@code cuCtxSetCurrent} on the calling thread. */
  void ctxSetCurrent(long context);

  /** {@code cuCtxSynchronize}: waits for all streams of the current context. */
  void ctxSynchronize();

  /** {@code cuModuleLoadData} of PTX text; {@code label} (the family) names it in errors. */
  long moduleLoadData(String ptx, String label);

  /** {@code cuModuleGetFunction}. */
  long moduleGetFunction(long module, String name);

  /** {@code cuMemAlloc}: the device address of {@code bytes} new bytes. */
  long memAlloc(long bytes);

  /** {@code cuMemFree}. */
  void memFree(long address);

  /** {@code cuMemAllocHost}: page-locked host memory, as a direct native-order buffer. */
  ByteBuffer memAllocHost(long bytes);

  /** {@code cuMemFreeHost} of a buffer from {@link #memAllocHost}. */
  void memFreeHost(ByteBuffer buffer);

  /**
   * {@code cuMemcpyHtoDAsync}: {@code bytes} bytes of pinned {@code src} from {@code srcOffset} to
   * device address {@code dst}, in order on {@code stream}.
   */
  void memcpyHtoDAsync(long dst, ByteBuffer src, long srcOffset, long bytes, long stream);

  /** {@code cuMemcpyDtoHAsync}: device address {@code src} to pinned {@code dst} at offset. */
  void memcpyDtoHAsync(ByteBuffer dst, long dstOffset, long src, long bytes, long stream);

  /** {@code cuStreamCreate} (flags 0). */
  long streamCreate();

  /** {@code cuStreamSynchronize}. */
  void streamSynchronize(long stream);

  /** {@code cuEventCreate} with {@code CU_EVENT_DISABLE_TIMING}. */
  long eventCreate();

  /** {@code cuEventRecord}: the event completes when the stream's work so far has. */
  void eventRecord(long event, long stream);

  /** {@code cuStreamWaitEvent}: later work on {@code stream} waits for {@code event}. */
  void streamWaitEvent(long stream, long event);

  /**
   * {@code cuLaunchKernel} of a 1-D grid: {@code gridX} blocks of {@code blockX} threads on
   * {@code stream}. {@code params} are the kernel's parameters in order: {@code Long} (a 64-bit
   * value: a device pointer), {@code Integer}, {@code Float} or {@code Double}.
   */
  void launchKernel(long function, int gridX, int blockX, int sharedBytes, long stream,
      Object[] params);

  /**
   * {@code cuStreamBeginCapture} in {@code CU_STREAM_CAPTURE_MODE_THREAD_LOCAL}: the stream's
   * work is recorded into a graph instead of run, until {@link #streamEndCapture}.
   */
  void streamBeginCapture(long stream);

  /** {@code cuStreamEndCapture}: the graph captured on {@code stream}. */
  long streamEndCapture(long stream);

  /** {@code cuGraphInstantiate} (flags 0): an executable graph. */
  long graphInstantiate(long graph);

  /** {@code cuGraphLaunch}: runs an executable graph on {@code stream}, as one launch. */
  void graphLaunch(long graphExec, long stream);

  /** {@code cuGraphExecDestroy}. */
  void graphExecDestroy(long graphExec);

  /** {@code cuGraphDestroy}. */
  void graphDestroy(long graph);

  /** {@code cuGetErrorName}, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}. */
  String errorName(int code);

  /** {@code cuGetErrorString}, e.g. {@code out of memory}. */
  String errorString(int code);
}
