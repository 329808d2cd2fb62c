package dev.ember.spark;

import dev.ember.backend.Backends;
import dev.ember.tensor.Device;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * The device a training or inference task runs on.
 *
 * <table>
 *   <caption>The choice, by requested device</caption>
 *   <tr><th>request</th><th>Spark assigned a GPU address</th><th>no address</th></tr>
 *   <tr><td>{@code auto}</td><td>the CUDA (else OpenCL) device with that index; the CPU if the
 *       executor has no GPU backend</td><td>partition id modulo the visible CUDA (else OpenCL)
 *       devices; the CPU if there are none</td></tr>
 *   <tr><td>{@code cuda}, {@code opencl}</td><td>the device of that type with that index</td>
 *       <td>partition id modulo the visible devices of that type</td></tr>
 *   <tr><td>{@code cpu}</td><td colspan="2">the CPU</td></tr>
 * </table>
 *
 * <p>An explicit {@code cuda} or {@code opencl} request never falls back to the CPU: without a
 * device of that type it is an {@link IllegalStateException} saying what the executor has. A
 * Spark-assigned address that matches no visible device is an error too, rather than a guess that
 * could share a GPU with another task.
 */
public final class DeviceAssignment {
  private static final System.Logger LOG = System.getLogger(DeviceAssignment.class.getName());
  private static final AtomicBoolean LOGGED = new AtomicBoolean();
  private static final List<String> REQUESTS = List.of("auto", "cpu", "cuda", "opencl");

  private DeviceAssignment() {}

  /**
   * The device for a task (pure: no Spark, no backends).
   *
   * @param requested {@code auto}, {@code cpu}, {@code cuda} or {@code opencl} (any case)
   * @param sparkGpuAddresses the task's Spark {@code gpu} resource addresses (device indices, as
   *     the discovery script reports them), empty if none; the first is used
   * @param partitionId the task's partition, for spreading tasks over the visible devices
   * @param visibleGpus the executor's usable GPU devices (CUDA and OpenCL)
   * @throws IllegalArgumentException for another request or a negative partition id
   * @throws IllegalStateException if {@code cuda}/{@code opencl} is requested and the executor
   *     has no such device, or Spark's address matches no visible device of the wanted type
   */
  public static Device choose(String requested, List<String> sparkGpuAddresses, int partitionId,
      List<Device> visibleGpus) {
    String request = normalize(requested);
    Objects.requireNonNull(sparkGpuAddresses, "sparkGpuAddresses");
    Objects.requireNonNull(visibleGpus, "visibleGpus");
    if (partitionId < 0) {
      throw new IllegalArgumentException("partition id must be >= 0, got " + partitionId);
    }
    if (request.equals("cpu")) {
      return Device.CPU;
    }
    List<Device> candidates = request.equals("auto")
        ? ofType(visibleGpus, ofType(visibleGpus, "cuda").isEmpty() ? "opencl" : "cuda")
        : ofType(visibleGpus, request);
    if (candidates.isEmpty()) {
      if (request.equals("auto")) {
        return Device.CPU;
      }
      throw new IllegalStateException("device '" + request + "' requested but this executor has"
          + " no " + request + " device (visible GPUs: " + describe(visibleGpus)
          + "; Spark GPU addresses: " + describeAddresses(sparkGpuAddresses) + ")");
    }
    if (!sparkGpuAddresses.isEmpty()) {
      String address = sparkGpuAddresses.get(0).trim();
      int index;
      try {
        index = Integer.parseInt(address);
      } catch (NumberFormatException e) {
        throw new IllegalStateException("Spark assigned GPU address '" + address
            + "', which is not a device index; this executor has " + describe(candidates), e);
      }
      for (Device d : candidates) {
        if (d.index() == index) {
          return d;
        }
      }
      throw new IllegalStateException("Spark assigned GPU address '" + address + "' (device '"
          + request + "' requested) but this executor has " + describe(candidates)
          + "; check the GPU discovery script and CUDA_VISIBLE_DEVICES");
    }
    return candidates.get(partitionId % candidates.size());
  }

  /**
   * The device for the task running on this thread: its Spark GPU address and partition from
   * {@link TaskContext} (outside a task: partition 0, no address) and the GPUs the engine's
   * backends see. The first call in an executor JVM logs the choice.
   *
   * @throws IllegalArgumentException for an unknown request
   * @throws IllegalStateException as {@link #choose}, with the backend's reason where it has one
   */
  public static Device forCurrentTask(String requested) {
    TaskContext task = TaskContext.get();
    int partition = task == null ? 0 : task.partitionId();
    List<String> addresses = task == null ? List.of() : gpuAddresses(task);
    List<Device> visible = visibleGpus();
    // auto takes accelerators only: an OpenCL device that is a CPU (PoCL) must be asked for.
    List<Device> eligible = normalize(requested).equals("auto")
        ? visible.stream().filter(Backends::isAccelerator).toList() : visible;
    Device device;
    try {
      device = choose(requested, addresses, partition, eligible);
    } catch (IllegalStateException e) {
      String request = normalize(requested);
      String why = request.equals("auto") || request.equals("cpu") ? null
          : backendReason(request);
      throw why == null ? e : new IllegalStateException(e.getMessage() + ": " + why, e);
    }
    if (LOGGED.compareAndSet(false, true)) {
      LOG.log(Level.INFO, "Ember: tasks on this executor use device " + device + " (requested "
          + normalize(requested) + "; first task: partition " + partition + ", Spark GPU"
          + " addresses " + describeAddresses(addresses) + ", visible GPUs " + describe(visible)
          + ")");
    }
    return device;
  }

  /** The GPUs the engine's backends can use here: CUDA devices, then OpenCL devices. */
  public static List<Device> visibleGpus() {
    List<Device> devices = new ArrayList<>();
    for (String type : new String[] {"cuda", "opencl"}) {
      int n = Backends.deviceCount(type);
      for (int i = 0; i < n; i++) {
        devices.add(Device.of(type, i));
      }
    }
    return devices;
  }

  private static List<String> gpuAddresses(TaskContext task) {
    ResourceInformation gpu = task.resourcesJMap().get("gpu");
    return gpu == null ? List.of() : Arrays.asList(gpu.addresses());
  }

  // Backends.get says why a device type is unusable (no provider, no driver, no device).
  private static String backendReason(String type) {
    try {
      Backends.get(Device.of(type, 0));
      return null;
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
  }

  /**
   * The request in canonical form: {@code auto}, {@code cpu}, {@code cuda} or {@code opencl}.
   *
   * @throws IllegalArgumentException for another request, naming it
   */
  public static String normalize(String requested) {
    Objects.requireNonNull(requested, "device");
    String r = requested.trim().toLowerCase(Locale.ROOT);
    if (!REQUESTS.contains(r)) {
      throw new IllegalArgumentException(
          "device must be auto, cpu, cuda or opencl, got '" + requested + "'");
    }
    return r;
  }

  private static List<Device> ofType(List<Device> devices, String type) {
    List<Device> out = new ArrayList<>();
    for (Device d : devices) {
      if (d.type().equals(type)) {
        out.add(d);
      }
    }
    return out;
  }

  private static String describe(List<Device> devices) {
    return devices.isEmpty() ? "none" : devices.toString();
  }

  private static String describeAddresses(List<String> addresses) {
    return addresses.isEmpty() ? "none" : addresses.toString();
  }
}
