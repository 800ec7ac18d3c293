package io.pitiserve.worker.engine;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Map;

/**
 * Keeps the memory the networks free inside the process, so that the next call reuses it instead
 * of faulting in fresh pages.
 *
 * <p>glibc serves allocations above its mmap threshold (128 KB to start with, raised as mappings
 * are freed) with a fresh mapping, gives free memory at the top of a heap back to the kernel above
 * its trim threshold, and unmaps a whole sub-heap of a thread's arena (every JVM thread allocates
 * from one) once it is free. A decoder call allocates and frees activations and attention matrices
 * of 1-8 MB, so with the defaults a call may spend most of its time in page faults and zeroing: on
 * a 2-vCPU VM the tiny base decoder took 146-262 ms at batch 2 in that state instead of 22-26 ms,
 * and the state changed from run to run. Fixed thresholds (mmap 32 MB; trim 1 GB) and a 64 MB
 * top pad (a sub-heap's size, which keeps emptied sub-heaps mapped) end it for tensors up to
 * 32 MB, the largest mmap threshold glibc accepts; tensors above that (the demo upsampler at 256 px
 * from 4 rows on) would still be mapped afresh on every call, so mappings are turned off as well
 * ({@code M_MMAP_MAX} 0: allocations come from the heaps; those too large for a thread's 64 MB
 * sub-heap are still mapped; {@code MALLOC_ARENA_MAX=1} at process start, one heap for all
 * threads, removes that limit too): translating 5 samples with the demo model took 29 CPU seconds
 * instead of 50. The cost: the process keeps its peak native memory, which a worker reaches on
 * its first batches anyway.
 *
 * <p>Set once per process, before the first network loads. Skipped where the C library has no
 * {@code mallopt} (not glibc) or where the environment already tunes glibc's allocator
 * ({@code MALLOC_MMAP_THRESHOLD_}, {@code MALLOC_TRIM_THRESHOLD_}, ...: the operator's choice wins), and with
 * {@code -Dpitiserve.engine.keep-freed-memory=false}.
 */
public final class NativeAllocator {

    private static final Logger LOG = LoggerFactory.getLogger(NativeAllocator.class);

    /** glibc's {@code mallopt} parameters. */
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_TOP_PAD = -2;
    private static final int M_MMAP_THRESHOLD = -3;
    private static final int M_MMAP_MAX = -4;
    static final int MMAP_THRESHOLD = 32 * 1024 * 1024;
    static final int TRIM_THRESHOLD = 1024 * 1024 * 1024;
    static final int TOP_PAD = 64 * 1024 * 1024;

    /** What {@link #keepFreedMemory()} did. */
    public enum Outcome { APPLIED, DISABLED, SET_BY_ENVIRONMENT, UNSUPPORTED }

    private static Outcome outcome;

    private NativeAllocator() {
    }

    /** Applies the thresholds the first time it is called; later calls return the first outcome. */
    public static synchronized Outcome keepFreedMemory() {
        if (outcome == null) {
            outcome = apply(System.getenv(), System.getProperty("pitiserve.engine.keep-freed-memory", "true"),
                    System.getProperty("os.name", ""));
            LOG.debug("native allocator thresholds: {}", outcome);
        }
        return outcome;
    }

    static Outcome apply(Map<String, String> environment, String enabled, String osName) {
        if (!Boolean.parseBoolean(enabled)) {
            return Outcome.DISABLED;
        }
        if (environment.keySet().stream().anyMatch(name -> name.startsWith("MALLOC_") && name.endsWith("_"))) {
            return Outcome.SET_BY_ENVIRONMENT;
        }
        if (!osName.toLowerCase(Locale.ROOT).contains("linux")) {
            return Outcome.UNSUPPORTED;
        }
        try {
            Function mallopt = NativeLibrary.getInstance("c").getFunction("mallopt");
            boolean mmap = mallopt.invokeInt(new Object[] {M_MMAP_THRESHOLD, MMAP_THRESHOLD}) == 1;
            boolean trim = mallopt.invokeInt(new Object[] {M_TRIM_THRESHOLD, TRIM_THRESHOLD}) == 1;
            boolean pad = mallopt.invokeInt(new Object[] {M_TOP_PAD, TOP_PAD}) == 1;
            boolean heapOnly = mallopt.invokeInt(new Object[] {M_MMAP_MAX, 0}) == 1;
            return mmap && trim && pad && heapOnly ? Outcome.APPLIED : Outcome.UNSUPPORTED;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return Outcome.UNSUPPORTED;
        }
    }
}
