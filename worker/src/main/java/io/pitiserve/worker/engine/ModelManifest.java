package io.pitiserve.worker.engine;

import io.pitiserve.worker.engine.schedule.BetaSchedule;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code model.json} of a model directory (docs/MODEL_FORMAT.md): what the networks expect and
 * the defaults of the model's sampling: guidance, the sampler (a wire name of {@link Sampler#NAMES},
 * {@code ddpm} when absent) and each stage's respacing (its default step count).
 *
 * <p>{@code kind} is {@value #DIFFUSION} (the default, two diffusion stages) or {@value #SINGLE_PASS}
 * (one generator network run once, {@link Generator}; no stages, sampler or steps).
 */
public record ModelManifest(
        int format,
        String kind,
        String name,
        String version,
        String task,
        String description,
        Input input,
        GuidanceDefaults guidance,
        String sampler,
        Stages stages,
        Generator generator,
        Map<String, String> sha256) {

    /** The kind of a model with two diffusion stages (the default). */
    public static final String DIFFUSION = "diffusion";
    /** The kind of a model whose one generator network makes the image in one forward pass. */
    public static final String SINGLE_PASS = "single-pass";

    public ModelManifest {
        require(format == 1, "format must be 1, got " + format);
        kind = kind == null ? DIFFUSION : kind;
        require(kind.equals(DIFFUSION) || kind.equals(SINGLE_PASS),
                "kind must be " + DIFFUSION + " or " + SINGLE_PASS + ", got " + kind);
        require(name != null && !name.isBlank(), "name is missing");
        require(task != null && !task.isBlank(), "task is missing");
        require(input != null, "input is missing");
        require(sha256 != null, "sha256 is missing");
        if (version == null) {
            version = "unversioned";
        }
        if (kind.equals(SINGLE_PASS)) {
            require(generator != null, "a single-pass model needs generator");
            require(stages == null, "a single-pass model has no stages");
            require(sampler == null && guidance == null, "a single-pass model has no sampler or guidance");
        } else {
            require(generator == null, "generator is for kind " + SINGLE_PASS + " only");
            require(stages != null && stages.base() != null && stages.upsampler() != null,
                    "stages.base and stages.upsampler are both required");
        }
        if (guidance == null && kind.equals(DIFFUSION)) {
            guidance = new GuidanceDefaults(1.3, "cfg");
        }
        if (sampler == null && kind.equals(DIFFUSION)) {
            sampler = "ddpm";
        }
        try {
            if (sampler != null) {
                Sampler.of(sampler, 0);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model.json: sampler: " + e.getMessage());
        }
    }

    /** Whether the model is one generator run once ({@value #SINGLE_PASS}), not two diffusion stages. */
    public boolean singlePass() {
        return kind.equals(SINGLE_PASS);
    }

    /**
     * The network files a model in {@code precision} loads (both stages' encoder and decoder), or
     * null when a stage has no networks in it.
     */
    public Set<String> networkFiles(Precision precision) {
        if (singlePass()) {
            return Set.of(generator.network());
        }
        Set<String> files = new LinkedHashSet<>();
        for (StageSpec stage : List.of(stages.base(), stages.upsampler())) {
            Networks networks = stage.networks(precision);
            if (networks == null) {
                return null;
            }
            files.add(networks.encoder());
            files.add(networks.decoder());
        }
        return files;
    }

    /** The network files of every precision the manifest lists. */
    public Set<String> allNetworkFiles() {
        if (singlePass()) {
            return Set.of(generator.network());
        }
        Set<String> files = new LinkedHashSet<>();
        for (StageSpec stage : List.of(stages.base(), stages.upsampler())) {
            files.add(stage.encoder());
            files.add(stage.decoder());
            for (Networks networks : stage.precisions().values()) {
                files.add(networks.encoder());
                files.add(networks.decoder());
            }
        }
        return files;
    }

    /** What the condition encoder takes: kind (mask, sketch, depth), channels, size in pixels. */
    public record Input(String kind, int channels, int size) {
        public Input {
            require(kind != null, "input.kind is missing");
            require(channels > 0, "input.channels must be > 0");
            require(size > 0, "input.size must be > 0");
        }
    }

    public record GuidanceDefaults(double scale, String mode) {
    }

    /**
     * The network of a single-pass model: {@code network(ref [B, C, S, S][, z [B, noise...]])} returns
     * images [B, 3, resolution, resolution] in [-1, 1]; it runs in float32 whatever the worker's precision.
     *
     * @param network    the TorchScript file, relative to the model directory
     * @param resolution side of the output images in pixels
     * @param noise      the shape of one sample's standard-normal noise input (e.g. [C, h, w]); null or empty
     *                   for a network that takes the condition only
     * @param classes    the labels the network knows, in the order of its one-hot channels (documentation of
     *                   the palette it maps; the mapping is inside the network)
     */
    public record Generator(String network, int resolution, List<Integer> noise, List<LabelClass> classes) {
        public Generator {
            require(network != null && !network.isBlank(), "generator.network is missing");
            require(resolution > 0, "generator.resolution must be > 0");
            noise = noise == null ? List.of() : List.copyOf(noise);
            for (Integer side : noise) {
                require(side != null && side > 0, "generator.noise sizes must be > 0, got " + noise);
            }
            classes = classes == null ? List.of() : List.copyOf(classes);
        }

        /** Noise values per sample (0 for a network without noise). */
        public int noisePerSample() {
            int n = noise.isEmpty() ? 0 : 1;
            for (int side : noise) {
                n *= side;
            }
            return n;
        }
    }

    /** One class of a single-pass mask model: its name, COCO-Stuff id and the colour that marks it in a mask. */
    public record LabelClass(String name, int id, List<Integer> rgb) {
    }

    public record Stages(StageSpec base, StageSpec upsampler) {
    }

    /** One stage: resolution in pixels, network files, schedule and defaults. */
    public record StageSpec(
            int resolution,
            Integer lowRes,
            int inChannels,
            int outChannels,
            ScheduleSpec schedule,
            String respacing,
            boolean guided,
            Double noiseScale,
            String encoder,
            String decoder,
            Integer encoderWidth,
            Integer encoderTokens,
            Map<String, Networks> precisions) {

        public StageSpec {
            require(resolution > 0, "stage resolution must be > 0");
            require(outChannels == 6, "stage out_channels must be 6 (eps + variance), got " + outChannels);
            require(schedule != null, "stage schedule is missing");
            require(respacing != null, "stage respacing is missing");
            require(encoder != null && decoder != null, "stage encoder and decoder files are required");
            if (noiseScale == null) {
                noiseScale = 1.0;
            }
            precisions = precisions == null ? Map.of() : Map.copyOf(precisions);
        }

        /**
         * The network files of {@code precision}: {@code encoder} and {@code decoder} for fp32, the
         * entry of {@code precisions} otherwise; null when the model has none in that precision.
         */
        public Networks networks(Precision precision) {
            return precision == Precision.FP32 ? new Networks(encoder, decoder) : precisions.get(precision.label());
        }
    }

    /** The encoder and decoder files of one stage in one precision, relative to the model directory. */
    public record Networks(String encoder, String decoder) {
        public Networks {
            require(encoder != null && decoder != null, "a stage's precision needs encoder and decoder files");
        }
    }

    /** {@code kind} = cosine or linear (with beta_start and beta_end). */
    public record ScheduleSpec(String kind, int steps, Double betaStart, Double betaEnd) {

        public BetaSchedule toBetaSchedule() {
            return switch (kind) {
                case "cosine" -> new BetaSchedule.Cosine(steps);
                case "linear" -> {
                    require(betaStart != null && betaEnd != null, "linear schedule needs beta_start and beta_end");
                    yield new BetaSchedule.Linear(steps, betaStart, betaEnd);
                }
                default -> throw new IllegalArgumentException(
                        "unknown schedule kind '" + kind + "' (expected cosine or linear)");
            };
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("model.json: " + message);
        }
    }
}
