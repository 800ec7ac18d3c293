package io.pitiserve.common.image;

import java.util.List;

import io.pitiserve.common.image.InvalidInputException.Reason;

/**
 * Prepares a depth condition: 6 planes, the RGB of a surface-normal map followed by the RGB of a
 * jet-coloured log-depth map, each value {@code v} mapped by {@code v / 127.5 - 1}.
 *
 * <p>Input form: ONE PNG or JPEG (fully opaque; otherwise {@code transparent_pixels}) holding the two
 * maps side by side, normal map in the left half and coloured depth in the right half, both the
 * same size; the file is normally twice as wide as high. Its width must be even
 * ({@code invalid_depth_layout} otherwise). Each half is resized on its own to {@code size x size}
 * with Pillow's NEAREST convention, aspect ignored. There is no released PITI depth checkpoint; this
 * layout is piti-serve's own contract.
 */
public final class DepthPreprocessor extends FixedSizePreprocessor implements ConditionPreprocessor {

    public DepthPreprocessor(InputLimits limits, int size) {
        super(limits, size);
    }

    @Override
    public ConditionImage prepare(byte[] file) {
        DecodedImage image = DecodedImage.decode(file, limits(), DepthPreprocessor::requireSideBySide);
        image.requireOpaque();
        int size = size();
        int half = image.width() / 2;
        int[] xs = NearestResize.sourceIndices(half, size);
        int plane = size * size;
        float[] out = new float[6 * plane];
        forEachResizedRow(image, (row, y) -> {
            for (int x = 0; x < size; x++) {
                int i = y * size + x;
                int normal = row[xs[x]];
                int depth = row[half + xs[x]];
                out[i] = Samples.unit((normal >>> 16) & 0xff);
                out[plane + i] = Samples.unit((normal >>> 8) & 0xff);
                out[2 * plane + i] = Samples.unit(normal & 0xff);
                out[3 * plane + i] = Samples.unit((depth >>> 16) & 0xff);
                out[4 * plane + i] = Samples.unit((depth >>> 8) & 0xff);
                out[5 * plane + i] = Samples.unit(depth & 0xff);
            }
        });
        return new ConditionImage(out, 6, size, List.of());
    }

    private static void requireSideBySide(ImageHeader header) {
        if (header.width() % 2 != 0) {
            throw new InvalidInputException(Reason.INVALID_DEPTH_LAYOUT, "a depth input is a normal map (left half)"
                    + " and a coloured depth map (right half) side by side, so its width must be even; this one is "
                    + header.width() + " x " + header.height() + " pixels");
        }
    }

    @Override
    public InputKind kind() {
        return InputKind.DEPTH;
    }
}
