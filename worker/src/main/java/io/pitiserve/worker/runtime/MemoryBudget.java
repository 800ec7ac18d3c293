package io.pitiserve.worker.runtime;

import io.pitiserve.worker.engine.ModelLoadException;
import io.pitiserve.worker.engine.ModelManifest;
import io.pitiserve.worker.engine.Precision;
import io.pitiserve.worker.scheduler.SchedulerSettings;
import io.pitiserve.worker.scheduler.StageLimits;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks, before any network is loaded, that the models a worker is to serve fit its memory
 * budget, and says which do not.
 *
 * <p>A model's estimate is its network files in the worker's precision twice over (the weights, and
 * the engine's copies while loading and converting them) plus a working set per stage of one decoder
 * call: call rows x resolution^2 x {@value #WORKING_FLOATS_PER_PIXEL} floats (a single-pass model: its one
 * forward of a job's {@value #SINGLE_PASS_ROWS} samples at most, at its output resolution). The working-set
 * factor is a coarse upper bound of a UNet's activations per output pixel at the sizes PITI uses; the
 * estimate is meant to catch a worker given one model too many, not to pack memory exactly.
 */
final class MemoryBudget {

    /** Floats of activations per output pixel of one decoder row (feature maps of every level, both directions). */
    static final int WORKING_FLOATS_PER_PIXEL = 256;
    /** Rows of a single-pass model's forward: the most samples a job may ask for. */
    static final int SINGLE_PASS_ROWS = 4;

    private MemoryBudget() {
    }

    /** Estimated bytes of one model: weights twice, plus one decoder call's working set per stage. */
    static long estimate(Path directory, ModelManifest manifest, Precision precision, SchedulerSettings scheduler) {
        Set<String> files = manifest.networkFiles(precision);
        long weights = 0;
        if (files != null) {
            for (String file : files) {
                try {
                    weights += Files.size(directory.resolve(file));
                } catch (IOException e) {
                    throw new ModelLoadException("cannot size " + directory.resolve(file) + ": " + e.getMessage(), e);
                }
            }
        }
        if (manifest.singlePass()) {
            // One forward of at most a job's samples at the output resolution.
            long pixels = (long) manifest.generator().resolution() * manifest.generator().resolution();
            return 2 * weights + SINGLE_PASS_ROWS * pixels * WORKING_FLOATS_PER_PIXEL * Float.BYTES;
        }
        return 2 * weights + workingSet(manifest.stages().base(), scheduler.base())
                + workingSet(manifest.stages().upsampler(), scheduler.upsampler());
    }

    private static long workingSet(ModelManifest.StageSpec stage, StageLimits limits) {
        long pixels = (long) stage.resolution() * stage.resolution();
        return limits.callRows() * pixels * WORKING_FLOATS_PER_PIXEL * Float.BYTES;
    }

    /**
     * The budget: the configured one, else on a CPU the machine's memory less the JVM's largest heap
     * (networks live outside the heap); null on a GPU without a configured budget (not checked).
     */
    static Long budget(Long configured, String device) {
        if (configured != null) {
            return configured;
        }
        if (!device.equals("cpu")) {
            return null;
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return Math.max(0, os.getTotalMemorySize() - Runtime.getRuntime().maxMemory());
        }
        return null;
    }

    /**
     * @param estimates bytes per model label, in load order
     * @throws ModelLoadException naming every model's estimate and the budget when their sum exceeds it
     */
    static void check(Map<String, Long> estimates, Long budget, String budgetOrigin) {
        if (budget == null) {
            return;
        }
        long total = estimates.values().stream().mapToLong(Long::longValue).sum();
        if (total <= budget) {
            return;
        }
        StringBuilder each = new StringBuilder();
        estimates.forEach((model, bytes) -> each.append(each.isEmpty() ? "" : ", ").append(model).append(" ~")
                .append(megabytes(bytes)));
        throw new ModelLoadException("the models to serve do not fit this worker's memory: " + each + " need ~"
                + megabytes(total) + " together, more than the " + megabytes(budget) + " of " + budgetOrigin
                + "; serve fewer models per worker (pitiserve.worker.models), lower the scheduler's call rows, or"
                + " raise pitiserve.worker.memory-budget");
    }

    static Map<String, Long> estimates(List<Path> directories, List<ModelManifest> manifests, Precision precision,
                                       SchedulerSettings scheduler) {
        Map<String, Long> estimates = new LinkedHashMap<>();
        for (int i = 0; i < directories.size(); i++) {
            ModelManifest manifest = manifests.get(i);
            estimates.put(manifest.name() + "@" + manifest.version(),
                    estimate(directories.get(i), manifest, precision, scheduler));
        }
        return estimates;
    }

    static String megabytes(long bytes) {
        return (bytes + (1 << 19)) / (1 << 20) + " MB";
    }
}
