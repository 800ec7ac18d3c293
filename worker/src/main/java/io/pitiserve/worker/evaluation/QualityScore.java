package io.pitiserve.worker.evaluation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The quality of one setting's outputs over a dataset, as the tools scorer ({@code quality.score})
 * measures it: mIoU of the world classifier's reading of every output against the scene's mask
 * (intersections and unions summed over all images), and the Fréchet distance between the patch
 * statistics of the outputs and of the reference images. Not thread-safe.
 */
public final class QualityScore {

    private final PixelClassifier classifier;
    private final IouTally iou;
    private final List<PatchStatistics> outputs = new ArrayList<>();
    private final List<PatchStatistics> references = new ArrayList<>();

    public QualityScore(PixelClassifier classifier) {
        this.classifier = classifier;
        this.iou = new IouTally(classifier.ids());
    }

    /**
     * Adds one output.
     *
     * @param output    the translated image
     * @param truth     the class id of every pixel of {@code output} (row-major), or null when the
     *                  dataset has no labels (then the output counts for FD only)
     * @param reference the patch statistics of the real image of the same input
     */
    public void add(RgbImage output, int[] truth, PatchStatistics reference) {
        if (truth != null) {
            iou.add(classifier.predict(output), truth);
        }
        outputs.add(PatchStatistics.of(output));
        references.add(reference);
    }

    /** Images added so far. */
    public int images() {
        return outputs.size();
    }

    /** mIoU over the classes seen, NaN when no image had labels. */
    public double miou() {
        return iou.mean();
    }

    /** IoU by class name, NaN for classes never seen. */
    public Map<String, Double> perClass() {
        Map<String, Double> out = new LinkedHashMap<>();
        double[] values = iou.perClass();
        for (int k = 0; k < values.length; k++) {
            out.put(classifier.classes().get(k), values[k]);
        }
        return out;
    }

    /** Patch FD of the outputs against the references; NaN with fewer than 2 patches on a side. */
    public double fd() {
        PatchStatistics a = PatchStatistics.sum(outputs);
        PatchStatistics b = PatchStatistics.sum(references);
        if (a.count() < 2 || b.count() < 2) {
            return Double.NaN;
        }
        return FrechetDistance.between(a, b);
    }
}
