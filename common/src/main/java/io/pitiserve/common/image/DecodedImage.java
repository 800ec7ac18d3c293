package io.pitiserve.common.image;

import io.pitiserve.common.image.InvalidInputException.Reason;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Iterator;
import java.util.Objects;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * A validated, decoded 8-bit image whose pixels are read as raw, unmanaged samples.
 *
 * <p>Raw means what the file stores: no gamma, ICC or colour-space conversion, which is what the
 * training pipeline's Pillow loader does too. {@link BufferedImage#getRGB} would convert grey images
 * through a linear colour space, so pixels are always read from the raster.
 */
final class DecodedImage {

    private final ImageHeader header;
    private final Raster raster;
    private final int bands;
    /** ARGB of each palette index, or null when the image is not indexed. */
    private final int[] palette;
    private final boolean hasAlpha;
    private final int[] sampleRow;
    /** The raster's bytes when its samples are interleaved bytes (what the PNG decoder makes), else null. */
    private final byte[] interleaved;
    private final int pixelStride;
    private final int scanlineStride;
    private final int[] bandOffsets;

    private DecodedImage(ImageHeader header, BufferedImage image) {
        this.header = header;
        this.raster = image.getRaster();
        this.bands = raster.getNumBands();
        ColorModel colourModel = image.getColorModel();
        if (colourModel instanceof IndexColorModel indexed) {
            palette = new int[indexed.getMapSize()];
            indexed.getRGBs(palette);
            hasAlpha = indexed.getTransparency() != java.awt.Transparency.OPAQUE;
        } else {
            palette = null;
            hasAlpha = colourModel.hasAlpha();
            for (int b = 0; b < bands; b++) {
                if (raster.getSampleModel().getSampleSize(b) != 8) {
                    throw new InvalidInputException(Reason.UNSUPPORTED_IMAGE_TYPE, "the image has "
                            + raster.getSampleModel().getSampleSize(b) + "-bit samples; only 8-bit images are accepted");
                }
            }
            if (bands < 1 || bands > 4) {
                throw new InvalidInputException(Reason.UNSUPPORTED_IMAGE_TYPE,
                        "the image decodes to " + bands + " channels; 1 to 4 are accepted");
            }
        }
        this.sampleRow = new int[raster.getWidth() * bands];
        if (raster.getSampleModel() instanceof PixelInterleavedSampleModel model
                && raster.getDataBuffer() instanceof DataBufferByte buffer && buffer.getNumBanks() == 1
                && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0
                && model.getNumBands() == bands) {
            this.interleaved = buffer.getData();
            this.pixelStride = model.getPixelStride();
            this.scanlineStride = model.getScanlineStride();
            this.bandOffsets = model.getBandOffsets();
            for (int b = 0; b < bands; b++) {
                bandOffsets[b] += buffer.getOffset();
            }
        } else {
            this.interleaved = null;
            this.pixelStride = 0;
            this.scanlineStride = 0;
            this.bandOffsets = null;
        }
    }

