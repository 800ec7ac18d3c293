package io.pitiserve.common.events;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;

/**
 * What an evaluation job measures: the input object of a {@link TranslationRequested} of kind
 * {@value TranslationRequested#EVALUATION}, stored as JSON (snake_case, {@link #CONTENT_TYPE}).
 * The worker translates every image of {@code dataset} (the first {@code limit}) once per setting
 * through the lane's model and scores the outputs.
 *
 * @param dataset  {@value #WORLD_HELDOUT}, the held-out world scenes bundled in the worker
 * @param settings the sampler settings to compare, 1..{@value #MAX_SETTINGS}
 * @param limit    the number of dataset images to use (the first ones), null for all
 */
public record EvaluationSpec(String dataset, List<Setting> settings, Integer limit) {

    /** The media type of a stored spec. */
    public static final String CONTENT_TYPE = "application/vnd.pitiserve.evaluation+json";
    /** The bundled held-out set of the demo world (masks, sketches and reference patch statistics). */
    public static final String WORLD_HELDOUT = "bundled:world-heldout";
    /** Scenes in {@value #WORLD_HELDOUT}. */
    public static final int WORLD_HELDOUT_IMAGES = 16;
    /** The most settings one evaluation compares. */
    public static final int MAX_SETTINGS = 8;

    public EvaluationSpec {
        settings = settings == null ? List.of() : List.copyOf(settings);
    }

    /** The images the evaluation translates per setting. */
    @JsonIgnore
    public int images() {
        int all = WORLD_HELDOUT.equals(dataset) ? WORLD_HELDOUT_IMAGES : 0;
        return limit == null ? all : Math.min(all, limit);
    }

    /**
     * One sampler setting; absent members take the model's defaults, as in a translation.
     *
     * @param sampler       a sampler name, null for the model's
     * @param baseSteps     respacing of the base stage, null for the model's
     * @param srSteps       respacing of the upsampler, null for the model's
     * @param guidance      cfg or normalized, null for the model's
     * @param guidanceScale the base stage's guidance scale, 0 for the model's
     * @param eta           DDIM eta
     */
    public record Setting(String sampler, String baseSteps, String srSteps, String guidance, double guidanceScale,
                          double eta) {
    }
}
