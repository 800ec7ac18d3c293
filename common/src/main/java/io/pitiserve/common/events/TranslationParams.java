package io.pitiserve.common.events;

import java.util.List;
import java.util.Map;

/**
 * What a client asked for, validated by the gateway and re-validated by the worker. Field names
 * on the wire are snake_case; fields are only ever added.
 *
 * @param task          mask, sketch or depth
 * @param model         model version, null for the task's default
 * @param numSamples    1..4
 * @param guidanceScale classifier-free guidance scale of the base stage
 * @param guidance      cfg or normalized
 * @param baseSteps     respacing of the base stage, null for the model's default
 * @param srSteps       respacing of the upsampler, null for the model's default
 * @param sampler       ddpm or ddim
 * @param eta           DDIM eta (0 = deterministic)
 * @param seed          fixes all of the job's noise
 * @param returnBase    whether the 64 px base images are kept too
 * @param webhook       where to tell the client, or null
 * @param metadata      opaque client data, echoed in events and webhooks
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
        Map<String, String> metadata) {

    /** A webhook target and the events it wants (default: the terminal ones). */
    public record Webhook(String url, List<String> events) {
    }
}
