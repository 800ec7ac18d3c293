package io.pitiserve.common.events;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The job's results are stored; everything a consumer needs is here.
 *
 * @param results     the stored images, samples first, then base images when asked for
 * @param manifestKey object key of the job's manifest.json (written last)
 * @param model       model name and version that produced the images
 * @param timings     milliseconds: queued, encode, base, upsampler, total
 * @param notes       remarks on the input (e.g. {@code sketch_inverted})
 */
public record TranslationSucceeded(
        String jobId,
        String tenant,
        Instant time,
        List<ResultImage> results,
        String manifestKey,
        String model,
        long seed,
        Map<String, Double> timings,
        List<String> notes,
        Map<String, String> metadata) implements JobEvent {

    /**
     * One stored image.
     *
     * @param kind   sample or base
     * @param index  sample index
     * @param key    object key
     * @param bytes  size in bytes
     * @param sha256 hex sha256 of the bytes
     * @param width  pixels
     * @param height pixels
     */
    public record ResultImage(String kind, int index, String key, long bytes, String sha256, int width, int height) {
    }
}
