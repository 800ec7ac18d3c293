package io.pitiserve.common.catalogue;

import java.time.Instant;

import io.pitiserve.common.events.ModelNames;

/**
 * A worker's statement that it serves a model, on the compacted catalogue topic under
 * {@link #key()}. It holds until {@link #leaseUntil()}: a worker renews it by announcing again and
 * withdraws it with a tombstone when it stops, so one that crashed drops out when its lease ends.
 *
 * @param worker        the worker's id (host or pod name)
 * @param model         model name; its request lane is {@code <prefix>requests.<model>}
 * @param version       model version
 * @param task          mask, sketch or depth
 * @param inputSize     pixels the condition image is resized to
 * @param resolution    the base and upsampler output sizes, in pixels (a single-pass model: its output size, as both)
 * @param defaults      what the model runs when a request names nothing; null for a single-pass model (no sampler,
 *                      steps or guidance)
 * @param precision     fp32, bf16 or fp16
 * @param device        cpu or gpu[:N]
 * @param announcedAt   when this statement was made
 * @param leaseUntil    when it lapses unless renewed
 * @param typicalJobMs  median wall time of this worker's recent jobs of the model, in milliseconds; null before any
 * @param kind          {@value #DIFFUSION} (two diffusion stages) or {@value #SINGLE_PASS} (one generator forward);
 *                      null, in records of workers that predate it, means diffusion
 */
public record ModelAnnouncement(
        String worker,
        String model,
        String version,
        String task,
        int inputSize,
        Resolution resolution,
        Defaults defaults,
        String precision,
        String device,
        Instant announcedAt,
        Instant leaseUntil,
        Double typicalJobMs,
        String kind) {

    /** The kind of a PITI-style model: sampler, steps and guidance apply. */
    public static final String DIFFUSION = "diffusion";
    /** The kind of a model that makes its images in one forward pass: no sampler, steps or guidance. */
    public static final String SINGLE_PASS = "single-pass";

    /** An announcement of a diffusion model. */
    public ModelAnnouncement(String worker, String model, String version, String task, int inputSize,
                             Resolution resolution, Defaults defaults, String precision, String device,
                             Instant announcedAt, Instant leaseUntil, Double typicalJobMs) {
        this(worker, model, version, task, inputSize, resolution, defaults, precision, device, announcedAt, leaseUntil,
                typicalJobMs, DIFFUSION);
    }

    public ModelAnnouncement {
        ModelNames.requireValid(model);
        if (worker == null || worker.isBlank() || worker.contains("/")) {
            throw new IllegalArgumentException("a worker id must be non-blank and without '/', was '" + worker + "'");
        }
    }

    /** Output sizes of the two stages, in pixels. */
    public record Resolution(int base, int upsampler) {
    }

    /**
     * The model's defaults.
     *
     * @param sampler       sampler of both stages
     * @param baseSteps     respacing of the base stage
     * @param srSteps       respacing of the upsampler
     * @param guidance      cfg or normalized
     * @param guidanceScale guidance scale of the base stage
     */
    public record Defaults(String sampler, String baseSteps, String srSteps, String guidance, double guidanceScale) {
    }

    /** The model's kind, {@value #DIFFUSION} when the record names none. */
    public String kindOrDefault() {
        return kind == null ? DIFFUSION : kind;
    }

    /** The record key: one statement per model and worker. */
    public String key() {
        return key(model, worker);
    }

    public static String key(String model, String worker) {
        return model + "/" + worker;
    }

    /** Whether the lease still holds at {@code now}. */
    public boolean liveAt(Instant now) {
        return leaseUntil != null && now.isBefore(leaseUntil);
    }
}
