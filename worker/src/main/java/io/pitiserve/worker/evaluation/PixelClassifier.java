package io.pitiserve.worker.evaluation;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;

/**
 * The world classifier: per class a Gaussian (mean, full covariance) over {@link PixelFeatures},
 * fitted by the tools scorer ({@code quality.PixelClassifier}) on real world images of a seed range
 * of its own and exported by {@code piti_tools.evaluation_assets}. A pixel gets the class of the
 * highest log-likelihood plus log prior. It knows nothing of the generators or their networks, so
 * an image it reads as the scene's mask is an image that looks like the scene.
 */
public final class PixelClassifier {

    /** The bundled classifier of the demo world. */
    public static final String WORLD_RESOURCE = "/pitiserve/evaluation/world-classifier.json";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final List<String> classes;
    private final int[] ids;
    private final double[][] means;
    private final double[][][] precisions;
    private final double[] logNorm;

    private PixelClassifier(File file) {
        int k = file.ids().length;
        if (file.features() != PixelFeatures.COUNT || file.classes().size() != k || file.means().length != k
                || file.precisions().length != k || file.log_norm().length != k) {
            throw new IllegalArgumentException("classifier file: inconsistent shapes");
        }
        this.classes = List.copyOf(file.classes());
        this.ids = file.ids().clone();
        this.means = file.means();
        this.precisions = file.precisions();
        this.logNorm = file.log_norm();
    }

    /** The classifier the worker bundles ({@value #WORLD_RESOURCE}). */
    public static PixelClassifier world() {
        return Holder.WORLD;
    }

    /** Reads a classifier file as {@code piti_tools.evaluation_assets} writes it. */
    public static PixelClassifier read(InputStream json) {
        return new PixelClassifier(JSON.readValue(json, File.class));
    }

    /** The class names, in the order of {@link #ids()}. */
    public List<String> classes() {
        return classes;
    }

    /** The COCO-Stuff id of every class. */
    public int[] ids() {
        return ids.clone();
    }

    /** The COCO-Stuff id of every pixel of {@code image}, row-major. */
    public int[] predict(RgbImage image) {
        float[] features = PixelFeatures.of(image);
        int n = image.height() * image.width();
        int d = PixelFeatures.COUNT;
        int[] out = new int[n];
        double[] diff = new double[d];
        for (int p = 0; p < n; p++) {
            double best = Double.NEGATIVE_INFINITY;
            int bestClass = 0;
            for (int k = 0; k < ids.length; k++) {
                for (int i = 0; i < d; i++) {
                    diff[i] = features[p * d + i] - means[k][i];
                }
                double quadratic = 0;
                for (int i = 0; i < d; i++) {
                    double row = 0;
                    for (int j = 0; j < d; j++) {
                        row += diff[j] * precisions[k][j][i];
                    }
                    quadratic += row * diff[i];
                }
                double score = logNorm[k] - 0.5 * quadratic;
                if (score > best) { // the first of equal scores wins, as numpy's argmax
                    best = score;
                    bestClass = k;
                }
            }
            out[p] = ids[bestClass];
        }
        return out;
    }

    /** The JSON file's fields, named as the tools write them. */
    private record File(int features, List<String> classes, int[] ids, double[][] means, double[][][] precisions,
                        double[] log_norm) {
    }

    private static final class Holder {
        static final PixelClassifier WORLD = load();

        private static PixelClassifier load() {
            try (InputStream in = PixelClassifier.class.getResourceAsStream(WORLD_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + WORLD_RESOURCE);
                }
                return read(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
