package io.moe4j.cuda;

import java.util.logging.Logger;

/**
 * Decides once per JVM whether a CUDA device can be used, and keeps the reason when it cannot.
 * This is the only place that touches JCuda on a machine without a GPU: the first call into
 * {@code JCudaDriver} fails with {@link UnsatisfiedLinkError} (no {@code libcuda.so.1}), later
 * ones with {@link NoClassDefFoundError}, and a driver without a device reports
 * {@code CUDA_ERROR_NO_DEVICE}. All of these end here as "unavailable" with the message kept.
 *
 * <p>{@code -Dmoe4j.cuda=off} skips the probe (useful on a shared GPU host).
 */
public final class CudaProbe {
    private static final Logger LOG = Logger.getLogger("io.moe4j.cuda");
    /** The kernels are PTX for compute_80, so older GPUs cannot JIT them. */
    static final int MIN_MAJOR = 8;

    private static volatile Result result;

    private CudaProbe() {}

    /** What the probe found: availability, a reason or a description, and device facts. */
    public record Result(boolean available, String reason, String deviceName, int ccMajor, int ccMinor, int driverVersion) {}

    /** True when device 0 exists, the driver loads and the GPU can run compute_80 PTX. */
    public static boolean available() {
        return result().available();
    }

    /** Why the device is unavailable, or a one-line description of it when it is available. */
    public static String reason() {
        return result().reason();
    }

    public static Result result() {
        Result r = result;
        if (r == null) {
            synchronized (CudaProbe.class) {
                if (result == null) {
                    result = probe();
                    LOG.fine("cuda probe: " + result.reason());
                }
                r = result;
            }
        }
        return r;
    }

    private static Result probe() {
        String flag = System.getProperty("moe4j.cuda", "");
        if (flag.equalsIgnoreCase("off") || flag.equalsIgnoreCase("false"))
            return unavailable("CUDA disabled by -Dmoe4j.cuda=" + flag);
        try {
            return DriverProbe.run();
        } catch (UnsatisfiedLinkError e) {
            return unavailable("JCuda driver library did not load (no NVIDIA driver?): " + rootCause(e.getMessage()));
        } catch (NoClassDefFoundError | ExceptionInInitializerError e) {
            return unavailable("JCuda classes unusable (" + e.getClass().getSimpleName() + "): " + rootCause(e.getMessage()));
        } catch (LinkageError e) {
            return unavailable("JCuda failed to link: " + e);
        } catch (RuntimeException e) { // jcuda.CudaException, e.g. CUDA_ERROR_NO_DEVICE
            return unavailable("CUDA driver error: " + e.getMessage());
        }
    }

    /**
     * JCuda's load errors span a dozen lines (OS facts, one nested trace per attempt); the last
     * nested {@code UnsatisfiedLinkError} names the real cause, e.g. "libcuda.so.1: cannot open
     * shared object file". Keeps that one line.
     */
    static String rootCause(String message) {
        if (message == null) return "no message";
        String best = null;
        for (String line : message.split("\\R")) {
            int at = line.indexOf("UnsatisfiedLinkError: ");
            if (at >= 0) best = line.substring(at + "UnsatisfiedLinkError: ".length()).trim();
        }
        return best != null ? best : message.lines().findFirst().orElse(message).trim();
    }

    private static Result unavailable(String why) {
        return new Result(false, why, null, 0, 0, 0);
    }

    /** The JCuda calls, in their own class so that loading CudaProbe never loads JCuda. */
    private static final class DriverProbe {
        static Result run() {
            jcuda.driver.JCudaDriver.setExceptionsEnabled(true);
            jcuda.driver.JCudaDriver.cuInit(0);
            int[] count = {0};
            jcuda.driver.JCudaDriver.cuDeviceGetCount(count);
            if (count[0] == 0) return unavailable("CUDA driver loaded but reports no device");
            jcuda.driver.CUdevice dev = new jcuda.driver.CUdevice();
            jcuda.driver.JCudaDriver.cuDeviceGet(dev, 0);
            byte[] name = new byte[256];
            jcuda.driver.JCudaDriver.cuDeviceGetName(name, name.length, dev);
            int[] major = {0}, minor = {0}, driver = {0};
            jcuda.driver.JCudaDriver.cuDeviceGetAttribute(major, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
            jcuda.driver.JCudaDriver.cuDeviceGetAttribute(minor, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
            jcuda.driver.JCudaDriver.cuDriverGetVersion(driver);
            String devName = cString(name);
            String desc = devName + " (compute " + major[0] + "." + minor[0] + ", driver API " + driver[0] / 1000 + "." + (driver[0] % 1000) / 10
                    + ", " + count[0] + " device(s))";
            if (major[0] < MIN_MAJOR)
                return new Result(false, desc + " is older than compute 8.0, which the compute_80 PTX kernels need", devName, major[0], minor[0], driver[0]);
            return new Result(true, desc, devName, major[0], minor[0], driver[0]);
        }

        private static String cString(byte[] b) {
            int n = 0;
            while (n < b.length && b[n] != 0) n++;
            return new String(b, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
        }
    }
}
