package io.pitiserve.worker.engine;

import java.util.Locale;

/** Tells a device running out of memory apart from other engine failures. */
public final class DeviceMemory {

    private DeviceMemory() {
    }

    /**
     * Whether {@code failure} (or one of its causes) is an allocation failure of the device:
     * PyTorch reports them as "CUDA out of memory", "out of memory" or, on the host,
     * "DefaultCPUAllocator: can't allocate memory"; a Java heap {@link OutOfMemoryError} is not one.
     */
    public static boolean isOutOfMemory(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            String message = cause.getMessage();
            if (message == null || cause instanceof OutOfMemoryError) {
                continue;
            }
            String lower = message.toLowerCase(Locale.ROOT);
            if (lower.contains("out of memory") || lower.contains("can't allocate memory")) {
                return true;
            }
        }
        return false;
    }
}
