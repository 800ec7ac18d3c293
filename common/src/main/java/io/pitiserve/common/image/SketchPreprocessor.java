package io.pitiserve.common.image;

import java.util.List;

import io.pitiserve.common.image.InvalidInputException.Reason;

/**
 * Prepares an edge sketch: 1 plane holding, for each pixel, its city-block distance to the nearest edge
 * pixel, clipped to 0..255 and mapped by {@code d / 127.5 - 1} (edges are -1, far areas +1).
 *
 * <p>Steps, in the training pipeline's order and arithmetic: PNG or JPEG (fully opaque; otherwise
 * {@code transparent_pixels}) is converted to grey the way Pillow's {@code convert("L")} does, resized
 * to {@code size x size} with Pillow's NEAREST convention (aspect ignored); edge pixels are those whose
 * grey value is exactly 255. Sketches are expected white on black. When more than half of the resized
 * pixels are bright (grey at least 128) the sketch is taken to be black on white: every value becomes
 * {@code 255 - v}, so exactly black strokes become the edges, and the note
 * {@link ConditionImage#SKETCH_INVERTED} is added. A sketch with no edge pixel after the resize is
 * refused ({@code empty_sketch}): it would be exactly the unconditional input and the client's drawing
 * would be silently ignored.
 *
 * <p>JPEG decoding is the JDK's libjpeg port; it may differ by one grey level from other decoders on a
 * few pixels, which matters only for edges (exactly 255). PNG sketches are decoded exactly.
 */
public final class SketchPreprocessor extends FixedSizePreprocessor implements ConditionPreprocessor {

    /** Grey level from which a pixel counts as bright when guessing the polarity of a sketch. */
    private static final int BRIGHT = 128;
    private static final int EDGE = 255;
    private static final int MAX_DISTANCE = 255;

    public SketchPreprocessor(InputLimits limits, int size) {
        super(limits, size);
    }

    @Override
    public ConditionImage prepare(byte[] file) {
        DecodedImage image = DecodedImage.decode(file, limits(), header -> { });
        image.requireOpaque();
        int[] grey = resizedGrey(image);
        int bright = 0;
        for (int v : grey) {
            if (v >= BRIGHT) {
                bright++;
            }
        }
        boolean inverted = 2L * bright > grey.length;
        boolean[] edge = new boolean[grey.length];
        boolean anyEdge = false;
        for (int i = 0; i < grey.length; i++) {
            int v = inverted ? 255 - grey[i] : grey[i];
            edge[i] = v == EDGE;
            anyEdge |= edge[i];
        }
        if (!anyEdge) {
            throw new InvalidInputException(Reason.EMPTY_SKETCH, emptySketchMessage(image, inverted));
        }
        int[] distance = CityBlockDistance.transform(edge, size(), size());
        float[] out = new float[distance.length];
        for (int i = 0; i < distance.length; i++) {
            out[i] = Samples.unit(Math.min(distance[i], MAX_DISTANCE));
        }
        return new ConditionImage(out, 1, size(), inverted ? List.of(ConditionImage.SKETCH_INVERTED) : List.of());
    }

    private int[] resizedGrey(DecodedImage image) {
        int size = size();
        int[] xs = NearestResize.sourceIndices(image.width(), size);
        int[] grey = new int[size * size];
        forEachResizedRow(image, (row, y) -> {
            for (int x = 0; x < size; x++) {
                grey[y * size + x] = Samples.luma(row[xs[x]]);
            }
        });
        return grey;
    }

    private String emptySketchMessage(DecodedImage image, boolean inverted) {
        String rule = inverted
                ? "it looked black on white (most pixels bright), so it was inverted, and edges are then the"
                        + " pixels that are exactly black (grey 0)"
                : "edges are the pixels that are exactly white (grey 255) on a dark background";
        return "the sketch has no edge pixel after resizing from " + image.width() + " x " + image.height() + " to "
                + size() + " x " + size() + ": " + rule + ". Draw edges as pure white on black (or pure black on"
                + " white), at least as thick as the resize factor";
    }

    @Override
    public InputKind kind() {
        return InputKind.SKETCH;
    }
}
