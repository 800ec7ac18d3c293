package io.pitiserve.common.events;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a client asked for, validated by the gateway and re-validated by the worker. Field names
 * on the wire are snake_case; fields are only ever added.
 *
 * @param task          mask, sketch or depth
 * @param model         model version, null for the task's default
 * @param numSamples    1..{@value #MAX_SAMPLES}
 * @param guidanceScale classifier-free guidance scale of the base stage
 * @param guidance      one of {@link #GUIDANCES}
 * @param baseSteps     respacing of the base stage, null for the model's default
 * @param srSteps       respacing of the upsampler, null for the model's default
 * @param sampler       one of {@link #SAMPLERS}; null for the model's default
 * @param eta           DDIM eta (0 = deterministic)
 * @param seed          fixes all of the job's noise
 * @param returnBase    whether the 64 px base images are kept too
 * @param webhook       where to tell the client, or null
 * @param metadata      opaque client data, echoed in events and webhooks
 * @param priority      {@value #MIN_PRIORITY}..{@value #MAX_PRIORITY}, higher is admitted first; null for
 *                      {@value #DEFAULT_PRIORITY}
 * @param deadline      the job fails with {@code deadline_exceeded} if it has not finished by then; null for none
 */
public record TranslationParams(
        String task,
        String model,
        int numSamples,
        double guidanceScale,
        String guidance,
        String baseSteps,
        String srSteps,
        String sampler,
        double eta,
        long seed,
        boolean returnBase,
        Webhook webhook,
        Map<String, String> metadata,
        Integer priority,
        Instant deadline) {

    /** Most samples one request may ask for. */
    public static final int MAX_SAMPLES = 4;
    /** Largest classifier-free guidance scale a request may ask for. */
    public static final double MAX_GUIDANCE_SCALE = 20;
    /** The guidance variants a request may name. */
    public static final List<String> GUIDANCES = List.of("cfg", "normalized");
    /** The samplers a request may name. */
    public static final List<String> SAMPLERS = List.of("ddpm", "ddim", "dpmpp_2m", "dpmpp_2m_logsnr",
            "dpmpp_2m_karras", "dpmpp_2m_sde");
    /** The events a webhook may subscribe to. */
    public static final List<String> WEBHOOK_EVENTS = List.of("started", "progress", "succeeded", "failed",
            "cancelled");
    /** The events a webhook gets when it names none: the terminal ones. */
    public static final List<String> DEFAULT_WEBHOOK_EVENTS = List.of("succeeded", "failed", "cancelled");

    /** Lowest priority a request may carry. */
    public static final int MIN_PRIORITY = 0;
    /** Highest priority a request may carry. */
    public static final int MAX_PRIORITY = 9;
    /** The priority of a request that names none. */
    public static final int DEFAULT_PRIORITY = 5;

    /** Parameters without priority (the default) and without deadline. */
    public TranslationParams(String task, String model, int numSamples, double guidanceScale, String guidance,
                             String baseSteps, String srSteps, String sampler, double eta, long seed,
                             boolean returnBase, Webhook webhook, Map<String, String> metadata) {
        this(task, model, numSamples, guidanceScale, guidance, baseSteps, srSteps, sampler, eta, seed, returnBase,
                webhook, metadata, null, null);
    }

    /** The priority to schedule with: the requested one, or {@value #DEFAULT_PRIORITY}. */
    public int priorityOrDefault() {
        return priority == null ? DEFAULT_PRIORITY : priority;
    }

    /** A webhook target and the events it wants (default: the terminal ones). */
    public record Webhook(String url, List<String> events) {
    }
}
