package dev.ember.gpu.cuda;

import dev.ember.gpu.GpuException;

/**
 * A CUDA driver call returned an error: the message names the call, what it was for (the kernel,
 * the family, the size) and the CUDA error ({@code CUDA_ERROR_OUT_OF_MEMORY (out of memory)}).
 */
public class CudaException extends GpuException {
  private static final long serialVersionUID = 1L;

  /** {@code CUDA_ERROR_OUT_OF_MEMORY}. */
  public static final int OUT_OF_MEMORY = 2;

  private final String call;
  private final int code;
  private final String errorName;

  /**
   * An error of {@code call} ({@code cuLaunchKernel}); {@code detail} says what it was for (may be
   * empty); {@code errorName} and {@code errorString} are the driver's words for {@code code}.
   */
  public CudaException(String call, String detail, int code, String errorName,
      String errorString) {
    super(call + (detail.isEmpty() ? "" : " (" + detail + ")") + " failed: " + errorName
        + (errorString.isEmpty() ? "" : " (" + errorString + ")"));
    this.call = call;
    this.code = code;
    this.errorName = errorName;
  }

  /** The driver call that failed, e.g. {@code cuMemAlloc}. */
  public String call() {
    return call;
  }

  /** The CUresult code. */
  public int code() {
    return code;
  }

  /** The CUresult's name, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}. */
  public String errorName() {
    return errorName;
  }
}
