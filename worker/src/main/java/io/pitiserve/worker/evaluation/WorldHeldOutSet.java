package io.pitiserve.worker.evaluation;

import io.pitiserve.common.events.EvaluationSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bundled held-out set of the demo world ({@value EvaluationSpec#WORLD_HELDOUT}): scenes of seeds
 * from {@code world.HELD_OUT_FROM} on, never seen in training nor by the classifier, written by
 * {@code piti_tools.evaluation_assets}. Per scene: the colour-coded mask (a mask model's input and
 * the truth of mIoU), the sketch (a sketch model's input) and the sums of the reference render's
 * patch statistics (what FD compares against; the renders themselves stay out of the jar).
 */
public final class WorldHeldOutSet {

    static final String FOLDER = "/pitiserve/evaluation/world-heldout/";

    /** One scene. */
    public record Scene(String name, long seed, byte[] maskPng, byte[] sketchPng, PatchStatistics reference) {

        /** The input of a model of {@code task} (mask or sketch). */
        public byte[] input(String task) {
            return switch (task) {
                case "mask" -> maskPng;
                case "sketch" -> sketchPng;
                default -> throw new IllegalArgumentException("the bundled world set has mask and sketch inputs;"
                        + " a model of task '" + task + "' cannot be evaluated on it");
            };
        }
    }

    private WorldHeldOutSet() {
    }

    /** Every scene, in seed order. */
    public static List<Scene> scenes() {
        return Holder.SCENES;
    }

    private static final class Holder {
        static final List<Scene> SCENES = load();

        private static List<Scene> load() {
            JsonNode index = JsonMapper.builder().build().readTree(resource("index.json"));
            List<Scene> scenes = new ArrayList<>();
            for (JsonNode s : index.get("scenes")) {
                scenes.add(new Scene(s.get("name").stringValue(), s.get("seed").longValue(),
                        resource(s.get("mask").stringValue()), resource(s.get("sketch").stringValue()),
                        statistics(s.get("reference_patches"))));
            }
            if (scenes.size() != EvaluationSpec.WORLD_HELDOUT_IMAGES) {
                throw new IllegalStateException("the bundled world set has " + scenes.size() + " scenes; the"
                        + " gateway counts " + EvaluationSpec.WORLD_HELDOUT_IMAGES);
            }
            return List.copyOf(scenes);
        }

        private static byte[] resource(String name) {
            try (InputStream in = WorldHeldOutSet.class.getResourceAsStream(FOLDER + name)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + FOLDER + name);
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Patch statistics as {@code evaluation_assets.patch_sums} writes them. */
    static PatchStatistics statistics(JsonNode sums) {
        int d = PatchFeatures.COUNT;
        double[] sum = new double[d];
        double[][] outer = new double[d][d];
        for (int i = 0; i < d; i++) {
            sum[i] = sums.get("sum").get(i).doubleValue();
            for (int j = 0; j < d; j++) {
                outer[i][j] = sums.get("outer").get(i).get(j).doubleValue();
            }
        }
        return new PatchStatistics(sums.get("count").longValue(), sum, outer);
    }
}
