package io.pitiserve.common.image;

/**
 * Bounds on a client's input file, checked from the file size and the image header before any pixel
 * is decoded, so that a small file declaring a huge image (a decompression bomb) costs nothing.
 *
 * @param maxBytes  largest accepted file, in bytes
 * @param maxWidth  widest accepted image, in pixels
 * @param maxHeight tallest accepted image, in pixels
 * @param maxPixels largest accepted width x height, in pixels
 */
public record InputLimits(long maxBytes, int maxWidth, int maxHeight, long maxPixels) {

    /** 8 MiB, 4096 x 4096 pixels. */
    public static final InputLimits DEFAULT = new InputLimits(8L * 1024 * 1024, 4096, 4096, 4096L * 4096);

    public InputLimits {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
        }
        if (maxWidth <= 0 || maxHeight <= 0) {
            throw new IllegalArgumentException(
                    "maxWidth and maxHeight must be positive, were " + maxWidth + " x " + maxHeight);
        }
        if (maxPixels <= 0) {
            throw new IllegalArgumentException("maxPixels must be positive, was " + maxPixels);
        }
        // Decoding allocates width * height samples per band in one Java array.
        if (maxPixels > Integer.MAX_VALUE / 4) {
            throw new IllegalArgumentException(
                    "maxPixels must be at most " + Integer.MAX_VALUE / 4 + ", was " + maxPixels);
        }
    }

    /** Refuses {@code fileSize} bytes if over {@link #maxBytes()}, and empty input. */
    public void checkFileSize(long fileSize) {
        if (fileSize == 0) {
            throw new InvalidInputException(InvalidInputException.Reason.EMPTY_INPUT, "the input file is empty (0 bytes)");
        }
        if (fileSize > maxBytes) {
            throw new InvalidInputException(InvalidInputException.Reason.INPUT_TOO_LARGE,
                    "the input file is " + fileSize + " bytes; the limit is " + maxBytes + " bytes");
        }
    }

    /** Refuses declared dimensions over the limits. */
    public void checkDimensions(ImageHeader header) {
        long pixels = (long) header.width() * header.height();
        if (header.width() > maxWidth || header.height() > maxHeight || pixels > maxPixels) {
            throw new InvalidInputException(InvalidInputException.Reason.DIMENSIONS_TOO_LARGE,
                    "the " + header.format() + " header declares " + header.width() + " x " + header.height()
                            + " pixels; the limit is " + maxWidth + " x " + maxHeight + " and " + maxPixels
                            + " pixels in all");
        }
    }
}