    /** The samples of row {@code y}, {@code bands} per pixel, as {@link Raster#getPixels} gives them. */
    private int[] samples(int y) {
        int w = raster.getWidth();
        if (interleaved == null) {
            return raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, sampleRow);
        }
        int rowStart = y * scanlineStride;
        for (int b = 0; b < bands; b++) {
            int at = rowStart + bandOffsets[b];
            for (int x = 0, i = b; x < w; x++, i += bands, at += pixelStride) {
                sampleRow[i] = interleaved[at] & 0xff;
            }
        }
        return sampleRow;
    }

    /**
     * Checks size, header and limits, lets {@code headerCheck} refuse the header, then decodes
     * {@code file}; every refusal is an {@link InvalidInputException}.
     */
    static DecodedImage decode(byte[] file, InputLimits limits, Consumer<ImageHeader> headerCheck) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(limits, "limits");
        limits.checkFileSize(file.length);
        ImageHeader header = ImageHeader.read(file);
        limits.checkDimensions(header);
        requireDecodable(header);
        headerCheck.accept(header);
        BufferedImage image = readPixels(file, header);
        if (image.getWidth() != header.width() || image.getHeight() != header.height()) {
            throw new InvalidInputException(Reason.CORRUPT_IMAGE, "the image decodes to " + image.getWidth() + " x "
                    + image.getHeight() + " pixels but its header declares " + header.width() + " x "
                    + header.height());
        }
        return new DecodedImage(header, image);
    }

    private static void requireDecodable(ImageHeader header) {
        if (header.bitsPerSample() == 16) {
            throw new InvalidInputException(Reason.UNSUPPORTED_IMAGE_TYPE,
                    "the " + header.format() + " has 16-bit samples; save it with 8 bits per sample");
        }
        if (header.format() == ImageFormat.JPEG && header.bitsPerSample() != 8) {
            throw new InvalidInputException(Reason.UNSUPPORTED_IMAGE_TYPE,
                    "the JPEG has " + header.bitsPerSample() + "-bit precision; only 8-bit JPEGs are accepted");
        }
        if (header.layout() == PixelLayout.CMYK) {
            throw new InvalidInputException(Reason.UNSUPPORTED_IMAGE_TYPE,
                    "the JPEG is CMYK (4 components); save it as an RGB or greyscale JPEG, or better a PNG");
        }
    }

    private static BufferedImage readPixels(byte[] file, ImageHeader header) {
        String formatName = header.format() == ImageFormat.PNG ? "png" : "jpeg";
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(formatName);
        if (!readers.hasNext()) {
            throw new IllegalStateException("this JVM has no ImageIO reader for " + formatName);
        }
        ImageReader reader = readers.next();
        // The JPEG reader reports a truncated file only as a warning and fills the rest with grey.
        String[] warning = new String[1];
        IIOReadWarningListener warnings = (source, message) -> {
            if (warning[0] == null) {
                warning[0] = message;
            }
        };
        reader.addIIOReadWarningListener(warnings);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(file))) {
            reader.setInput(in, true, true);
            BufferedImage image = reader.read(0);
            if (warning[0] != null) {
                throw new InvalidInputException(warningReason(warning[0]), "the " + header.format()
                        + " image data cannot be fully decoded: " + warning[0]);
            }
            return image;
        } catch (InvalidInputException e) {
            throw e;
        } catch (IOException e) {
            Reason reason = hasCause(e, EOFException.class) ? Reason.TRUNCATED_IMAGE : Reason.CORRUPT_IMAGE;
            String what = reason == Reason.TRUNCATED_IMAGE ? "ends before its image data is complete"
                    : "has image data that cannot be decoded";
            throw new InvalidInputException(reason, "the " + header.format() + " file (" + file.length + " bytes) "
                    + what + ": " + describe(e), e);
        } catch (RuntimeException e) {
            // ImageIO's decoders throw unchecked exceptions on some malformed streams.
            throw new InvalidInputException(Reason.CORRUPT_IMAGE, "the " + header.format()
                    + " image data cannot be decoded: " + describe(e), e);
        } finally {
            reader.dispose();
        }
    }

    private static Reason warningReason(String warning) {
        String lower = warning.toLowerCase(java.util.Locale.ROOT);
        return lower.contains("premature end") || lower.contains("truncat") ? Reason.TRUNCATED_IMAGE
                : Reason.CORRUPT_IMAGE;
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        if (root != e && root.getMessage() != null) {
            message += " (" + root.getMessage() + ")";
        }
        return message;
    }

    ImageHeader header() {
        return header;
    }

    int width() {
        return raster.getWidth();
    }

    int height() {
        return raster.getHeight();
    }

    /**
     * Fills {@code argb} with row {@code y} as packed 0xAARRGGBB raw samples (grey v becomes v,v,v;
     * an image without alpha has alpha 255).
     */
    void readRow(int y, int[] argb) {
        int w = raster.getWidth();
        int[] s = samples(y);
        if (palette != null) {
            for (int x = 0; x < w; x++) {
                int index = s[x];
                if (index >= palette.length) {
                    throw new InvalidInputException(Reason.CORRUPT_IMAGE, "pixel (" + x + ", " + y
                            + ") uses palette entry " + index + " but the palette has only " + palette.length);
                }
                argb[x] = palette[index];
            }
            return;
        }
        switch (bands) {
            case 1 -> {
                for (int x = 0; x < w; x++) {
                    argb[x] = 0xff000000 | s[x] * 0x010101;
                }
            }
            case 2 -> {
                for (int x = 0, i = 0; x < w; x++, i += 2) {
                    argb[x] = s[i + 1] << 24 | s[i] * 0x010101;
                }
            }
            case 3 -> {
                for (int x = 0, i = 0; x < w; x++, i += 3) {
                    argb[x] = 0xff000000 | s[i] << 16 | s[i + 1] << 8 | s[i + 2];
                }
            }
            default -> {
                for (int x = 0, i = 0; x < w; x++, i += 4) {
                    argb[x] = s[i + 3] << 24 | s[i] << 16 | s[i + 1] << 8 | s[i + 2];
                }
            }
        }
    }

    /**
     * Refuses the image if any pixel is not fully opaque, naming the first one in row-major order.
     *
     * <p>Why refuse rather than ignore alpha: the colour under a transparent pixel is invisible to the
     * client who drew it (a sketch on a transparent canvas is usually black strokes on transparent
     * black), so any reading of it would be a guess.
     */
    void requireOpaque() {
        if (!hasAlpha) {
            return;
        }
        int[] row = new int[width()];
        for (int y = 0; y < height(); y++) {
            readRow(y, row);
            for (int x = 0; x < row.length; x++) {
                int alpha = row[x] >>> 24;
                if (alpha != 255) {
                    throw new InvalidInputException(Reason.TRANSPARENT_PIXELS, "pixel (" + x + ", " + y
                            + ") has alpha " + alpha + "; every pixel must be fully opaque (alpha 255): flatten"
                            + " the image onto its background before sending it");
                }
            }
        }
    }
}
