package io.pitiserve.client;

import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code GET /v1/models}: every task, and every model a request may name, with its live state.
 *
 * @param tasks  the input kinds the API knows (mask, sketch, depth)
 * @param models the models of the catalogue
 */
public record Models(List<String> tasks, List<Model> models) {

    public Models {
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
        models = models == null ? List.of() : List.copyOf(models);
    }

    /** The model named {@code name}, if the catalogue has it. */
    public Optional<Model> find(String name) {
        return models.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /**
     * A model a request may name in {@code model} (by name, version or {@code name@version}).
     *
     * @param name         its name, e.g. {@code demo-mask}
     * @param task         its input kind
     * @param version      the version its workers serve (the declared one while none does)
     * @param defaultModel whether a request of its task that names no model runs on it
     * @param declared     declared by the operators (known even while no worker serves it)
     * @param inputSize    pixels the input is resized to; null while no worker serves it
     * @param resolution   output sizes of the base and upsampler stages; null while no worker serves it
     * @param defaults     sampler, steps and guidance a request that names none runs with; null while no
     *                     worker serves it
     * @param precision    the networks' number type on its workers
     * @param liveWorkers  workers serving it now
     * @param queueDepth   its jobs not finished yet; null when the broker could not say
     * @param typicalJobMs median wall time of a job on its workers lately, in milliseconds; null when unknown
     * @param scaledToZero declared, with no worker now: its jobs wait until one starts
     * @param kind         {@code diffusion} or {@code single-pass} (one generator forward: sampler, steps and
     *                     guidance do not apply, and it has no defaults); null while no worker serves it
     */
    public record Model(String name, String task, String version, @JsonProperty("default") boolean defaultModel,
                        boolean declared, @JsonProperty("input_size") Integer inputSize, Resolution resolution,
                        Defaults defaults, String precision, @JsonProperty("live_workers") int liveWorkers,
                        @JsonProperty("queue_depth") Long queueDepth,
                        @JsonProperty("typical_job_ms") Double typicalJobMs,
                        @JsonProperty("scaled_to_zero") boolean scaledToZero, String kind) {
    }

    /** Output sizes of the base and upsampler stages, in pixels. */
    public record Resolution(int base, int upsampler) {
    }

    /** What a request that names no sampler, steps or guidance runs with. */
    public record Defaults(String sampler, @JsonProperty("base_steps") String baseSteps,
                           @JsonProperty("sr_steps") String srSteps, String guidance,
                           @JsonProperty("guidance_scale") double guidanceScale) {
    }
}
