package io.pitiserve.common.events;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;

/**
 * What an evaluation job measures: the input object of a {@link TranslationRequested} of kind
 * {@value TranslationRequested#EVALUATION}, stored as JSON (snake_case, {@link #CONTENT_TYPE}).
 * The worker translates every image of the dataset once per setting through the lane's model and
 * scores the outputs.
 *
 * <p>Two datasets: {@value #WORLD_HELDOUT}, the held-out world scenes bundled in the worker (the
 * first {@code limit}), or a prefix of the service bucket holding {@code inputs/<name>.png} (the
 * model's inputs), {@code references/<name>.png} (the real images FD compares with) and optionally
 * {@code masks/<name>.png} (colour-coded masks, the truth of mIoU; a mask model's input is its own
 * truth). For a prefix the gateway lists the inputs and fixes the {@code names} to evaluate.
 *
 * @param dataset  {@value #WORLD_HELDOUT}, or the {@code s3://bucket/prefix/} URI the client gave
 * @param settings the sampler settings to compare, 1..{@value #MAX_SETTINGS}
 * @param limit    the number of dataset images to use (the first ones), null for all
 * @param s3Prefix the object key prefix of an S3 dataset (ends with /), null for the bundled set
 * @param names    the image names of an S3 dataset, in order; empty for the bundled set
 */
public record EvaluationSpec(String dataset, List<Setting> settings, Integer limit, String s3Prefix,
                             List<String> names) {

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
        names = names == null ? List.of() : List.copyOf(names);
    }

    /** An evaluation over the bundled held-out world set. */
    public EvaluationSpec(String dataset, List<Setting> settings, Integer limit) {
        this(dataset, settings, limit, null, List.of());
    }

    /** The S3 key of dataset image {@code name} in {@code folder} (inputs, references or masks). */
    public String key(String folder, String name) {
        return s3Prefix + folder + "/" + name + ".png";
    }

    /** The images the evaluation translates per setting. */
    @JsonIgnore
    public int images() {
        int all = s3Prefix != null ? names.size() : WORLD_HELDOUT.equals(dataset) ? WORLD_HELDOUT_IMAGES : 0;
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
