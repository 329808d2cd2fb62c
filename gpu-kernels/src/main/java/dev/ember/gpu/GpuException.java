package dev.ember.gpu;

/** A GPU runtime call failed; the message names the call, the kernel and the device. */
public class GpuException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An exception with a message naming the call that failed. */
  public GpuException(String message) {
    super(message);
  }

  /** An exception with a message naming the call that failed, and its cause. */
  public GpuException(String message, Throwable cause) {
    super(message, cause);
  }
}
