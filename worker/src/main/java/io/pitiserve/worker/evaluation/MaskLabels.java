package io.pitiserve.worker.evaluation;

import io.pitiserve.common.image.CocoStuffPalette;

/** The class ids a colour-coded mask draws, the truth of mIoU. */
public final class MaskLabels {

    private MaskLabels() {
    }

    /**
     * The COCO-Stuff id of every pixel of {@code mask} at {@code size x size} (nearest resize, the
     * source pixel {@code floor((d + 0.5) * src / dst)}), row-major; a colour outside the palette
     * reads as unlabelled (255), which no class matches.
     */
    public static int[] of(RgbImage mask, int size) {
        CocoStuffPalette palette = CocoStuffPalette.standard();
        int[] out = new int[size * size];
        for (int y = 0; y < size; y++) {
            int sy = source(y, mask.height(), size);
            for (int x = 0; x < size; x++) {
                int label = palette.labelOf(mask.packed(sy, source(x, mask.width(), size)));
                out[y * size + x] = label < 0 ? CocoStuffPalette.UNLABELLED : label;
            }
        }
        return out;
    }

    private static int source(int d, int src, int dst) {
        return Math.min((int) Math.floor((d + 0.5) * src / dst), src - 1);
    }
}
