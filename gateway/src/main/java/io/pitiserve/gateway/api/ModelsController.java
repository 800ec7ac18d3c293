package io.pitiserve.gateway.api;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;

import io.pitiserve.common.catalogue.ModelAnnouncement;
import io.pitiserve.common.image.InputKind;
import io.pitiserve.gateway.catalogue.LaneDepths;
import io.pitiserve.gateway.catalogue.ModelCatalogue;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /v1/models}: every model a request may name, from the catalogue, with its live state. */
@RestController
@Tag(name = "models")
@ApiResponse(responseCode = "401", description = "missing or invalid API key",
        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
@ApiResponse(responseCode = "429", description = "rate_limited (the API key's request rate); see Retry-After,"
        + " RateLimit and RateLimit-Policy",
        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
public class ModelsController {

    /** The answer: every task, and every known model. */
    public record Models(List<String> tasks, List<Model> models) {
    }

    /**
     * A model a request may name in {@code params.model} (by name, version or {@code name@version}).
     *
     * @param defaultModel whether a request of its task that names no model runs on it
     * @param declared     declared by the operators (known even while no worker serves it)
     * @param version      the version its workers serve (the declared one while none does)
     * @param inputSize    pixels the input is resized to; null while no worker serves it
     * @param resolution   output sizes of the base and upsampler stages; null while no worker serves it
     * @param defaults     sampler, steps and guidance a request that names none runs with; null while no worker
     *                     serves it
     * @param precision    the networks' number type on its workers
     * @param liveWorkers  workers serving it now
     * @param queueDepth   its jobs not finished yet (waiting or running); null when the broker could not say
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

    private final ModelCatalogue catalogue;
    private final LaneDepths depths;

    public ModelsController(ModelCatalogue catalogue, LaneDepths depths) {
        this.catalogue = catalogue;
        this.depths = depths;
    }

    @Operation(summary = "List the tasks and the models available, with their live workers and queue depth")
    @ApiResponse(responseCode = "200", description = "the tasks and models",
            content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = Models.class)))
    @GetMapping(path = "/v1/models", produces = MediaType.APPLICATION_JSON_VALUE)
    public Models models() {
        List<ModelCatalogue.Entry> entries = catalogue.entries();
        Map<String, Long> queued = depths.depths(entries.stream().map(ModelCatalogue.Entry::name).toList());
        List<String> defaults = Arrays.stream(InputKind.values())
                .map(kind -> catalogue.find(kind.wireName(), null))
                .filter(entry -> entry != null)
                .map(ModelCatalogue.Entry::name)
                .toList();
        return new Models(Arrays.stream(InputKind.values()).map(InputKind::wireName).toList(),
                entries.stream().map(entry -> model(entry, defaults.contains(entry.name()), queued.get(entry.name())))
                        .toList());
    }

    private static Model model(ModelCatalogue.Entry entry, boolean isDefault, Long queueDepth) {
        ModelAnnouncement latest = entry.latest();
        List<Double> times = entry.live().stream().map(ModelAnnouncement::typicalJobMs)
                .filter(t -> t != null).sorted().toList();
        Double typical = times.isEmpty() ? null : times.get(times.size() / 2);
        if (latest == null) {
            return new Model(entry.name(), entry.task(), entry.version(), isDefault, entry.declared(), null, null,
                    null, null, 0, queueDepth, null, entry.declared(), null);
        }
        ModelAnnouncement.Defaults d = latest.defaults();
        return new Model(entry.name(), entry.task(), latest.version(), isDefault, entry.declared(),
                latest.inputSize(), new Resolution(latest.resolution().base(), latest.resolution().upsampler()),
                d == null ? null : new Defaults(d.sampler(), d.baseSteps(), d.srSteps(), d.guidance(), d.guidanceScale()),
                latest.precision(), entry.live().size(), queueDepth, typical, false, latest.kindOrDefault());
    }
}
