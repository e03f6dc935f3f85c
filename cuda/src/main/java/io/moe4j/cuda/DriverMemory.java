package io.moe4j.cuda;

import jcuda.CudaException;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/** {@link DeviceMemory} on {@code cuMemAlloc}/{@code cuMemFree} of the current context. */
final class DriverMemory implements DeviceMemory<CUdeviceptr> {

    @Override
    public CUdeviceptr allocate(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        try {
            JCudaDriver.cuMemAlloc(p, bytes);
        } catch (CudaException e) {
            if (e.getMessage() != null && e.getMessage().contains(CUresult.stringFor(CUresult.CUDA_ERROR_OUT_OF_MEMORY)))
                throw new OutOfDeviceMemoryException("cuMemAlloc of " + bytes + " bytes: " + e.getMessage());
            throw e;
        }
        return p;
    }

    @Override
    public void free(CUdeviceptr handle) {
        JCudaDriver.cuMemFree(handle);
    }
}
