package io.pitiserve.common.image;

import io.pitiserve.common.image.InvalidInputException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * Format, pixel dimensions and pixel layout of a PNG or JPEG file, read from its header alone.
 *
 * <p>Reading the header costs a few bytes and no allocation proportional to the image, so it runs
 * before any decoding: a small file that declares 100000 x 100000 pixels is refused by
 * {@link InputLimits#checkDimensions(ImageHeader)} without being inflated. For PNG the IHDR chunk is
 * read (and its CRC checked); for JPEG the marker segments are walked up to the first SOFn frame header.
 *
 * @param format        PNG or JPEG
 * @param width         pixels, at least 1
 * @param height        pixels, at least 1
 * @param bitsPerSample bits of one sample (PNG bit depth: 1, 2, 4, 8 or 16; JPEG sample precision)
 * @param layout        what a pixel is made of
 */
public record ImageHeader(ImageFormat format, int width, int height, int bitsPerSample, PixelLayout layout) {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final byte[] JPEG_SOI = {(byte) 0xff, (byte) 0xd8};
    /** Signature (8) + IHDR length and type (8) + IHDR data (13) + CRC (4). */
    private static final int PNG_HEADER_BYTES = 33;

    public ImageHeader {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(layout, "layout");
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("width and height must be positive, were " + width + " x " + height);
        }
        if (bitsPerSample < 1 || bitsPerSample > 16) {
            throw new IllegalArgumentException("bitsPerSample must be in 1..16, was " + bitsPerSample);
        }
    }

    /**
     * Reads the header of {@code file}.
     *
     * @throws InvalidInputException {@code empty_input}, {@code unsupported_format} (not PNG or JPEG; the
     *                               message names the format when it is a well-known one),
     *                               {@code truncated_image} (the file ends inside the header) or
     *                               {@code corrupt_image} (inconsistent header fields)
     */
    public static ImageHeader read(byte[] file) {
        Objects.requireNonNull(file, "file");
        if (file.length == 0) {
            throw new InvalidInputException(Reason.EMPTY_INPUT, "the input file is empty (0 bytes)");
        }
        if (startsWith(file, PNG_SIGNATURE)) {
            return readPng(file);
        }
        if (startsWith(file, JPEG_SOI)) {
            return readJpeg(file);
        }
        if (isPrefixOf(file, PNG_SIGNATURE) || isPrefixOf(file, JPEG_SOI)) {
            throw new InvalidInputException(Reason.TRUNCATED_IMAGE,
                    "the input is only " + file.length + " bytes long and ends inside the image signature");
        }
        String known = knownOtherFormat(file);
        throw new InvalidInputException(Reason.UNSUPPORTED_FORMAT, known != null
                ? "the input is a " + known + " image; only PNG and JPEG are accepted"
                : "the input is not a PNG or JPEG image (it starts with bytes " + hexPrefix(file) + ")");
    }

    private static ImageHeader readPng(byte[] file) {
        if (file.length < PNG_HEADER_BYTES) {
            throw new InvalidInputException(Reason.TRUNCATED_IMAGE, "the PNG file is only " + file.length
                    + " bytes long; its IHDR header alone needs " + PNG_HEADER_BYTES);
        }
        long chunkLength = u32(file, 8);
        String chunkType = new String(file, 12, 4, StandardCharsets.ISO_8859_1);
        if (chunkLength != 13 || !chunkType.equals("IHDR")) {
            throw new InvalidInputException(Reason.CORRUPT_IMAGE,
                    "the PNG file does not start with a 13-byte IHDR chunk (found '" + printable(chunkType)
                            + "' of " + chunkLength + " bytes)");
        }
        CRC32 crc = new CRC32();
        crc.update(file, 12, 17);
        if (crc.getValue() != u32(file, 29)) {
            throw new InvalidInputException(Reason.CORRUPT_IMAGE, "the PNG IHDR chunk fails its CRC check");
        }
        long width = u32(file, 16);
        long height = u32(file, 20);
        int bitDepth = file[24] & 0xff;
        int colourType = file[25] & 0xff;
        if (width == 0 || height == 0 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            throw new InvalidInputException(Reason.CORRUPT_IMAGE,
                    "the PNG header declares " + width + " x " + height + " pixels, which PNG does not allow");
        }
        PixelLayout layout = switch (colourType) {
            case 0 -> PixelLayout.GREY;
            case 2 -> PixelLayout.RGB;
            case 3 -> PixelLayout.INDEXED;
            case 4 -> PixelLayout.GREY_ALPHA;
            case 6 -> PixelLayout.RGB_ALPHA;
            default -> throw new InvalidInputException(Reason.CORRUPT_IMAGE,
                    "the PNG header declares colour type " + colourType + ", which PNG does not define");
        };
        boolean depthAllowed = switch (layout) {
            case GREY -> bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8 || bitDepth == 16;
            case INDEXED -> bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8;
            default -> bitDepth == 8 || bitDepth == 16;
        };
        if (!depthAllowed) {
            throw new InvalidInputException(Reason.CORRUPT_IMAGE, "the PNG header declares bit depth " + bitDepth
                    + " with colour type " + colourType + ", which PNG does not allow");
        }
        return new ImageHeader(ImageFormat.PNG, (int) width, (int) height, bitDepth, layout);
    }

    private static ImageHeader readJpeg(byte[] file) {
        int pos = 2;
        while (true) {
            if (pos >= file.length) {
                throw new InvalidInputException(Reason.TRUNCATED_IMAGE,
                        "the JPEG file ends after " + file.length + " bytes, before its frame header (SOFn)");
            }
            if ((file[pos] & 0xff) != 0xff) {
                throw new InvalidInputException(Reason.CORRUPT_IMAGE,
                        "the JPEG file has no segment marker at byte offset " + pos);
            }
            // Any number of 0xFF fill bytes may precede a marker code.
            while (pos < file.length && (file[pos] & 0xff) == 0xff) {
                pos++;
            }
            if (pos >= file.length) {
                continue;
            }
            int marker = file[pos] & 0xff;
            pos++;
            if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
                continue; // TEM and RSTn stand alone, without a length.
            }
            if (marker == 0xd8 || marker == 0xd9 || marker == 0xda || marker == 0x00) {
                throw new InvalidInputException(Reason.CORRUPT_IMAGE, String.format(
                        "the JPEG file has marker 0xFF%02X at byte offset %d before any frame header (SOFn)",
                        marker, pos - 2));
            }
            if (pos + 2 > file.length) {
                throw new InvalidInputException(Reason.TRUNCATED_IMAGE,
                        "the JPEG file ends inside a segment header at byte offset " + pos);
            }
            int length = u16(file, pos);
            if (length < 2) {
                throw new InvalidInputException(Reason.CORRUPT_IMAGE,
                        "the JPEG segment at byte offset " + pos + " declares an impossible length " + length);
            }
            if (isStartOfFrame(marker)) {
                return frameHeader(file, pos, length, marker);
            }
            pos += length;
        }
    }

    private static ImageHeader frameHeader(byte[] file, int pos, int length, int marker) {
        if (length < 8) {
            throw new InvalidInputException(Reason.CORRUPT_IMAGE,
                    "the JPEG frame header at byte offset " + pos + " is only " + length + " bytes long");
        }
        if (pos + 8 > file.length) {
            throw new InvalidInputException(Reason.TRUNCATED_IMAGE,
                    "the JPEG file ends inside its frame header at byte offset " + pos);
        }
        int precision = file[pos + 2] & 0xff;
        int height = u16(file, pos + 3);
        int width = u16(file, pos + 5);
        int components = file[pos + 7] & 0xff;
        if (marker != 0xc0 && marker != 0xc1 && marker != 0xc2) {
            throw new InvalidInputException(Reason.UNSUPPORTED_IMAGE_TYPE, String.format(
                    "the JPEG uses coding process SOF%d (lossless, hierarchical or arithmetic-coded); only"
                            + " baseline, extended and progressive Huffman JPEGs are accepted", marker - 0xc0));
        }
        if (height == 0) {
            // Height 0 defers the real height to a DNL marker after the first scan; we refuse to scan for it.
            throw new InvalidInputException(Reason.UNSUPPORTED_IMAGE_TYPE,
                    "the JPEG frame header declares height 0 (height given later by a DNL marker)");
        }
        if (width == 0 || precision < 1 || precision > 16) {
            throw new InvalidInputException(Reason.CORRUPT_IMAGE, "the JPEG frame header declares " + width + " x "
                    + height + " pixels of " + precision + "-bit precision");
        }
        PixelLayout layout = switch (components) {
            case 1 -> PixelLayout.GREY;
            case 3 -> PixelLayout.RGB;
            case 4 -> PixelLayout.CMYK;
            default -> throw new InvalidInputException(Reason.UNSUPPORTED_IMAGE_TYPE,
                    "the JPEG has " + components + " colour components; 1 (grey) or 3 (colour) are accepted");
        };
        return new ImageHeader(ImageFormat.JPEG, width, height, precision, layout);
    }

    private static boolean isStartOfFrame(int marker) {
        // C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frame headers.
        return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
    }

    private static String knownOtherFormat(byte[] f) {
        if (startsWith(f, "GIF87a".getBytes(StandardCharsets.US_ASCII))
                || startsWith(f, "GIF89a".getBytes(StandardCharsets.US_ASCII))) {
            return "GIF";
        }
        if (f.length >= 12 && startsWith(f, "RIFF".getBytes(StandardCharsets.US_ASCII))
                && new String(f, 8, 4, StandardCharsets.ISO_8859_1).equals("WEBP")) {
            return "WebP";
        }
        if (startsWith(f, new byte[] {'I', 'I', 42, 0}) || startsWith(f, new byte[] {'M', 'M', 0, 42})) {
            return "TIFF";
        }
        if (f.length >= 12 && new String(f, 4, 4, StandardCharsets.ISO_8859_1).equals("ftyp")) {
            return "HEIF/AVIF";
        }
        if (startsWith(f, "BM".getBytes(StandardCharsets.US_ASCII)) && f.length >= 26) {
            return "BMP";
        }
        return null;
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        if (data.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean isPrefixOf(byte[] data, byte[] signature) {
        if (data.length >= signature.length) {
            return false;
        }
        for (int i = 0; i < data.length; i++) {
            if (data[i] != signature[i]) {
                return false;
            }
        }
        return true;
    }

    private static String hexPrefix(byte[] data) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(8, data.length); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%02x", data[i] & 0xff));
        }
        return sb.toString();
    }

    private static String printable(String s) {
        return s.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static long u32(byte[] b, int off) {
        return ((long) (b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8)
                | (b[off + 3] & 0xff);
    }

    private static int u16(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }
}
