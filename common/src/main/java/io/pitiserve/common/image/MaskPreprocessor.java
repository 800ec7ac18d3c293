package io.pitiserve.common.image;

import java.util.List;

import io.pitiserve.common.image.InvalidInputException.Reason;

/**
 * Prepares a COCO-Stuff segmentation mask: 3 planes holding the RGB class colour of each pixel, each
 * value {@code v} mapped to {@code v / 127.5 - 1}.
 *
 * <p>Two PNG forms are accepted:
 * <ul>
 *   <li>colour-coded (RGB, RGBA or indexed colour): every pixel must be exactly one of the
 *       {@link CocoStuffPalette} class colours or black (unlabelled), otherwise
 *       {@code unknown_palette_colour} names the first offending pixel in row-major order;</li>
 *   <li>label-id (8-bit greyscale, with or without alpha): each value is a class id 0..181, drawn in
 *       its class colour, or 255, drawn black; any other value is {@code unknown_label}.</li>
 * </ul>
 * The whole image is validated, not only the pixels the resize keeps. JPEG is refused
 * ({@code unsupported_format}): its lossy compression shifts colours off the palette. Alpha is
 * accepted only when every pixel is fully opaque; otherwise {@code transparent_pixels}.
 * The mask is then resized to {@code size x size} with Pillow's NEAREST convention (aspect ignored).
 */
public final class MaskPreprocessor extends FixedSizePreprocessor implements ConditionPreprocessor {

    private final CocoStuffPalette palette = CocoStuffPalette.standard();

    public MaskPreprocessor(InputLimits limits, int size) {
        super(limits, size);
    }

    @Override
    public ConditionImage prepare(byte[] file) {
        DecodedImage image = decodeOpaque(file);
        boolean labelIds = holdsLabelIds(image);
        int width = image.width();
        int height = image.height();
        int size = size();
        int[] xs = NearestResize.sourceIndices(width, size);
        int[] ys = NearestResize.sourceIndices(height, size);
        int plane = size * size;
        float[] out = new float[3 * plane];
        int[] row = new int[width];
        int[] rgbRow = new int[width];
        int nextOutputRow = 0;
        for (int y = 0; y < height; y++) {
            image.readRow(y, row);
            if (labelIds) {
                labelsToColours(row, y, rgbRow);
            } else {
                requirePaletteColours(row, y, rgbRow);
            }
            // ys is non-decreasing, so the output rows that take source row y are consecutive.
            while (nextOutputRow < size && ys[nextOutputRow] == y) {
                int base = nextOutputRow * size;
                for (int x = 0; x < size; x++) {
                    int rgb = rgbRow[xs[x]];
                    out[base + x] = Samples.unit((rgb >>> 16) & 0xff);
                    out[plane + base + x] = Samples.unit((rgb >>> 8) & 0xff);
                    out[2 * plane + base + x] = Samples.unit(rgb & 0xff);
                }
                nextOutputRow++;
            }
        }
        return new ConditionImage(out, 3, size, List.of());
    }

    /** Every check of {@link #prepare} (header, opacity, each pixel's colour or label), no resize. */
    @Override
    public void validate(byte[] file) {
        DecodedImage image = decodeOpaque(file);
        boolean labelIds = holdsLabelIds(image);
        int[] row = new int[image.width()];
        int[] rgbRow = new int[image.width()];
        for (int y = 0; y < image.height(); y++) {
            image.readRow(y, row);
            if (labelIds) {
                labelsToColours(row, y, rgbRow);
            } else {
                requirePaletteColours(row, y, rgbRow);
            }
        }
    }

    private DecodedImage decodeOpaque(byte[] file) {
        DecodedImage image = DecodedImage.decode(file, limits(), MaskPreprocessor::requireMaskHeader);
        image.requireOpaque();
        return image;
    }

    /** An 8-bit greyscale mask holds class ids; every other layout holds class colours. */
    private static boolean holdsLabelIds(DecodedImage image) {
        return image.header().layout() == PixelLayout.GREY || image.header().layout() == PixelLayout.GREY_ALPHA;
    }

    private static void requireMaskHeader(ImageHeader header) {
        if (header.format() == ImageFormat.JPEG) {
            throw new InvalidInputException(Reason.UNSUPPORTED_FORMAT, "a mask must be a PNG, not a JPEG: JPEG"
                    + " compression changes colours, so they no longer match the COCO-Stuff palette");
        }
        boolean grey = header.layout() == PixelLayout.GREY || header.layout() == PixelLayout.GREY_ALPHA;
        if (grey && header.bitsPerSample() != 8) {
            throw new InvalidInputException(Reason.UNSUPPORTED_IMAGE_TYPE, "a greyscale mask is read as label ids"
                    + " and must have 8 bits per pixel; this PNG has " + header.bitsPerSample());
        }
    }

    private void labelsToColours(int[] row, int y, int[] rgbRow) {
        for (int x = 0; x < row.length; x++) {
            int label = row[x] & 0xff;
            if (label >= CocoStuffPalette.CLASS_COUNT && label != CocoStuffPalette.UNLABELLED) {
                throw new InvalidInputException(Reason.UNKNOWN_LABEL, "pixel (" + x + ", " + y + ") of the label-id"
                        + " mask has value " + label + "; values must be class ids 0.."
                        + (CocoStuffPalette.CLASS_COUNT - 1) + " or 255 (unlabelled)");
            }
            rgbRow[x] = palette.rgbOf(label);
        }
    }

    private void requirePaletteColours(int[] row, int y, int[] rgbRow) {
        // Masks are mostly long runs of one colour: remember the last colour found in the palette.
        int lastGood = -1;
        for (int x = 0; x < row.length; x++) {
            int rgb = row[x] & 0xffffff;
            if (rgb != lastGood) {
                if (!palette.contains(rgb)) {
                    throw unknownColour(x, y, rgb);
                }
                lastGood = rgb;
            }
            rgbRow[x] = rgb;
        }
    }

    private InvalidInputException unknownColour(int x, int y, int rgb) {
        int nearestLabel = 0;
        long nearestDistance = Long.MAX_VALUE;
        for (int label = 0; label < CocoStuffPalette.CLASS_COUNT; label++) {
            long d = squaredDistance(rgb, palette.rgbOf(label));
            if (d < nearestDistance) {
                nearestDistance = d;
                nearestLabel = label;
            }
        }
        String hint = squaredDistance(rgb, CocoStuffPalette.UNLABELLED_RGB) < nearestDistance
                ? "black (unlabelled)"
                : rgbText(palette.rgbOf(nearestLabel)) + " (" + palette.nameOf(nearestLabel) + ")";
        return new InvalidInputException(Reason.UNKNOWN_PALETTE_COLOUR, "pixel (" + x + ", " + y
                + ") has colour RGB " + rgbText(rgb) + ", which is neither a COCO-Stuff class colour nor black"
                + " (unlabelled); the nearest allowed colour is " + hint + ". Masks must be drawn without"
                + " anti-aliasing or blending, and saved losslessly");
    }

    private static long squaredDistance(int a, int b) {
        long dr = ((a >>> 16) & 0xff) - ((b >>> 16) & 0xff);
        long dg = ((a >>> 8) & 0xff) - ((b >>> 8) & 0xff);
        long db = (a & 0xff) - (b & 0xff);
        return dr * dr + dg * dg + db * db;
    }

    private static String rgbText(int rgb) {
        return "(" + ((rgb >>> 16) & 0xff) + ", " + ((rgb >>> 8) & 0xff) + ", " + (rgb & 0xff) + ")";
    }

    @Override
    public InputKind kind() {
        return InputKind.MASK;
    }
}
