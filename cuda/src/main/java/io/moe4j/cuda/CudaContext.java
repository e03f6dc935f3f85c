package io.moe4j.cuda;

import static jcuda.driver.JCudaDriver.*;

import io.moe4j.tensor.DType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;

/**
 * One device, its primary context, one stream, the PTX modules and the caching allocator.
 *
 * <p>Ordering: every kernel goes on {@link #stream}, created blocking (flag 0), so the
 * synchronous {@code cuMemcpyHtoD/DtoH} calls on Java arrays (pageable memory; JCuda cannot DMA
 * from the Java heap asynchronously) are ordered after the kernels queued before them. A block
 * may therefore go back to the allocator as soon as the kernels that use it are queued.
 */
final class CudaContext {
    private static final Logger LOG = Logger.getLogger("io.moe4j.cuda");
    /** The PTX resources under io/moe4j/cuda/ptx, one per .cu file. */
    static final String[] MODULES = {"elementwise", "reduce", "index", "gemm", "fused", "attention"};

    final CUdevice device = new CUdevice();
    final CUcontext context = new CUcontext();
    final CUstream stream = new CUstream();
    final CachingAllocator<CUdeviceptr> allocator;
    /** True for the GPU-less test double: no driver calls; launches are only checked and recorded. */
    final boolean dryRun;
    /** Bytes copied host to device and back since start (diagnostics and tests). */
    long uploadedBytes, downloadedBytes;
    /** Kernel names launched, in order (dry run only). */
    final List<String> launched = new ArrayList<>();
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final Map<String, int[]> signatures = new HashMap<>();

    CudaContext() {
        this(false);
    }

    private CudaContext(boolean dryRun) {
        this.dryRun = dryRun;
        for (String m : MODULES) {
            byte[] text = ptx(m);
            signatures.putAll(PtxSignatures.parse(new String(text, 0, text.length - 1, java.nio.charset.StandardCharsets.US_ASCII)));
        }
        if (dryRun) {
            allocator = new CachingAllocator<>(new DeviceMemory<>() {
                @Override
                public CUdeviceptr allocate(long bytes) {
                    return new CUdeviceptr();
                }

                @Override
                public void free(CUdeviceptr handle) {}
            });
            return;
        }
        allocator = new CachingAllocator<>(new DriverMemory());
        setExceptionsEnabled(true);
        cuInit(0);
        cuDeviceGet(device, 0);
        cuDevicePrimaryCtxRetain(context, device);
        cuCtxSetCurrent(context);
        cuStreamCreate(stream, 0);
        for (String m : MODULES) {
            CUmodule mod = new CUmodule();
            cuModuleLoadData(mod, ptx(m));
            modules.put(m, mod);
        }
        LOG.info("cuda: " + CudaProbe.reason() + ", " + MODULES.length + " PTX modules loaded");
    }

    /**
     * A context that never calls the driver: allocations are placeholders, copies do nothing, and
     * launches are checked against the PTX signatures and recorded. Lets CPU tests drive every op
     * through its launch code.
     */
    static CudaContext dryRun() {
        return new CudaContext(true);
    }

    /** The PTX text of a module, NUL-terminated as cuModuleLoadData wants. */
    static byte[] ptx(String module) {
        String path = "/io/moe4j/cuda/ptx/" + module + ".ptx";
        try (InputStream in = CudaContext.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("missing PTX resource " + path + " (run cuda/gen-ptx.sh)");
            byte[] b = in.readAllBytes();
            byte[] z = new byte[b.length + 1];
            System.arraycopy(b, 0, z, 0, b.length);
            return z;
        } catch (IOException e) {
            throw new UncheckedIOException("reading PTX resource " + path, e);
        }
    }

    /** Makes the context current on the calling thread (contexts are per thread in the driver API). */
    void makeCurrent() {
        if (!dryRun) cuCtxSetCurrent(context);
    }

    CUfunction function(String name) {
        return functions.computeIfAbsent(name, n -> {
            String module = moduleOf(n);
            CUfunction f = new CUfunction();
            cuModuleGetFunction(f, modules.get(module), n);
            return f;
        });
    }

    /** The module that defines kernel {@code fn}, from its name prefix. */
    static String moduleOf(String fn) {
        if (fn.startsWith("gemm_") || fn.startsWith("grouped_gemm")) return "gemm";
        if (fn.startsWith("reduce_") || fn.startsWith("argmax_") || fn.startsWith("softmax_")) return "reduce";
        if (fn.startsWith("gather_") || fn.startsWith("scatter_") || fn.startsWith("index_")) return "index";
        if (fn.startsWith("attn_")) return "attention";
        if (fn.startsWith("rmsnorm_") || fn.startsWith("rope_") || fn.startsWith("swiglu_") || fn.startsWith("xent_")
                || fn.startsWith("adamw_") || fn.startsWith("moe_")) return "fused";
        return "elementwise";
    }

    /**
     * Queues a kernel. Arguments: {@link CUdeviceptr}, Integer, Long, Float, Double, or int[] (a
     * struct of ints passed by value, e.g. Dims and Strides).
     */
    void launch(String name, int gx, int gy, int gz, int block, int sharedBytes, Object... args) {
        String bad = PtxSignatures.mismatch(name, signatures.get(name), args);
        if (bad != null) throw new IllegalStateException("cuda launch: " + bad);
        if (gx < 1 || gy < 1 || gz < 1 || gy > 65535 || gz > 65535 || block < 1 || block > 1024)
            throw new IllegalStateException("cuda launch: " + name + " grid (" + gx + ", " + gy + ", " + gz + ") block " + block + " out of range");
        if (dryRun) {
            launched.add(name);
            return;
        }
        Pointer[] ps = new Pointer[args.length];
        for (int k = 0; k < args.length; k++) ps[k] = param(args[k]);
        cuLaunchKernel(function(name), gx, gy, gz, block, 1, 1, sharedBytes, stream, Pointer.to(ps), null);
    }

    private static Pointer param(Object a) {
        if (a instanceof CUdeviceptr p) return Pointer.to(p);
        if (a instanceof Integer i) return Pointer.to(new int[] {i});
        if (a instanceof Long l) return Pointer.to(new long[] {l});
        if (a instanceof Float f) return Pointer.to(new float[] {f});
        if (a instanceof Double d) return Pointer.to(new double[] {d});
        if (a instanceof int[] s) return Pointer.to(s);
        throw new IllegalArgumentException("unsupported kernel argument type " + (a == null ? "null" : a.getClass().getName()));
    }

    CachingAllocator.Block<CUdeviceptr> alloc(long bytes) {
        return allocator.allocate(Math.max(bytes, 1));
    }

    /** Host array elements [from, from + count) to device memory at {@code dst}. */
    void upload(Object array, DType dtype, int from, int count, CUdeviceptr dst) {
        checkRange("upload", array, from, count);
        int eb = Layout.elemBytes(dtype);
        uploadedBytes += (long) count * eb;
        if (count == 0 || dryRun) return;
        cuMemcpyHtoD(dst, hostPointer(array).withByteOffset((long) from * eb), (long) count * eb);
    }

    /** Device memory at {@code src} into host array elements [from, from + count). */
    void download(CUdeviceptr src, Object array, DType dtype, int from, int count) {
        checkRange("download", array, from, count);
        int eb = Layout.elemBytes(dtype);
        downloadedBytes += (long) count * eb;
        if (count == 0 || dryRun) return;
        cuMemcpyDtoH(hostPointer(array).withByteOffset((long) from * eb), src, (long) count * eb);
    }

    private static void checkRange(String what, Object array, int from, int count) {
        int len = java.lang.reflect.Array.getLength(array);
        if (from < 0 || count < 0 || from + count > len)
            throw new IllegalStateException("cuda " + what + ": elements [" + from + ", " + (from + count) + ") outside a host array of " + len);
    }

    private static Pointer hostPointer(Object array) {
        if (array instanceof float[] f) return Pointer.to(f);
        if (array instanceof double[] d) return Pointer.to(d);
        if (array instanceof int[] i) return Pointer.to(i);
        throw new IllegalArgumentException("not a host array: " + array);
    }

    void synchronize() {
        if (!dryRun) cuStreamSynchronize(stream);
    }

    /** Milliseconds of GPU time that {@code work} queues, measured with two events on the stream. */
    float time(Runnable work) {
        CUevent start = new CUevent(), stop = new CUevent();
        cuEventCreate(start, 0);
        cuEventCreate(stop, 0);
        try {
            cuEventRecord(start, stream);
            work.run();
            cuEventRecord(stop, stream);
            cuEventSynchronize(stop);
            float[] ms = {0};
            cuEventElapsedTime(ms, start, stop);
            return ms[0];
        } finally {
            cuEventDestroy(start);
            cuEventDestroy(stop);
        }
    }
}
